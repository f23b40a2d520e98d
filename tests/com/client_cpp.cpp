// A C++ client built with the mingw g++ against the generated header: it creates the server,
// reads its properties, creates a 3 MB disk and waits for it. Ends with "N passed, M failed".
#include <windows.h>
#include <ole2.h>
#include <cstdio>
#include <cstring>
#include <string>

#include "vsdisk.h"

namespace {

int passed = 0, failed = 0;

void check(bool ok, const char *what, HRESULT hr = S_OK)
{
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAIL: %s (hr 0x%08lx)\n", what, static_cast<unsigned long>(hr));
    }
}

// Owns one interface pointer.
template <typename T> class Ptr {
public:
    Ptr() = default;
    Ptr(const Ptr &) = delete;
    Ptr &operator=(const Ptr &) = delete;
    ~Ptr() { if (p_) p_->Release(); }
    T **out() { return &p_; }
    T *operator->() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
private:
    T *p_ = nullptr;
};

// Owns one BSTR.
class Bstr {
public:
    explicit Bstr(const wchar_t *s = nullptr) : s_(s ? SysAllocString(s) : nullptr) {}
    Bstr(const Bstr &) = delete;
    Bstr &operator=(const Bstr &) = delete;
    ~Bstr() { SysFreeString(s_); }
    BSTR *out() { return &s_; }
    BSTR get() const { return s_; }
private:
    BSTR s_;
};

struct Com {
    Com() { CoInitializeEx(nullptr, COINIT_MULTITHREADED); }
    ~Com() { CoUninitialize(); }
};

}  // namespace

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    std::wstring version(argv[1], argv[1] + std::strlen(argv[1]));
    std::wstring disk(argv[2], argv[2] + std::strlen(argv[2]));
    {
        Com com;
        Ptr<IVMVirtualServer> server;
        HRESULT hr = CoCreateInstance(CLSID_VMVirtualServer, nullptr, CLSCTX_INPROC_SERVER,
                                      IID_IVMVirtualServer, reinterpret_cast<void **>(server.out()));
        check(hr == S_OK && server, "CoCreateInstance", hr);
        if (server) {
            Bstr text;
            hr = server->get_Version(text.out());
            check(hr == S_OK && version == text.get(), "Version", hr);

            Ptr<IVMTask> task;
            Bstr path(disk.c_str());
            hr = server->CreateDynamicVirtualHardDisk(path.get(), 3, task.out());
            check(hr == S_OK && task, "CreateDynamicVirtualHardDisk", hr);
            if (task) {
                hr = task->WaitForCompletion(-1);
                check(hr == S_OK, "WaitForCompletion", hr);
                VMTaskResult result = vmTaskResult_UnexpectedError;
                LONG percent = -1;
                check(task->get_Result(&result) == S_OK && result == vmTaskResult_Success, "Result");
                check(task->get_PercentCompleted(&percent) == S_OK && percent == 100, "PercentCompleted");
                Ptr<IVMTask2> task2;
                hr = task->QueryInterface(IID_IVMTask2, reinterpret_cast<void **>(task2.out()));
                LONG error = -1;
                check(hr == S_OK && task2 && task2->get_Error(&error) == S_OK && error == 0, "IVMTask2 Error", hr);
            }
            Ptr<IVMTask> again;
            hr = server->CreateDynamicVirtualHardDisk(path.get(), 3, again.out());
            check(hr == static_cast<HRESULT>(0x800700B7) && !again, "a second creation gets E_ALREADY_EXISTS", hr);
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed;
}
