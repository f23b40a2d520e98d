/* Type-library conformance: loads the REGISTERED type library by the LIBID and version the
 * listing of the real Virtual Server 1.1 library names (LoadRegTypeLib), and compares it with
 * that listing (tests/com/typelib-listing.tsv, see typelib_listing.py for how it was made):
 * for every interface the IID, type flags, member count, vtable offsets, names, DISPIDs,
 * invoke kinds, parameter names, directions and types (an interface pointer by the IID it
 * refers to); for every enum its GUID and values; for the coclasses their CLSIDs, flags and
 * default interfaces. It reads nothing of vsdisk's: every expected value comes from the table.
 * Usage: typelib_conformance TABLE DLL. Ends with "N passed, M failed". */
#include <windows.h>
#include <ole2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "windows_path.h"

/* What vsdisk declares of the listing. Interfaces vsdisk hands out carry every member; the
 * ones a member only refers to are declared by IID, with no members of their own; the rest of
 * the listing (reachable only through objects vsdisk never returns) is not declared. */
static const char *const full_interfaces[] = {
    "IVMVirtualServer", "IVMTask", "IVMTaskCollection", "IVMHardDisk",
};
static const char *const interfaces_by_iid[] = {
    "IVMHostInfo", "IVMVirtualMachine", "IVMVirtualMachineCollection", "IVMVirtualNetwork",
    "IVMVirtualNetworkCollection", "IVMNetworkAdapterCollection", "IVMSupportDriverCollection",
    "IVMRCAuthenticator", "IVMRCAuthenticatorCollection", "IVMSecurity",
};
static const char *const coclasses[] = { "VMVirtualServer", "VMTask", "VMHardDisk" };

static int passed, failed;

static void check(BOOL ok, const char *format, ...)
{
    va_list args;

    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL: ");
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    printf("\n");
}

/* --- the table ------------------------------------------------------------------------ */

#define MAX_FIELDS 8

struct row {
    char *field[MAX_FIELDS];
    int count;
};

static struct row *rows;
static size_t row_count;

static void load_table(const char *path)
{
    WCHAR wide[MAX_PATH];
    char line[4096];
    size_t capacity = 0;
    FILE *file;

    windows_path(path, wide, ARRAYSIZE(wide));
    file = _wfopen(wide, L"r");
    if (!file) {
        printf("cannot open %s\n", path);
        exit(2);
    }
    while (fgets(line, sizeof(line), file)) {
        struct row row = { { NULL }, 0 };
        char *cursor = line, *tab;

        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        while (row.count < MAX_FIELDS) {
            tab = strchr(cursor, '\t');
            if (tab)
                *tab = 0;
            row.field[row.count++] = _strdup(cursor);
            if (!tab)
                break;
            cursor = tab + 1;
        }
        if (row_count == capacity) {
            capacity = capacity ? capacity * 2 : 1024;
            rows = realloc(rows, capacity * sizeof(*rows));
            if (!rows)
                exit(2);
        }
        rows[row_count++] = row;
    }
    fclose(file);
}

static BOOL is_kind(const struct row *row, const char *kind)
{
    return !strcmp(row->field[0], kind);
}

static BOOL listed(const char *const *names, size_t count, const char *name)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (!strcmp(names[i], name))
            return TRUE;
    return FALSE;
}

static GUID guid_of(const char *text)
{
    WCHAR wide[64];
    GUID guid = GUID_NULL;

    swprintf(wide, ARRAYSIZE(wide), L"{%hs}", text);
    if (FAILED(CLSIDFromString(wide, &guid)))
        check(FALSE, "bad GUID in the table: %s", text);
    return guid;
}

/* --- comparing types ------------------------------------------------------------------ */

static BOOL name_is(ITypeInfo *info, MEMBERID id, const char *expected)
{
    BSTR name = NULL;
    char narrow[256];
    BOOL same;

    if (FAILED(ITypeInfo_GetDocumentation(info, id, &name, NULL, NULL, NULL)))
        return FALSE;
    WideCharToMultiByte(CP_UTF8, 0, name, -1, narrow, sizeof(narrow), NULL, NULL);
    same = !strcmp(narrow, expected);
    SysFreeString(name);
    return same;
}

