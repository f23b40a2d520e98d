/* Every IVMVirtualServer member outside the virtual hard disk API returns E_NOTIMPL with an
 * IErrorInfo description naming it: table-driven over the listing of the real library
 * (typelib-listing.tsv) through IDispatch (GetIDsOfNames by name in any case, Invoke by
 * DISPID with arguments of the listed types), and through the vtable for a few.
 * Usage: test_not_implemented DLL TABLE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "com_test.h"

static struct dll_under_test dll;

/* Members the disk API has: implemented here, or by later work. */
static const char *const disk_api[] = {
    "Tasks", "CreateDynamicVirtualHardDisk", "SearchPaths", "Name", "Version", "UpTime",
    "CreateFixedVirtualHardDisk", "CreateDifferencingVirtualHardDisk", "GetHardDisk", "GetHardDiskFiles",
    /* Virtual Server's floppy disk images (floppy_image.c; tests/create/test_floppy.c). */
    "CreateFloppyDiskImage", "GetFloppyDiskImageType", "GetFloppyDiskFiles",
};

struct member {
    DISPID dispid;
    char kind[16];
    char name[64];
    char params[8][40];     /* the types of the listed parameters */
    int param_count;
};

static struct member members[128];
static int member_count;

static BOOL in_disk_api(const char *name)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(disk_api); i++)
        if (!strcmp(disk_api[i], name))
            return TRUE;
    return FALSE;
}

static void load_members(const char *path)
{
    WCHAR wide[MAX_PATH];
    char line[1024];
    FILE *file;
    struct member *current = NULL;

    windows_path(path, wide, ARRAYSIZE(wide));
    file = _wfopen(wide, L"r");
    if (!file) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    while (fgets(line, sizeof(line), file)) {
        char *field[8] = { NULL };
        char *cursor = line;
        int count = 0;

        line[strcspn(line, "\r\n")] = 0;
        while (count < 8 && cursor) {
            field[count++] = cursor;
            cursor = strchr(cursor, '\t');
            if (cursor)
                *cursor++ = 0;
        }
        if (count < 2 || strcmp(field[1], "IVMVirtualServer"))
            continue;
        if (!strcmp(field[0], "func") && count == 8) {
            current = NULL;
            if (in_disk_api(field[5]) || member_count == ARRAYSIZE(members))
                continue;
            current = &members[member_count++];
            current->dispid = (DISPID)strtoul(field[3], NULL, 16);
            snprintf(current->kind, sizeof(current->kind), "%s", field[4]);
            snprintf(current->name, sizeof(current->name), "%s", field[5]);
            current->param_count = 0;
        } else if (!strcmp(field[0], "param") && count == 7 && current && current->param_count < 8) {
            snprintf(current->params[current->param_count++], sizeof(current->params[0]), "%s", field[5]);
        }
    }
    fclose(file);
}

/* An argument of the listed type. */
static void make_argument(const char *type, VARIANT *arg)
{
    VariantInit(arg);
    if (!strcmp(type, "BSTR")) {
        V_VT(arg) = VT_BSTR;
        V_BSTR(arg) = SysAllocString(L"x");
    } else if (!strcmp(type, "BOOL")) {
        V_VT(arg) = VT_BOOL;
        V_BOOL(arg) = VARIANT_TRUE;
    } else if (!strncmp(type, "iface:", 6)) {
        V_VT(arg) = VT_DISPATCH;
        V_DISPATCH(arg) = NULL;
    } else if (!strcmp(type, "VARIANT")) {
        V_VT(arg) = VT_EMPTY;
    } else {                            /* I4, UI4, enums */
        V_VT(arg) = VT_I4;
        V_I4(arg) = 1;
    }
}

static void expect_not_implemented_description(const WCHAR *description, const char *member)
{
    WCHAR expected[128];

    swprintf(expected, ARRAYSIZE(expected), L"IVMVirtualServer.%hs is not implemented", member);
    if (!description || !wcsstr(description, expected))
        fail_msg("%s: description \"%ls\" does not name it", member, description ? description : L"(none)");
    if (!strcmp(member, "CreateHostDriveVirtualHardDisk")) {
        if (!wcsstr(description, L"host-drive"))
            fail_msg("%s: description does not say vsdisk makes no host-drive disks", member);
    } else if (!wcsstr(description, L"virtual hard disk API only")) {
        fail_msg("%s: description \"%ls\" does not say what vsdisk implements", member, description);
    }
}

static void test_table_covers_the_listing(void **state)
{
    int i, gets = 0, puts = 0, funcs = 0;

    (void)state;
    /* 85 members, 11 of them in the disk API (SearchPaths counts twice), 3 floppy image ones. */
    assert_int_equal(member_count, 85 - 11 - 3);
    for (i = 0; i < member_count; i++) {
        gets += !strcmp(members[i].kind, "propget");
        puts += !strcmp(members[i].kind, "propput");
        funcs += !strcmp(members[i].kind, "func");
    }
    assert_int_equal(gets + puts + funcs, member_count);
    assert_true(puts > 0 && gets > 0 && funcs > 0);
}

