/* What PowerShell's COM adapter needs: it lists and calls members from
 * IDispatch::GetTypeInfo, reading GetTypeAttr, GetFuncDesc, GetNames, GetDocumentation and,
 * for return types, GetRefTypeInfo. This walks every interface that way and checks each
 * member's kind, parameter names, help string and return type (IVMVirtualServer, IVMHardDisk
 * as GetHardDisk's type, IVMTask2, IVMTaskCollection), that every type named resolves, and
 * the enum's values. */
#include <stdio.h>
#include <wchar.h>

#include "com_test.h"

static struct dll_under_test dll;
static WCHAR disk_folder[MAX_PATH];

/* A return type as PowerShell would show it: a VARTYPE, or the name of a referenced type. */
struct expected_member {
    const WCHAR *name;
    INVOKEKIND kind;
    const WCHAR *params[3];     /* NULL-terminated */
    VARTYPE type;               /* VT_PTR: pointer to the interface named by ref */
    const WCHAR *ref;
};

static const struct expected_member server_members[] = {
    { L"Tasks", INVOKE_PROPERTYGET, { NULL }, VT_PTR, L"IVMTaskCollection" },
    { L"CreateDynamicVirtualHardDisk", INVOKE_FUNC, { L"imagePath", L"size", NULL }, VT_PTR, L"IVMTask" },
    { L"Name", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"Version", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"UpTime", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"SearchPaths", INVOKE_PROPERTYGET, { NULL }, VT_VARIANT, NULL },
    { L"SearchPaths", INVOKE_PROPERTYPUT, { L"", NULL }, VT_VOID, NULL },
    { L"CreateFixedVirtualHardDisk", INVOKE_FUNC, { L"imagePath", L"size", NULL }, VT_PTR, L"IVMTask" },
    { L"CreateDifferencingVirtualHardDisk", INVOKE_FUNC, { L"imagePath", L"parentPath", NULL }, VT_PTR, L"IVMTask" },
    { L"GetHardDisk", INVOKE_FUNC, { L"imagePath", NULL }, VT_PTR, L"IVMHardDisk" },
    { L"GetHardDiskFiles", INVOKE_FUNC, { L"inAdditionalSearchPaths", NULL }, VT_VARIANT, NULL },
    { L"HostInfo", INVOKE_PROPERTYGET, { NULL }, VT_PTR, L"IVMHostInfo" },
    { L"FindVirtualMachine", INVOKE_FUNC, { L"configurationName", NULL }, VT_PTR, L"IVMVirtualMachine" },
    { L"GetFloppyDiskImageType", INVOKE_FUNC, { L"imagePath", NULL }, VT_USERDEFINED, L"VMFloppyDiskImageType" },
};