/* TRUE if type (a type described in info) is the table's spec (see typelib-listing.tsv). */
static BOOL type_matches(ITypeInfo *info, const TYPEDESC *type, const char *spec)
{
    static const struct { const char *name; VARTYPE vt; } simple[] = {
        { "I4", VT_I4 }, { "UI4", VT_UI4 }, { "UI1", VT_UI1 }, { "BSTR", VT_BSTR },
        { "BOOL", VT_BOOL }, { "VARIANT", VT_VARIANT }, { "DATE", VT_DATE },
    };
    size_t i;

    for (i = 0; i < ARRAYSIZE(simple); i++)
        if (!strcmp(spec, simple[i].name))
            return type->vt == simple[i].vt;
    if (!strcmp(spec, "unknown"))       /* VT_UNKNOWN is an IUnknown pointer */
        return type->vt == VT_UNKNOWN;
    if (!strncmp(spec, "ptr:", 4))
        return type->vt == VT_PTR && type_matches(info, type->lptdesc, spec + 4);
    if (!strncmp(spec, "iface:", 6) || !strncmp(spec, "enum:", 5)) {
        BOOL iface = spec[0] == 'i';
        const TYPEDESC *target = iface ? (type->vt == VT_PTR ? type->lptdesc : NULL) : type;
        char name[128];
        const char *colon;
        ITypeInfo *referenced = NULL;
        TYPEATTR *attr;
        BOOL ok;

        if (!target || target->vt != VT_USERDEFINED
            || FAILED(ITypeInfo_GetRefTypeInfo(info, target->hreftype, &referenced)))
            return FALSE;
        if (FAILED(ITypeInfo_GetTypeAttr(referenced, &attr))) {
            ITypeInfo_Release(referenced);
            return FALSE;
        }
        if (iface) {
            GUID expected;
            colon = strchr(spec + 6, ':');
            snprintf(name, sizeof(name), "%.*s", (int)(colon - spec - 6), spec + 6);
            expected = guid_of(colon + 1);
            ok = IsEqualGUID(&attr->guid, &expected)
                 && (attr->typekind == TKIND_DISPATCH || attr->typekind == TKIND_INTERFACE);
        } else {
            snprintf(name, sizeof(name), "%s", spec + 5);
            ok = attr->typekind == TKIND_ENUM;
        }
        ok = ok && name_is(referenced, MEMBERID_NIL, name);
        ITypeInfo_ReleaseTypeAttr(referenced, attr);
        ITypeInfo_Release(referenced);
        return ok;
    }
    printf("the test does not know the type %s\n", spec);
    return FALSE;
}

static const char *kind_name(INVOKEKIND kind)
{
    switch (kind) {
    case INVOKE_FUNC: return "func";
    case INVOKE_PROPERTYGET: return "propget";
    case INVOKE_PROPERTYPUT: return "propput";
    case INVOKE_PROPERTYPUTREF: return "propputref";
    }
    return "?";
}

/* --- interfaces ----------------------------------------------------------------------- */

static int names_unreadable;

/* TRUE if another function of the interface has this DISPID: a property get/put pair.
 * ITypeInfo::GetNames answers by DISPID, so the parameter names of the two halves cannot be
 * told apart (Wine gives the first half's names, or none); for pairs the test compares the
 * parameters' types and directions only. */
static BOOL in_pair(ITypeInfo *info, int index, MEMBERID memid, int count)
{
    BOOL found = FALSE;
    int i;

    for (i = 0; i < count && !found; i++) {
        FUNCDESC *desc;
        if (i != index && SUCCEEDED(ITypeInfo_GetFuncDesc(info, (UINT)i, &desc))) {
            found = desc->memid == memid;
            ITypeInfo_ReleaseFuncDesc(info, desc);
        }
    }
    return found;
}