static void test_every_member_by_dispid(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IDispatch *dispatch = NULL;
    int i;

    (void)state;
    assert_int_equal(IVMVirtualServer_QueryInterface(server, &IID_IDispatch, (void **)&dispatch), S_OK);
    for (i = 0; i < member_count; i++) {
        const struct member *m = &members[i];
        VARIANT args[8], result;
        DISPID put_id = DISPID_PROPERTYPUT, found = DISPID_UNKNOWN;
        DISPPARAMS params = { args, NULL, (UINT)m->param_count, 0 };
        EXCEPINFO excep;
        WCHAR name[64], upper[64];
        LPOLESTR names[1] = { upper };
        WORD flags;
        HRESULT hr;
        int p;

        /* GetIDsOfNames finds the listed DISPID whatever the case of the name. */
        MultiByteToWideChar(CP_UTF8, 0, m->name, -1, name, ARRAYSIZE(name));
        wcscpy(upper, name);
        _wcsupr(upper);
        assert_int_equal(IDispatch_GetIDsOfNames(dispatch, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &found), S_OK);
        if (found != m->dispid)
            fail_msg("%s: GetIDsOfNames(%ls) gives 0x%08lx, listed 0x%08lx", m->name, upper,
                     (unsigned long)found, (unsigned long)m->dispid);

        for (p = 0; p < m->param_count; p++)     /* DISPPARAMS holds them last first */
            make_argument(m->params[m->param_count - 1 - p], &args[p]);
        flags = !strcmp(m->kind, "propget") ? DISPATCH_PROPERTYGET
              : !strcmp(m->kind, "propput") ? DISPATCH_PROPERTYPUT : DISPATCH_METHOD;
        if (flags == DISPATCH_PROPERTYPUT) {
            params.rgdispidNamedArgs = &put_id;
            params.cNamedArgs = 1;
        }
        VariantInit(&result);
        memset(&excep, 0, sizeof(excep));
        hr = IDispatch_Invoke(dispatch, m->dispid, &IID_NULL, LOCALE_USER_DEFAULT, flags, &params,
                              flags == DISPATCH_PROPERTYPUT ? NULL : &result, &excep, NULL);
        if (hr != DISP_E_EXCEPTION || excep.scode != E_NOTIMPL)
            fail_msg("%s (DISPID 0x%08lx): Invoke gives 0x%08lx, scode 0x%08lx; expected E_NOTIMPL",
                     m->name, (unsigned long)m->dispid, (unsigned long)hr, (unsigned long)excep.scode);
        expect_not_implemented_description(excep.bstrDescription, m->name);
        VariantClear(&result);
        SysFreeString(excep.bstrDescription);
        SysFreeString(excep.bstrSource);
        SysFreeString(excep.bstrHelpFile);
        for (p = 0; p < m->param_count; p++)
            VariantClear(&args[p]);
    }
    IDispatch_Release(dispatch);
    assert_int_equal(IVMVirtualServer_Release(server), 0);
}

static void expect_error_info(const char *member)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;

    assert_int_equal(GetErrorInfo(0, &info), S_OK);
    assert_non_null(info);
    assert_int_equal(IErrorInfo_GetDescription(info, &description), S_OK);
    expect_not_implemented_description(description, member);
    SysFreeString(description);
    IErrorInfo_Release(info);
}

/* Through the vtable: each leaves its out parameter cleared. */
static void test_some_members_by_slot(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IVMVirtualMachineCollection *machines = (IVMVirtualMachineCollection *)(ULONG_PTR)1;
    IVMSecurity *security = (IVMSecurity *)(ULONG_PTR)1;
    IVMTask *task = (IVMTask *)(ULONG_PTR)1;
    LONG memory = 7, floppy_drives = 1;
    VARIANT files;
    BSTR text = SysAllocString(L"C:\\x.vfd");

    (void)state;
    assert_int_equal(IVMVirtualServer_get_VirtualMachines(server, &machines), E_NOTIMPL);
    assert_null(machines);
    expect_error_info("VirtualMachines");
    assert_int_equal(IVMVirtualServer_DeleteVirtualMachine(server, NULL), E_NOTIMPL);
    expect_error_info("DeleteVirtualMachine");
    assert_int_equal(IVMVirtualServer_get_MaximumMemoryPerVM(server, &memory), E_NOTIMPL);
    assert_int_equal(memory, 0);
    expect_error_info("MaximumMemoryPerVM");
    assert_int_equal(IVMVirtualServer_get_Security(server, &security), E_NOTIMPL);
    assert_null(security);
    expect_error_info("Security");
    assert_int_equal(IVMVirtualServer_put_Security(server, NULL), E_NOTIMPL);
    expect_error_info("Security");
    assert_int_equal(IVMVirtualServer_get_MaximumFloppyDrivesPerVM(server, &floppy_drives), E_NOTIMPL);
    assert_int_equal(floppy_drives, 0);
    expect_error_info("MaximumFloppyDrivesPerVM");
    V_VT(&files) = VT_I4;
    V_I4(&files) = 0;
    assert_int_equal(IVMVirtualServer_GetDVDFiles(server, files, &files), E_NOTIMPL);
    assert_int_equal(V_VT(&files), VT_EMPTY);
    expect_error_info("GetDVDFiles");
    assert_int_equal(IVMVirtualServer_CreateHostDriveVirtualHardDisk(server, text, text, VARIANT_FALSE, &task), E_NOTIMPL);
    assert_null(task);
    expect_error_info("CreateHostDriveVirtualHardDisk");
    assert_int_equal(IVMVirtualServer_get_VirtualMachines(server, NULL), E_NOTIMPL);
    SysFreeString(text);
    assert_int_equal(IVMVirtualServer_Release(server), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_covers_the_listing),
        cmocka_unit_test(test_every_member_by_dispid),
        cmocka_unit_test(test_some_members_by_slot),
    };

    dll_load(&dll, argc, argv);
    if (argc < 3) {
        fprintf(stderr, "usage: test_not_implemented DLL TABLE\n");
        return 2;
    }
    load_members(argv[2]);
    return cmocka_run_group_tests(tests, com_setup_mta, com_teardown);
}
