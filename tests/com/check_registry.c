/* Compares what the registry holds with registry/vsdisk.registry, key by key.
 * Usage: check_registry DESCRIPTION DLL SCOPE STATE
 *   SCOPE  machine (HKLM\Software\Classes) or user (HKCU\Software\Classes)
 *   STATE  registered    every described value is there, exactly, and nothing else in our trees,
 *                        Virtual Server's keys (the tree-if-ours group) included and marked ours
 *          registered-foreign   vsdisk's own trees exactly as described; not one of Virtual
 *                               Server's keys is ours: each is absent or another product's
 *                               (the test compares those byte for byte itself)
 *          registered-without-shared   vsdisk's own trees exactly; none of Virtual Server's
 *                               keys is in this scope at all
 *          absent        none of our trees is there, and no key is marked ours
 *          absent-foreign        the same, Virtual Server's keys may be another product's
 *          activate      vsdisk's own ProgIDs create a working object (CoCreateInstance, then
 *                        IDispatch "Version")
 * Prints one line a failed check and ends with "N passed, M failed"; exits 1 on any failure. */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "registry_description.h"

static int passed, failed;

static void check(BOOL ok, const char *what, const WCHAR *key, const WCHAR *name)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL: %s: %ls%s%ls\n", what, key, name ? " value " : "", name ? name : L"");
}

static char *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    char *text = NULL;
    long length;

    if (!file)
        return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0
        && (text = malloc((size_t)length + 1)) && fread(text, 1, (size_t)length, file) == (size_t)length) {
        *size = (size_t)length;
    } else {
        free(text);
        text = NULL;
    }
    fclose(file);
    return text;
}

static BOOL is_foreign_tree(const struct registry_description *description, const WCHAR *key)
{
    size_t i;

    for (i = 0; i < description->count; i++)
        if (description->lines[i].kind == REGISTRY_TREE_IF_OURS
            && registry_key_within(key, description->lines[i].key))
            return TRUE;
    return FALSE;
}

/* TRUE if the description names this value. */
static BOOL described_value(const struct registry_description *description, const WCHAR *key,
                            const WCHAR *name)
{
    size_t i;

    for (i = 0; i < description->count; i++) {
        const struct registry_line *line = &description->lines[i];
        if (line->kind == REGISTRY_VALUE && !_wcsicmp(line->key, key)
            && ((!line->name && !name[0]) || (line->name && !_wcsicmp(line->name, name))))
            return TRUE;
    }
    return FALSE;
}

/* TRUE if the description writes a value at key or below it. */
static BOOL described_key(const struct registry_description *description, const WCHAR *key)
{
    size_t i;

    for (i = 0; i < description->count; i++)
        if (description->lines[i].kind == REGISTRY_VALUE
            && registry_key_within(description->lines[i].key, key))
            return TRUE;
    return FALSE;
}

/* Everything found under key must be described. */
static void check_nothing_extra(HKEY classes, const struct registry_description *description,
                                const WCHAR *key)
{
    WCHAR name[512], path[1024];
    HKEY opened;
    DWORD i, length;

    check(described_key(description, key), "key not in the description", key, NULL);
    if (RegOpenKeyExW(classes, key, 0, KEY_READ, &opened) != ERROR_SUCCESS)
        return;
    for (i = 0; length = ARRAYSIZE(name), RegEnumValueW(opened, i, name, &length, NULL, NULL, NULL, NULL) == ERROR_SUCCESS; i++)
        check(described_value(description, key, name), "value not in the description", key, name);
    for (i = 0; length = ARRAYSIZE(name), RegEnumKeyExW(opened, i, name, &length, NULL, NULL, NULL, NULL) == ERROR_SUCCESS; i++) {
        _snwprintf(path, ARRAYSIZE(path) - 1, L"%ls\\%ls", key, name);
        path[ARRAYSIZE(path) - 1] = 0;
        check_nothing_extra(classes, description, path);
    }
    RegCloseKey(opened);
}