static void check_function(ITypeInfo *info, const struct row *func, const char *iface, int funcs)
{
    int index = atoi(func->field[2]);
    DISPID dispid = (DISPID)strtoul(func->field[3], NULL, 16);
    const char *kind = func->field[4], *name = func->field[5], *retval = func->field[6];
    int params = atoi(func->field[7]), expected_params = params + (strcmp(retval, "VOID") != 0);
    BSTR names[16] = { NULL };
    UINT name_count = 0;
    BOOL pair;
    FUNCDESC *desc;
    size_t r;
    int p;

    if (FAILED(ITypeInfo_GetFuncDesc(info, (UINT)index, &desc))) {
        check(FALSE, "%s.%s: no function at index %d", iface, name, index);
        return;
    }
    check(desc->memid == dispid, "%s.%s: DISPID 0x%08lx, listed 0x%08lx", iface, name,
          (unsigned long)desc->memid, (unsigned long)dispid);
    check(desc->oVft == (SHORT)((7 + index) * sizeof(void *)), "%s.%s: vtable offset %d, expected slot %d",
          iface, name, desc->oVft, 7 + index);
    check(!strcmp(kind, kind_name(desc->invkind))
          || (!strcmp(kind, "newenum") && (desc->invkind == INVOKE_FUNC || desc->invkind == INVOKE_PROPERTYGET)),
          "%s.%s: invoke kind %s, listed %s", iface, name, kind_name(desc->invkind), kind);
    check(desc->funckind == FUNC_PUREVIRTUAL && desc->callconv == CC_STDCALL,
          "%s.%s: not a virtual stdcall function", iface, name);
    check(desc->elemdescFunc.tdesc.vt == VT_HRESULT, "%s.%s: does not return HRESULT", iface, name);
    check(desc->cParams == expected_params, "%s.%s: %d parameters, listed %d (+ retval)",
          iface, name, desc->cParams, params);
    ITypeInfo_GetNames(info, desc->memid, names, ARRAYSIZE(names), &name_count);
    pair = in_pair(info, index, desc->memid, funcs);
    check(name_count > 0 && names[0] && names[0][0], "%s.%s: no name", iface, name);
    if (name_count > 0) {
        char narrow[128];
        WideCharToMultiByte(CP_UTF8, 0, names[0], -1, narrow, sizeof(narrow), NULL, NULL);
        check(!strcmp(narrow, name), "%s slot %d: named %s, listed %s", iface, 7 + index, narrow, name);
    }
    /* the function's parameter rows follow it */
    for (r = (size_t)(func - rows) + 1, p = 0; r < row_count && is_kind(&rows[r], "param"); r++, p++) {
        const struct row *param = &rows[r];
        const char *pname = param->field[4], *ptype = param->field[5], *direction = param->field[6];
        const ELEMDESC *elem;
        USHORT flags;

        if (p >= desc->cParams) {
            check(FALSE, "%s.%s: parameter %s missing", iface, name, pname);
            continue;
        }
        elem = &desc->lprgelemdescParam[p];
        flags = elem->paramdesc.wParamFlags;
        check(type_matches(info, &elem->tdesc, ptype), "%s.%s: parameter %d (%s) is not %s",
              iface, name, p, pname, ptype);
        check(!strcmp(direction, "in") ? (flags & (PARAMFLAG_FIN | PARAMFLAG_FOUT)) == PARAMFLAG_FIN
                                       : (flags & (PARAMFLAG_FOUT | PARAMFLAG_FRETVAL)) == PARAMFLAG_FOUT,
              "%s.%s: parameter %d is not [%s] (flags 0x%x)", iface, name, p, direction, flags);
        if (pair) {
            names_unreadable++;
        } else if (strcmp(pname, "-")) {
            char narrow[128] = "";
            if ((UINT)(p + 1) < name_count)
                WideCharToMultiByte(CP_UTF8, 0, names[p + 1], -1, narrow, sizeof(narrow), NULL, NULL);
            check(!strcmp(narrow, pname), "%s.%s: parameter %d named '%s', listed '%s'",
                  iface, name, p, narrow, pname);
        } else {
            /* the listing has no name for it: neither may the library */
            check((UINT)(p + 1) >= name_count || !names[p + 1] || !names[p + 1][0],
                  "%s.%s: parameter %d has a name, listed without one", iface, name, p);
        }
    }
    if (strcmp(retval, "VOID") && params < desc->cParams) {
        const ELEMDESC *elem = &desc->lprgelemdescParam[params];
        check((elem->paramdesc.wParamFlags & (PARAMFLAG_FOUT | PARAMFLAG_FRETVAL)) == (PARAMFLAG_FOUT | PARAMFLAG_FRETVAL),
              "%s.%s: last parameter is not [out, retval]", iface, name);
        check(elem->tdesc.vt == VT_PTR && type_matches(info, elem->tdesc.lptdesc, retval),
              "%s.%s: returns something other than %s", iface, name, retval);
    }
    for (r = 0; r < name_count; r++)
        SysFreeString(names[r]);
    ITypeInfo_ReleaseFuncDesc(info, desc);
}