static const struct expected_member hard_disk_members[] = {
    { L"Merge", INVOKE_FUNC, { NULL }, VT_PTR, L"IVMTask" },
    { L"MergeTo", INVOKE_FUNC, { L"newDiskImagePath", L"newDiskImageType", NULL }, VT_PTR, L"IVMTask" },
    { L"Compact", INVOKE_FUNC, { NULL }, VT_PTR, L"IVMTask" },
    { L"Convert", INVOKE_FUNC, { L"convertedDiskImagePath", L"convertedDiskImageType", NULL }, VT_PTR, L"IVMTask" },
    { L"File", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"Type", INVOKE_PROPERTYGET, { NULL }, VT_USERDEFINED, L"VMHardDiskType" },
    { L"Security", INVOKE_PROPERTYGET, { NULL }, VT_PTR, L"IVMSecurity" },
    { L"SizeInGuest", INVOKE_PROPERTYGET, { NULL }, VT_VARIANT, NULL },
    { L"SizeOnHost", INVOKE_PROPERTYGET, { NULL }, VT_VARIANT, NULL },
    { L"HostFreeDiskSpace", INVOKE_PROPERTYGET, { NULL }, VT_VARIANT, NULL },
    { L"Parent", INVOKE_PROPERTYGET, { NULL }, VT_PTR, L"IVMHardDisk" },
    { L"Parent", INVOKE_PROPERTYPUT, { L"", NULL }, VT_VOID, NULL },
    { L"HostDriveIdentifier", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
};

/* What the object's own type information (vsdisk's IVsDiskHardDisk) adds: the sizes as Numbers. */
static const struct expected_member vsdisk_hard_disk_members[] = {
    { L"SizeInGuestBytes", INVOKE_PROPERTYGET, { NULL }, VT_R8, NULL },
    { L"SizeOnHostBytes", INVOKE_PROPERTYGET, { NULL }, VT_R8, NULL },
    { L"HostFreeDiskSpaceBytes", INVOKE_PROPERTYGET, { NULL }, VT_R8, NULL },
};

/* And what IVsDiskHardDisk2 adds: what Virtual Server's interface cannot say of a VHDX. */
static const struct expected_member vsdisk_hard_disk2_members[] = {
    { L"Format", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"BlockSize", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"LogicalSectorSize", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"PhysicalSectorSize", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"VirtualDiskId", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"ConvertToRaw", INVOKE_FUNC, { L"rawImagePath", NULL }, VT_PTR, L"IVMTask" },
};

/* And what IVsDiskHardDisk3 adds: the rest of a disk's life. */
static const struct expected_member vsdisk_hard_disk3_members[] = {
    { L"Resize", INVOKE_FUNC, { L"newSizeMB", NULL }, VT_PTR, L"IVMTask" },
    { L"MinimumSize", INVOKE_PROPERTYGET, { NULL }, VT_R8, NULL },
    { L"Check", INVOKE_FUNC, { NULL }, VT_VARIANT, NULL },
    { L"Repair", INVOKE_FUNC, { NULL }, VT_PTR, L"IVMTask" },
};

/* The objects in Check's array. */
static const struct expected_member problem_members[] = {
    { L"Name", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"Kind", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"File", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"Offset", INVOKE_PROPERTYGET, { NULL }, VT_R8, NULL },
    { L"Length", INVOKE_PROPERTYGET, { NULL }, VT_R8, NULL },
    { L"Meaning", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
};

static const struct expected_member task_members[] = {
    { L"WaitForCompletion", INVOKE_FUNC, { L"timeout", NULL }, VT_VOID, NULL },
    { L"Cancel", INVOKE_FUNC, { NULL }, VT_VOID, NULL },
    { L"PercentCompleted", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"Description", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
    { L"Result", INVOKE_PROPERTYGET, { NULL }, VT_USERDEFINED, L"VMTaskResult" },
    { L"IsCancelable", INVOKE_PROPERTYGET, { NULL }, VT_BOOL, NULL },
    { L"ID", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"IsComplete", INVOKE_PROPERTYGET, { NULL }, VT_BOOL, NULL },
    { L"Error", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"ErrorDescription", INVOKE_PROPERTYGET, { NULL }, VT_BSTR, NULL },
};

static const struct expected_member collection_members[] = {
    { L"Count", INVOKE_PROPERTYGET, { NULL }, VT_I4, NULL },
    { L"Item", INVOKE_PROPERTYGET, { L"index", NULL }, VT_PTR, L"IVMTask" },
    { L"_NewEnum", INVOKE_PROPERTYGET, { NULL }, VT_UNKNOWN, NULL },
};

static void check_help_string(ITypeInfo *info, MEMBERID id, const WCHAR *what)
{
    BSTR name = NULL, help = NULL;

    assert_int_equal(ITypeInfo_GetDocumentation(info, id, &name, &help, NULL, NULL), S_OK);
    if (!help || SysStringLen(help) < 10)
        fail_msg("%ls has no help string", what);
    SysFreeString(name);
    SysFreeString(help);
}

static BSTR type_name(ITypeInfo *info, HREFTYPE href)
{
    ITypeInfo *referenced = NULL;
    BSTR name = NULL;

    assert_int_equal(ITypeInfo_GetRefTypeInfo(info, href, &referenced), S_OK);
    assert_int_equal(ITypeInfo_GetDocumentation(referenced, MEMBERID_NIL, &name, NULL, NULL, NULL), S_OK);
    ITypeInfo_Release(referenced);
    return name;
}

static void check_return_type(ITypeInfo *info, const TYPEDESC *type,
                              const struct expected_member *expected)
{
    BSTR name;

    if (expected->type == VT_PTR) {
        assert_int_equal(type->vt, VT_PTR);
        assert_int_equal(type->lptdesc->vt, VT_USERDEFINED);
        name = type_name(info, type->lptdesc->hreftype);
    } else if (expected->type == VT_USERDEFINED) {
        assert_int_equal(type->vt, VT_USERDEFINED);
        name = type_name(info, type->hreftype);
    } else {
        if (type->vt != expected->type)
            fail_msg("%ls returns VARTYPE %d, expected %d", expected->name, type->vt, expected->type);
        return;
    }
    if (wcscmp(name, expected->ref))
        fail_msg("%ls returns %ls, expected %ls", expected->name, name, expected->ref);
    SysFreeString(name);
}

/* Finds the member by name among the type's functions, as the adapter lists them. */
static void check_member(ITypeInfo *info, const TYPEATTR *attr, const struct expected_member *expected)
{
    UINT i;

    for (i = 0; i < attr->cFuncs; i++) {
        FUNCDESC *func;
        BSTR names[4] = { NULL };
        UINT count = 0, p;

        assert_int_equal(ITypeInfo_GetFuncDesc(info, i, &func), S_OK);
        assert_int_equal(ITypeInfo_GetNames(info, func->memid, names, 4, &count), S_OK);
        if (wcscmp(names[0], expected->name) || func->invkind != expected->kind) {
            for (p = 0; p < count; p++)
                SysFreeString(names[p]);
            ITypeInfo_ReleaseFuncDesc(info, func);
            continue;
        }
        for (p = 0; expected->params[p]; p++) {
            /* "": a put's parameter, whose name GetNames (by DISPID) gives for the get */
            if (expected->params[p][0] && (p + 1 >= count || wcscmp(names[p + 1], expected->params[p])))
                fail_msg("%ls: parameter %u should be named %ls", expected->name, p, expected->params[p]);
        }
        if (func->cParams != (SHORT)p)
            fail_msg("%ls takes %d parameters, expected %u", expected->name, func->cParams, p);
        check_return_type(info, &func->elemdescFunc.tdesc, expected);
        check_help_string(info, func->memid, expected->name);
        for (p = 0; p < count; p++)
            SysFreeString(names[p]);
        ITypeInfo_ReleaseFuncDesc(info, func);
        return;
    }
    fail_msg("member %ls (invoke kind %d) not found", expected->name, expected->kind);
}

/* Every member the adapter lists has a help string, and every type it names resolves. */
static void check_every_member_resolves(ITypeInfo *info, const TYPEATTR *attr)
{
    UINT i;
    SHORT p;

    for (i = 0; i < attr->cFuncs; i++) {
        FUNCDESC *func;
        BSTR name = NULL;
        UINT count;

        assert_int_equal(ITypeInfo_GetFuncDesc(info, i, &func), S_OK);
        if (func->wFuncFlags & FUNCFLAG_FRESTRICTED) {      /* not listed: IUnknown, IDispatch, _NewEnum */
            ITypeInfo_ReleaseFuncDesc(info, func);
            continue;
        }
        assert_int_equal(ITypeInfo_GetNames(info, func->memid, &name, 1, &count), S_OK);
        check_help_string(info, func->memid, name);
        for (p = -1; p < func->cParams; p++) {
            const TYPEDESC *type = p < 0 ? &func->elemdescFunc.tdesc : &func->lprgelemdescParam[p].tdesc;
            if (type->vt == VT_PTR)
                type = type->lptdesc;
            if (type->vt == VT_USERDEFINED)
                SysFreeString(type_name(info, type->hreftype));
        }
        SysFreeString(name);
        ITypeInfo_ReleaseFuncDesc(info, func);
    }
}

static void check_interface_info(ITypeInfo *info, const WCHAR *name,
                                 const struct expected_member *members, size_t count)
{
    TYPEATTR *attr;
    BSTR found = NULL;
    size_t i;

    assert_int_equal(ITypeInfo_GetTypeAttr(info, &attr), S_OK);
    assert_int_equal(attr->typekind, TKIND_DISPATCH);
    assert_true(attr->wTypeFlags & TYPEFLAG_FDUAL);
    assert_int_equal(ITypeInfo_GetDocumentation(info, MEMBERID_NIL, &found, NULL, NULL, NULL), S_OK);
    if (wcscmp(found, name))
        fail_msg("GetTypeInfo describes %ls, expected %ls", found, name);
    SysFreeString(found);
    check_help_string(info, MEMBERID_NIL, name);
    for (i = 0; i < count; i++)
        check_member(info, attr, &members[i]);
    check_every_member_resolves(info, attr);
    ITypeInfo_ReleaseTypeAttr(info, attr);
}

static void check_interface(IDispatch *dispatch, const WCHAR *name,
                            const struct expected_member *members, size_t count)
{
    ITypeInfo *info = NULL;

    assert_int_equal(IDispatch_GetTypeInfo(dispatch, 0, LOCALE_USER_DEFAULT, &info), S_OK);
    check_interface_info(info, name, members, count);
    ITypeInfo_Release(info);
}

/* The type a member returns, as the adapter reaches it: IVMHardDisk through GetHardDisk. */
static ITypeInfo *returned_type(ITypeInfo *info, const WCHAR *member)
{
    ITypeInfo *found = NULL;
    TYPEATTR *attr;
    UINT i;

    assert_int_equal(ITypeInfo_GetTypeAttr(info, &attr), S_OK);
    for (i = 0; i < attr->cFuncs && !found; i++) {
        FUNCDESC *func;
        BSTR name = NULL;
        UINT count;
        assert_int_equal(ITypeInfo_GetFuncDesc(info, i, &func), S_OK);
        ITypeInfo_GetNames(info, func->memid, &name, 1, &count);
        if (!wcscmp(name, member) && func->elemdescFunc.tdesc.vt == VT_PTR
            && func->elemdescFunc.tdesc.lptdesc->vt == VT_USERDEFINED)
            assert_int_equal(ITypeInfo_GetRefTypeInfo(info, func->elemdescFunc.tdesc.lptdesc->hreftype, &found), S_OK);
        SysFreeString(name);
        ITypeInfo_ReleaseFuncDesc(info, func);
    }
    ITypeInfo_ReleaseTypeAttr(info, attr);
    assert_non_null(found);
    return found;
}

static void test_server_type_information(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    ITypeInfo *info = NULL, *hard_disk;

    check_interface((IDispatch *)server, L"IVMVirtualServer", server_members, ARRAYSIZE(server_members));
    assert_int_equal(IVMVirtualServer_GetTypeInfo(server, 0, LOCALE_USER_DEFAULT, &info), S_OK);
    (void)state;
    hard_disk = returned_type(info, L"GetHardDisk");
    check_interface_info(hard_disk, L"IVMHardDisk", hard_disk_members, ARRAYSIZE(hard_disk_members));
    ITypeInfo_Release(hard_disk);
    ITypeInfo_Release(info);
    IVMVirtualServer_Release(server);
}

static IVMTask *new_task(IVMVirtualServer *server, const char *file)
{
    WCHAR path[MAX_PATH];
    IVMTask *task = NULL;
    BSTR bstr;

    _snwprintf(path, ARRAYSIZE(path) - 1, L"%ls\\%hs", disk_folder, file);
    path[ARRAYSIZE(path) - 1] = 0;
    DeleteFileW(path);
    bstr = SysAllocString(path);
    assert_int_equal(IVMVirtualServer_CreateDynamicVirtualHardDisk(server, bstr, 3, &task), S_OK);
    SysFreeString(bstr);
    IVMTask_WaitForCompletion(task, -1);
    return task;
}

static void test_task_and_collection_type_information(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IVMTask *task = new_task(server, "typeinfo.vhd");
    IVMTaskCollection *tasks = NULL;

    (void)state;
    check_interface((IDispatch *)task, L"IVMTask2", task_members, ARRAYSIZE(task_members));
    assert_int_equal(IVMVirtualServer_get_Tasks(server, &tasks), S_OK);
    check_interface((IDispatch *)tasks, L"IVMTaskCollection", collection_members,
                    ARRAYSIZE(collection_members));
    IVMTaskCollection_Release(tasks);
    IVMTask_Release(task);
    IVMVirtualServer_Release(server);
}

static void test_hard_disk_type_information(void **state)
{
    IVMVirtualServer *server = dll_new_server(&dll);
    IVMTask *task = new_task(server, "harddisk.vhd");
    IVMHardDisk *disk = NULL;
    WCHAR path[MAX_PATH];
    BSTR bstr;
    UINT i;

    (void)state;
    _snwprintf(path, ARRAYSIZE(path) - 1, L"%ls\\harddisk.vhd", disk_folder);
    path[ARRAYSIZE(path) - 1] = 0;
    bstr = SysAllocString(path);
    assert_int_equal(IVMVirtualServer_GetHardDisk(server, bstr, &disk), S_OK);
    SysFreeString(bstr);
    check_interface((IDispatch *)disk, L"IVsDiskHardDisk3", hard_disk_members,
                    ARRAYSIZE(hard_disk_members));
    check_interface((IDispatch *)disk, L"IVsDiskHardDisk3", vsdisk_hard_disk_members,
                    ARRAYSIZE(vsdisk_hard_disk_members));
    check_interface((IDispatch *)disk, L"IVsDiskHardDisk3", vsdisk_hard_disk2_members,
                    ARRAYSIZE(vsdisk_hard_disk2_members));
    check_interface((IDispatch *)disk, L"IVsDiskHardDisk3", vsdisk_hard_disk3_members,
                    ARRAYSIZE(vsdisk_hard_disk3_members));
    /* IVsDiskProblem, which Check's VARIANT holds: from the same type library. */
    {
        ITypeInfo *disk_info = NULL, *problem = NULL;
        ITypeLib *library = NULL;
        UINT index;
        assert_int_equal(IDispatch_GetTypeInfo((IDispatch *)disk, 0, LOCALE_USER_DEFAULT, &disk_info), S_OK);
        assert_int_equal(ITypeInfo_GetContainingTypeLib(disk_info, &library, &index), S_OK);
        assert_int_equal(ITypeLib_GetTypeInfoOfGuid(library, &IID_IVsDiskProblem, &problem), S_OK);
        check_interface_info(problem, L"IVsDiskProblem", problem_members, ARRAYSIZE(problem_members));
        ITypeInfo_Release(problem);
        ITypeLib_Release(library);
        ITypeInfo_Release(disk_info);
    }

    /* Parent is also a property put, which the adapter shows as settable. */
    ITypeInfo *info = NULL;
    TYPEATTR *attr;
    BOOL put = FALSE;
    assert_int_equal(IDispatch_GetTypeInfo((IDispatch *)disk, 0, LOCALE_USER_DEFAULT, &info), S_OK);
    assert_int_equal(ITypeInfo_GetTypeAttr(info, &attr), S_OK);
    for (i = 0; i < attr->cFuncs; i++) {
        FUNCDESC *func;
        BSTR name = NULL;
        UINT count;
        assert_int_equal(ITypeInfo_GetFuncDesc(info, i, &func), S_OK);
        ITypeInfo_GetNames(info, func->memid, &name, 1, &count);
        put |= !wcscmp(name, L"Parent") && func->invkind == INVOKE_PROPERTYPUT && func->cParams == 1;
        SysFreeString(name);
        ITypeInfo_ReleaseFuncDesc(info, func);
    }
    ITypeInfo_ReleaseTypeAttr(info, attr);
    ITypeInfo_Release(info);
    assert_true(put);
    IVMHardDisk_Release(disk);
    IVMTask_Release(task);
    IVMVirtualServer_Release(server);
}

/* The enum PowerShell shows for Result: every documented value, by name. */
static void test_task_result_enum(void **state)
{
    static const struct { const WCHAR *name; LONG value; } values[] = {
        { L"vmTaskResult_Success", 0 }, { L"vmTaskResult_Cancelled", 1 },
        { L"vmTaskResult_UnexpectedError", 2 }, { L"vmTaskResult_OutOfMemoryError", 3 },
        { L"vmTaskResult_DiskRelatedError", 4 }, { L"vmTaskResult_IncompatibleSavedStateError", 5 },
        { L"vmTaskResult_TimeOutError", 6 }, { L"vmTaskResult_IllegalValueError", 7 },
        { L"vmTaskResult_ThreadCrashError", 8 },
    };
    IVMVirtualServer *server = dll_new_server(&dll);
    IVMTask *task = new_task(server, "enum.vhd");
    ITypeInfo *info = NULL, *result_type = NULL;
    TYPEATTR *attr;
    UINT i;

    (void)state;
    assert_int_equal(IDispatch_GetTypeInfo((IDispatch *)task, 0, LOCALE_USER_DEFAULT, &info), S_OK);
    assert_int_equal(ITypeInfo_GetTypeAttr(info, &attr), S_OK);
    for (i = 0; i < attr->cFuncs && !result_type; i++) {
        FUNCDESC *func;
        BSTR name = NULL;
        UINT count;
        assert_int_equal(ITypeInfo_GetFuncDesc(info, i, &func), S_OK);
        ITypeInfo_GetNames(info, func->memid, &name, 1, &count);
        if (!wcscmp(name, L"Result") && func->elemdescFunc.tdesc.vt == VT_USERDEFINED)
            assert_int_equal(ITypeInfo_GetRefTypeInfo(info, func->elemdescFunc.tdesc.hreftype, &result_type), S_OK);
        SysFreeString(name);
        ITypeInfo_ReleaseFuncDesc(info, func);
    }
    ITypeInfo_ReleaseTypeAttr(info, attr);
    assert_non_null(result_type);

    assert_int_equal(ITypeInfo_GetTypeAttr(result_type, &attr), S_OK);
    assert_int_equal(attr->typekind, TKIND_ENUM);
    assert_int_equal(attr->cVars, ARRAYSIZE(values));
    check_help_string(result_type, MEMBERID_NIL, L"VMTaskResult");
    for (i = 0; i < attr->cVars; i++) {
        VARDESC *var;
        BSTR name = NULL;
        UINT count;
        assert_int_equal(ITypeInfo_GetVarDesc(result_type, i, &var), S_OK);
        assert_int_equal(var->varkind, VAR_CONST);
        assert_int_equal(ITypeInfo_GetNames(result_type, var->memid, &name, 1, &count), S_OK);
        assert_int_equal(wcscmp(name, values[i].name), 0);
        assert_int_equal(V_VT(var->lpvarValue) == VT_I4 ? V_I4(var->lpvarValue) : V_INT(var->lpvarValue),
                         values[i].value);
        SysFreeString(name);
        ITypeInfo_ReleaseVarDesc(result_type, var);
    }
    ITypeInfo_ReleaseTypeAttr(result_type, attr);
    ITypeInfo_Release(result_type);
    ITypeInfo_Release(info);
    IVMTask_Release(task);
    IVMVirtualServer_Release(server);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_type_information),
        cmocka_unit_test(test_task_and_collection_type_information),
        cmocka_unit_test(test_task_result_enum),
        cmocka_unit_test(test_hard_disk_type_information),
    };

    dll_load(&dll, argc, argv);
    if (argc < 3) {
        fprintf(stderr, "usage: test_typeinfo DLL SCRATCH-FOLDER\n");
        return 2;
    }
    windows_path(argv[2], disk_folder, ARRAYSIZE(disk_folder));
    CreateDirectoryW(disk_folder, NULL);
    return cmocka_run_group_tests(tests, com_setup_mta, com_teardown);
}