static void check_registered(HKEY classes, const struct registry_description *description,
                             BOOL foreign, BOOL without_shared)
{
    size_t i;

    for (i = 0; i < description->count; i++) {
        const struct registry_line *line = &description->lines[i];
        WCHAR data[1024];
        DWORD bytes = sizeof(data), type = 0;
        LSTATUS status;

        if (line->kind == REGISTRY_TREE_IF_OURS) {
            enum registry_owner owner = registry_key_owner(classes, line->key);
            if (without_shared)
                check(owner == REGISTRY_KEY_ABSENT, "Virtual Server's key written in this scope", line->key, NULL);
            else if (foreign)
                check(owner != REGISTRY_KEY_OURS, "Virtual Server's key taken beside a foreign one", line->key, NULL);
            else
                check(owner == REGISTRY_KEY_OURS, "Virtual Server's key not marked ours", line->key, NULL);
        }
        if (line->kind != REGISTRY_VALUE) {
            if (line->kind == REGISTRY_TREE || !(foreign || without_shared))
                check_nothing_extra(classes, description, line->key);
            continue;
        }
        if ((foreign || without_shared) && is_foreign_tree(description, line->key))
            continue;
        status = RegGetValueW(classes, line->key, line->name, RRF_RT_ANY, &type, data, &bytes);
        check(status == ERROR_SUCCESS, "value missing", line->key, line->name);
        if (status != ERROR_SUCCESS)
            continue;
        check(type == REG_SZ, "value is not REG_SZ", line->key, line->name);
        check(!wcscmp(data, line->data), "value differs from the description", line->key, line->name);
        if (wcscmp(data, line->data))
            printf("      found \"%ls\", described \"%ls\"\n", data, line->data);
    }
}

static void check_absent(HKEY classes, const struct registry_description *description, BOOL foreign)
{
    size_t i;

    for (i = 0; i < description->count; i++) {
        const struct registry_line *line = &description->lines[i];
        if (line->kind == REGISTRY_TREE || (line->kind == REGISTRY_TREE_IF_OURS && !foreign))
            check(!registry_key_exists(classes, line->key), "key still there", line->key, NULL);
        else if (line->kind == REGISTRY_TREE_IF_OURS)
            check(registry_key_owner(classes, line->key) != REGISTRY_KEY_OURS, "key still ours", line->key, NULL);
    }
}

/* vsdisk's own ProgIDs work whatever happened to Virtual Server's keys. */
static void check_activation(void)
{
    static const WCHAR *const prog_ids[] = { L"VsDisk.VirtualServer", L"VsDisk.VirtualServer.1" };
    size_t i;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (i = 0; i < ARRAYSIZE(prog_ids); i++) {
        LPOLESTR names[1] = { (LPOLESTR)L"Version" };
        DISPPARAMS none = { NULL, NULL, 0, 0 };
        IDispatch *object = NULL;
        DISPID id = DISPID_UNKNOWN;
        VARIANT version;
        CLSID clsid;
        BOOL ok;

        VariantInit(&version);
        ok = SUCCEEDED(CLSIDFromProgID(prog_ids[i], &clsid))
             && SUCCEEDED(CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&object))
             && SUCCEEDED(IDispatch_GetIDsOfNames(object, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id))
             && SUCCEEDED(IDispatch_Invoke(object, id, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_PROPERTYGET,
                                           &none, &version, NULL, NULL))
             && V_VT(&version) == VT_BSTR && SysStringLen(V_BSTR(&version)) > 0;
        check(ok, "creating and calling the object fails", prog_ids[i], NULL);
        VariantClear(&version);
        if (object)
            IDispatch_Release(object);
    }
    CoUninitialize();
}

int main(int argc, char **argv)
{
    struct registry_description description;
    WCHAR dll[MAX_PATH], wide[MAX_PATH];
    HKEY classes;
    char *text;
    size_t size;
    BOOL user, foreign, without_shared;

    if (argc != 5) {
        fprintf(stderr, "usage: check_registry DESCRIPTION DLL machine|user registered|registered-foreign|registered-without-shared|absent|absent-foreign|activate\n");
        return 2;
    }
    text = read_file(argv[1], &size);
    MultiByteToWideChar(CP_UTF8, 0, argv[2], -1, wide, ARRAYSIZE(wide));
    if (!text || !GetFullPathNameW(wide, ARRAYSIZE(dll), dll, NULL)
        || FAILED(registry_description_parse(text, size, dll, &description))) {
        fprintf(stderr, "check_registry: cannot read %s\n", argv[1]);
        return 2;
    }
    user = !strcmp(argv[3], "user");
    foreign = strstr(argv[4], "foreign") != NULL;
    without_shared = strstr(argv[4], "without-shared") != NULL;
    if (RegOpenKeyExW(user ? HKEY_CURRENT_USER : HKEY_LOCAL_MACHINE, L"Software\\Classes", 0,
                      KEY_READ, &classes) != ERROR_SUCCESS) {
        fprintf(stderr, "check_registry: cannot open the classes key\n");
        return 2;
    }
    if (!strcmp(argv[4], "activate"))
        check_activation();
    else if (!strncmp(argv[4], "registered", 10))
        check_registered(classes, &description, foreign, without_shared);
    else
        check_absent(classes, &description, foreign);
    RegCloseKey(classes);
    registry_description_free(&description);
    free(text);
    printf("check_registry %s %s: %d passed, %d failed\n", argv[3], argv[4], passed, failed);
    return failed ? 1 : 0;
}