static void check_interface(ITypeLib *lib, const struct row *row)
{
    const char *name = row->field[1];
    GUID iid = guid_of(row->field[2]);
    WORD flags = (WORD)strtoul(row->field[3], NULL, 16);
    int funcs = atoi(row->field[4]);
    BOOL full = listed(full_interfaces, ARRAYSIZE(full_interfaces), name);
    BOOL by_iid = listed(interfaces_by_iid, ARRAYSIZE(interfaces_by_iid), name);
    ITypeInfo *described = NULL, *callable = NULL, *base = NULL;
    TYPEATTR *attr, *base_attr;
    HREFTYPE href;
    HRESULT hr = ITypeLib_GetTypeInfoOfGuid(lib, &iid, &described);
    size_t r;

    if (!full && !by_iid) {
        check(hr == TYPE_E_ELEMENTNOTFOUND, "%s: declared, but vsdisk hands out nothing that leads to it", name);
        if (SUCCEEDED(hr))
            ITypeInfo_Release(described);
        return;
    }
    check(hr == S_OK, "%s: IID %s not in the library (0x%08lx)", name, row->field[2], (unsigned long)hr);
    if (FAILED(hr))
        return;
    check(name_is(described, MEMBERID_NIL, name), "%s: the type with its IID has another name", name);
    ITypeInfo_GetTypeAttr(described, &attr);
    check(attr->typekind == TKIND_DISPATCH, "%s: not described as a dispinterface (dual)", name);
    check(attr->wTypeFlags == flags, "%s: type flags 0x%x, listed 0x%x", name, attr->wTypeFlags, flags);
    ITypeInfo_ReleaseTypeAttr(described, attr);

    /* The vtable half of the dual interface, derived from IDispatch. */
    if (FAILED(ITypeInfo_GetRefTypeOfImplType(described, -1, &href))
        || FAILED(ITypeInfo_GetRefTypeInfo(described, href, &callable))) {
        check(FALSE, "%s: no vtable interface behind the dispinterface", name);
        ITypeInfo_Release(described);
        return;
    }
    ITypeInfo_GetTypeAttr(callable, &attr);
    check(attr->typekind == TKIND_INTERFACE && IsEqualGUID(&attr->guid, &iid), "%s: vtable half differs", name);
    check(attr->cImplTypes == 1 && SUCCEEDED(ITypeInfo_GetRefTypeOfImplType(callable, 0, &href))
          && SUCCEEDED(ITypeInfo_GetRefTypeInfo(callable, href, &base))
          && SUCCEEDED(ITypeInfo_GetTypeAttr(base, &base_attr))
          && IsEqualGUID(&base_attr->guid, &IID_IDispatch), "%s: does not derive from IDispatch", name);
    if (base) {
        ITypeInfo_ReleaseTypeAttr(base, base_attr);
        ITypeInfo_Release(base);
    }
    if (full) {
        check(attr->cFuncs == funcs, "%s: %d members, listed %d", name, attr->cFuncs, funcs);
        check(attr->cbSizeVft == (7 + funcs) * sizeof(void *), "%s: vtable of %d bytes, listed %d slots",
              name, attr->cbSizeVft, 7 + funcs);
        for (r = (size_t)(row - rows) + 1; r < row_count && !is_kind(&rows[r], "interface"); r++)
            if (is_kind(&rows[r], "func"))
                check_function(callable, &rows[r], name, attr->cFuncs);
    } else {
        check(attr->cFuncs == 0, "%s: declared by IID only, yet has %d members: compare them all (move it to full_interfaces)",
              name, attr->cFuncs);
    }
    ITypeInfo_ReleaseTypeAttr(callable, attr);
    ITypeInfo_Release(callable);
    ITypeInfo_Release(described);
}

