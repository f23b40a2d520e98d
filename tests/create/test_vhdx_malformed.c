/* GetHardDisk on the table of malformed VHDX files the reader's own test uses
 * (tests/vhdx/vhdx_malformed_cases.c, built here for Windows): each one the reader refuses
 * gives VM_E_INVALID_HD_FILE with a description naming the rule, and a NULL disk; each one it
 * accepts (the leniencies real files need) opens and says it is a VHDX of its size. The
 * files are written as they are and never changed by the call.
 * Usage: test_vhdx_malformed DLL TMPBASE */
#include "create_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx_malformed_cases.h"

#define X_VM_E_INVALID_HD_FILE ((HRESULT)0xA0040682)

/* The error information's description in UTF-8 (malloc'ed), "" if none. */
static char *error_text(void)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;
    char *text = calloc(1, 1024);

    assert_non_null(text);
    if (GetErrorInfo(0, &info) == S_OK && info) {
        if (SUCCEEDED(IErrorInfo_GetDescription(info, &description)) && description)
            WideCharToMultiByte(CP_UTF8, 0, description, -1, text, 1023, NULL, NULL);
        SysFreeString(description);
        IErrorInfo_Release(info);
    }
    return text;
}

static void test_malformed_table(void **state)
{
    unsigned refused = 0, opened = 0, wrong = 0;
    (void)state;

    for (size_t i = 0; i < vhdx_malformed_case_count; i++) {
        const struct vhdx_malformed_case *c = &vhdx_malformed_cases[i];
        WCHAR path[MAX_PATH];
        struct vhdx_built m;
        IVMHardDisk *disk = (IVMHardDisk *)(uintptr_t)1;
        BYTE *after;
        DWORD after_size;
        HRESULT hr;
        BSTR bstr;
        char *text;

        vhdx_malformed_build(c, &m);
        WORK_PATH(path, L"%hs.vhdx", c->name);
        write_file(path, m.data, (DWORD)m.size);
        bstr = SysAllocString(path);
        SetErrorInfo(0, NULL);
        hr = IVMVirtualServer_GetHardDisk(support_vs, bstr, &disk);
        SysFreeString(bstr);
        text = error_text();
        if (c->code == VHDX_READER_OK) {
            if (hr != S_OK || !disk) {
                print_error("%s: GetHardDisk gave 0x%08lx (%s), expected S_OK\n", c->name,
                            (unsigned long)hr, text);
                wrong++;
            } else {
                IVsDiskHardDisk2 *more = NULL;
                BSTR format = NULL;
                assert_int_equal(IVMHardDisk_QueryInterface(disk, &IID_IVsDiskHardDisk2,
                                                            (void **)&more), S_OK);
                assert_int_equal(IVsDiskHardDisk2_get_Format(more, &format), S_OK);
                assert_true(wcscmp(format, L"VHDX") == 0);
                SysFreeString(format);
                IVsDiskHardDisk2_Release(more);
                IVMHardDisk_Release(disk);
                opened++;
            }
        } else if (hr != X_VM_E_INVALID_HD_FILE || disk != NULL || !strstr(text, c->words)) {
            print_error("%s: GetHardDisk gave 0x%08lx (%s), expected VM_E_INVALID_HD_FILE with \"%s\"\n",
                        c->name, (unsigned long)hr, text, c->words);
            wrong++;
        } else {
            refused++;
        }
        free(text);
        /* Read, never written. */
        after = read_file(path, &after_size);
        assert_non_null(after);
        assert_int_equal(after_size, m.size);
        assert_memory_equal(after, m.data, m.size);
        free(after);
        DeleteFileW(path);
        vhdx_builder_free(&m);
    }
    print_message("# %u malformed VHDX files refused with VM_E_INVALID_HD_FILE, %u lenient ones opened\n",
                  refused, opened);
    assert_int_equal(wrong, 0);
    assert_true(refused >= 60);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_malformed_table, support_setup, support_teardown),
    };
    return support_run(argc, argv, "vhdx_malformed", tests, ARRAYSIZE(tests));
}
