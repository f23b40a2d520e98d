// Creates a dynamically expanding VHD through vsdisk, from C++.
// Every interface pointer and BSTR is owned by an RAII wrapper, so no path leaks one.
// Usage: create_disk_cpp PATH SIZE_MB
// Build (mingw-w64): x86_64-w64-mingw32-g++ -municode create_disk.cpp vsdisk_i.c -lole32 -loleaut32 -luuid
// Exit code: 0 when the disk was created, 1 when it was not, 2 for a usage error.
#include <windows.h>
#include <ole2.h>
#include <cstdio>
#include <cwchar>
#include <utility>

#include "vsdisk.h"

namespace {

// Owns one reference to a COM interface.
template <typename T> class ComPtr {
public:
    ComPtr() = default;
    ComPtr(const ComPtr &) = delete;
    ComPtr &operator=(const ComPtr &) = delete;
    ComPtr(ComPtr &&other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
    ~ComPtr() { reset(); }
    void reset() { if (p_) std::exchange(p_, nullptr)->Release(); }
    T **put() { reset(); return &p_; }
    void **put_void() { return reinterpret_cast<void **>(put()); }
    T *operator->() const { return p_; }
    T *get() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
private:
    T *p_ = nullptr;
};

// Owns one BSTR.
class Bstr {
public:
    Bstr() = default;
    explicit Bstr(const wchar_t *text) : s_(SysAllocString(text)) {}
    Bstr(const Bstr &) = delete;
    Bstr &operator=(const Bstr &) = delete;
    Bstr(Bstr &&other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    ~Bstr() { SysFreeString(s_); }
    BSTR *put() { SysFreeString(s_); s_ = nullptr; return &s_; }
    BSTR get() const { return s_; }
    const wchar_t *c_str() const { return s_ ? s_ : L""; }
private:
    BSTR s_ = nullptr;
};

// CoInitializeEx for the lifetime of main, CoUninitialize at its end.
class ComApartment {
public:
    ComApartment() : hr_(CoInitializeEx(nullptr, COINIT_MULTITHREADED)) {}
    ComApartment(const ComApartment &) = delete;
    ComApartment &operator=(const ComApartment &) = delete;
    ~ComApartment() { if (SUCCEEDED(hr_)) CoUninitialize(); }
    HRESULT status() const { return hr_; }
private:
    HRESULT hr_;
};

Bstr error_description()
{
    ComPtr<IErrorInfo> info;
    Bstr text;
    if (GetErrorInfo(0, info.put()) == S_OK && info)
        info->GetDescription(text.put());
    return text;
}

int create_disk(const wchar_t *path, LONG size_mb)
{
    ComPtr<IVMVirtualServer> server;
    HRESULT hr = CoCreateInstance(CLSID_VMVirtualServer, nullptr, CLSCTX_INPROC_SERVER,
                                  IID_IVMVirtualServer, server.put_void());
    if (FAILED(hr)) {
        std::fprintf(stderr, "CoCreateInstance failed with 0x%08lX: is vsdisk.dll registered?\n",
                     static_cast<unsigned long>(hr));
        return 1;
    }
    Bstr image_path(path);
    ComPtr<IVMTask> task;
    hr = server->CreateDynamicVirtualHardDisk(image_path.get(), size_mb, task.put());
    if (FAILED(hr)) {
        Bstr why = error_description();
        std::fprintf(stderr, "CreateDynamicVirtualHardDisk failed with 0x%08lX: %ls\n",
                     static_cast<unsigned long>(hr), why.c_str());
        return 1;
    }
    LONG percent = 0, last = -1;
    VARIANT_BOOL complete = VARIANT_FALSE;
    for (;;) {
        task->get_PercentCompleted(&percent);
        if (percent != last)
            std::printf("Progress: %ld%%\n", (last = percent));
        task->get_IsComplete(&complete);
        if (complete)
            break;
        task->WaitForCompletion(250);
    }
    task->get_PercentCompleted(&percent);
    if (percent != last)
        std::printf("Progress: %ld%%\n", percent);
    VMTaskResult result = vmTaskResult_UnexpectedError;
    task->get_Result(&result);
    if (result == vmTaskResult_Success) {
        std::printf("Created %ls (%ld MB)\n", path, static_cast<long>(size_mb));
        return 0;
    }
    ComPtr<IVMTask2> task2;
    LONG error = 0;
    Bstr why;
    if (SUCCEEDED(task->QueryInterface(IID_IVMTask2, task2.put_void()))) {
        task2->get_Error(&error);
        task2->get_ErrorDescription(why.put());
    }
    std::fprintf(stderr, "Failed (result %d, error 0x%08lX): %ls\n", static_cast<int>(result),
                 static_cast<unsigned long>(error), why.c_str());
    return 1;
}

}  // namespace

int wmain(int argc, wchar_t **argv)
{
    wchar_t *end = nullptr;
    long size_mb = argc == 3 ? std::wcstol(argv[2], &end, 10) : 0;
    if (argc != 3 || *end != 0) {
        std::fprintf(stderr, "usage: create_disk_cpp PATH SIZE_MB\n");
        return 2;
    }
    ComApartment apartment;
    if (FAILED(apartment.status())) {
        std::fprintf(stderr, "CoInitializeEx failed\n");
        return 1;
    }
    return create_disk(argv[1], static_cast<LONG>(size_mb));
}