/* --- enums and coclasses -------------------------------------------------------------- */

static void check_enum(ITypeLib *lib, const struct row *row)
{
    const char *name = row->field[1];
    GUID guid = guid_of(row->field[2]);
    int count = atoi(row->field[3]), i = 0;
    ITypeInfo *info = NULL;
    TYPEATTR *attr;
    size_t r;

    if (FAILED(ITypeLib_GetTypeInfoOfGuid(lib, &guid, &info))) {
        check(FALSE, "enum %s: GUID %s not in the library", name, row->field[2]);
        return;
    }
    ITypeInfo_GetTypeAttr(info, &attr);
    check(attr->typekind == TKIND_ENUM && name_is(info, MEMBERID_NIL, name), "enum %s: another type", name);
    check(attr->cVars == count, "enum %s: %d values, listed %d", name, attr->cVars, count);
    for (r = (size_t)(row - rows) + 1; r < row_count && is_kind(&rows[r], "value"); r++, i++) {
        VARDESC *var;
        LONG expected = strtol(rows[r].field[3], NULL, 10);
        if (i >= attr->cVars || FAILED(ITypeInfo_GetVarDesc(info, (UINT)i, &var))) {
            check(FALSE, "enum %s: value %s missing", name, rows[r].field[2]);
            continue;
        }
        check(var->varkind == VAR_CONST && name_is(info, var->memid, rows[r].field[2]),
              "enum %s: value %d is not %s", name, i, rows[r].field[2]);
        check((V_VT(var->lpvarValue) == VT_I4 && V_I4(var->lpvarValue) == expected)
              || (V_VT(var->lpvarValue) == VT_INT && V_INT(var->lpvarValue) == expected),
              "enum %s: %s is not %ld", name, rows[r].field[2], expected);
        ITypeInfo_ReleaseVarDesc(info, var);
    }
    ITypeInfo_ReleaseTypeAttr(info, attr);
    ITypeInfo_Release(info);
}

static void check_coclass(ITypeLib *lib, const struct row *row)
{
    const char *name = row->field[1];
    GUID clsid = guid_of(row->field[2]), default_iid = guid_of(row->field[4]);
    WORD flags = (WORD)strtoul(row->field[3], NULL, 16);
    ITypeInfo *info = NULL;
    TYPEATTR *attr;
    HRESULT hr = ITypeLib_GetTypeInfoOfGuid(lib, &clsid, &info);
    BOOL found_default = FALSE;
    UINT i;

    if (!listed(coclasses, ARRAYSIZE(coclasses), name)) {
        check(hr == TYPE_E_ELEMENTNOTFOUND, "coclass %s: declared, but vsdisk serves no such object", name);
        if (SUCCEEDED(hr))
            ITypeInfo_Release(info);
        return;
    }
    check(hr == S_OK, "coclass %s: CLSID %s not in the library", name, row->field[2]);
    if (FAILED(hr))
        return;
    ITypeInfo_GetTypeAttr(info, &attr);
    check(attr->typekind == TKIND_COCLASS && name_is(info, MEMBERID_NIL, name), "coclass %s: another type", name);
    check(attr->wTypeFlags == flags, "coclass %s: type flags 0x%x, listed 0x%x", name, attr->wTypeFlags, flags);
    for (i = 0; i < attr->cImplTypes; i++) {
        INT impl_flags = 0;
        HREFTYPE href;
        ITypeInfo *impl;
        TYPEATTR *impl_attr;
        if (FAILED(ITypeInfo_GetImplTypeFlags(info, i, &impl_flags)) || !(impl_flags & IMPLTYPEFLAG_FDEFAULT)
            || (impl_flags & IMPLTYPEFLAG_FSOURCE))
            continue;
        if (SUCCEEDED(ITypeInfo_GetRefTypeOfImplType(info, i, &href))
            && SUCCEEDED(ITypeInfo_GetRefTypeInfo(info, href, &impl))) {
            ITypeInfo_GetTypeAttr(impl, &impl_attr);
            found_default = IsEqualGUID(&impl_attr->guid, &default_iid);
            ITypeInfo_ReleaseTypeAttr(impl, impl_attr);
            ITypeInfo_Release(impl);
        }
    }
    check(found_default, "coclass %s: default interface is not %s", name, row->field[4]);
    ITypeInfo_ReleaseTypeAttr(info, attr);
    ITypeInfo_Release(info);
}

int main(int argc, char **argv)
{
    const struct row *library = NULL;
    WCHAR dll[MAX_PATH], dll_full[MAX_PATH];
    BSTR path = NULL, name = NULL;
    ITypeLib *lib = NULL;
    TLIBATTR *attr;
    GUID libid;
    size_t r;
    HRESULT hr;

    if (argc != 3) {
        fprintf(stderr, "usage: typelib_conformance TABLE DLL\n");
        return 2;
    }
    load_table(argv[1]);
    windows_path(argv[2], dll, ARRAYSIZE(dll));
    GetFullPathNameW(dll, ARRAYSIZE(dll_full), dll_full, NULL);
    for (r = 0; r < row_count && !library; r++)
        if (is_kind(&rows[r], "library"))
            library = &rows[r];
    if (!library) {
        printf("no library line in %s\n", argv[1]);
        return 2;
    }
    libid = guid_of(library->field[3]);
    CoInitializeEx(NULL, COINIT_MULTITHREADED);

    hr = LoadRegTypeLib(&libid, (WORD)atoi(library->field[2]), (WORD)atoi(strchr(library->field[2], '.') + 1),
                        LOCALE_NEUTRAL, &lib);
    check(hr == S_OK, "LoadRegTypeLib {%s} %s: 0x%08lx", library->field[3], library->field[2], (unsigned long)hr);
    if (FAILED(hr))
        goto done;
    hr = QueryPathOfRegTypeLib(&libid, (WORD)atoi(library->field[2]), (WORD)atoi(strchr(library->field[2], '.') + 1),
                               LOCALE_NEUTRAL, &path);
    check(hr == S_OK && path && !_wcsicmp(path, dll_full), "the registered library is not %ls (%ls)", dll_full,
          path ? path : L"none");
    ITypeLib_GetLibAttr(lib, &attr);
    check(IsEqualGUID(&attr->guid, &libid) && attr->wMajorVerNum == atoi(library->field[2])
          && attr->wMinorVerNum == atoi(strchr(library->field[2], '.') + 1), "library identity differs");
    ITypeLib_ReleaseTLibAttr(lib, attr);
    ITypeLib_GetDocumentation(lib, -1, &name, NULL, NULL, NULL);
    check(name && !wcscmp(name, L"VirtualServer") && !strcmp(library->field[1], "VirtualServer"),
          "library name %ls", name ? name : L"none");

    for (r = 0; r < row_count; r++) {
        if (is_kind(&rows[r], "interface"))
            check_interface(lib, &rows[r]);
        else if (is_kind(&rows[r], "enum"))
            check_enum(lib, &rows[r]);
        else if (is_kind(&rows[r], "coclass"))
            check_coclass(lib, &rows[r]);
    }
    ITypeLib_Release(lib);

done:
    SysFreeString(path);
    SysFreeString(name);
    CoUninitialize();
    printf("(%d parameter names of property get/put pairs are not readable apart through ITypeInfo::GetNames; their types and directions were compared)\n",
           names_unreadable);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
