/* Compares what the registry holds with registry/vsdisk.registry, key by key.
 * Usage: check_registry DESCRIPTION DLL SCOPE STATE [PEER_DLL]
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
 *          absent-beside-peer    the DLL of the other bitness (PEER_DLL) stays registered: each of
 *                               our trees is gone, or is a key both views share and has lost
 *                               only our own keys (the type library's platform key)
 *   PEER_DLL  the other bitness's DLL, registered too: in a key both views share (TypeLib,
 *             AppID, ProgIDs) its keys and values are as good as ours. Without it, the DLL that
 *             the other view's CLSID key names (if any) is the peer, and "absent" means
 *             absent-beside-peer when there is one.
 * The Interface trees must also be in the other view, with the same values, when registered.
 * Prints one line a failed check and ends with "N passed, M failed"; exits 1 on any failure. */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

#include "registry_description.h"

static int passed, failed;
static const struct registry_description *peer;     /* NULL without a peer */
static HKEY hive;
static REGSAM other_view;                           /* 0 where there is no other view */

/* The DLL the other view's CLSID key names, if it is not ours (the other bitness's). */
static BOOL other_view_server(const WCHAR *ours, WCHAR *server, DWORD chars)
{
    WCHAR clsid[39], key[128];
    DWORD bytes = chars * sizeof(WCHAR);
    HKEY opened;
    BOOL found;

    if (!other_view)
        return FALSE;
    _snwprintf(key, ARRAYSIZE(key) - 1, L"CLSID\\%ls\\InprocServer32", registry_our_clsid(clsid));
    key[ARRAYSIZE(key) - 1] = 0;
    if (registry_open_in_view(hive, key, KEY_QUERY_VALUE, other_view, FALSE, &opened) != ERROR_SUCCESS)
        return FALSE;
    found = RegGetValueW(opened, NULL, NULL, RRF_RT_REG_SZ, NULL, server, &bytes) == ERROR_SUCCESS
            && _wcsicmp(server, ours) != 0;
    RegCloseKey(opened);
    return found;
}

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

static BOOL described_value_in(const struct registry_description *description, const WCHAR *key,
                               const WCHAR *name);
static BOOL described_key_in(const struct registry_description *description, const WCHAR *key);

/* TRUE if key lies in a tree both registry views share. */
static BOOL in_shared_tree(const struct registry_description *description, const WCHAR *key)
{
    size_t i;

    for (i = 0; i < description->count; i++)
        if (description->lines[i].kind != REGISTRY_VALUE && registry_key_within(key, description->lines[i].key))
            return registry_key_shared(description->lines[i].key);
    return FALSE;
}

/* TRUE if the description names this value, or the peer's does in a shared tree. */
static BOOL described_value(const struct registry_description *description, const WCHAR *key,
                            const WCHAR *name)
{
    return described_value_in(description, key, name)
           || (peer && described_value_in(peer, key, name) && in_shared_tree(description, key));
}

static BOOL described_key(const struct registry_description *description, const WCHAR *key)
{
    return described_key_in(description, key)
           || (peer && described_key_in(peer, key) && in_shared_tree(description, key));
}

/* The peer's data for this value, or NULL. */
static const WCHAR *peer_data(const WCHAR *key, const WCHAR *name)
{
    size_t i;

    for (i = 0; peer && i < peer->count; i++) {
        const struct registry_line *line = &peer->lines[i];
        if (line->kind == REGISTRY_VALUE && !_wcsicmp(line->key, key)
            && ((!line->name && !name) || (line->name && name && !_wcsicmp(line->name, name))))
            return line->data;
    }
    return NULL;
}

static BOOL described_value_in(const struct registry_description *description, const WCHAR *key,
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
static BOOL described_key_in(const struct registry_description *description, const WCHAR *key)
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
        if (registry_key_both_views(line->key) && other_view) {
            WCHAR other[1024];
            DWORD other_bytes = sizeof(other);
            HKEY opened;
            BOOL same = FALSE;
            if (registry_open_in_view(hive, line->key, KEY_QUERY_VALUE, other_view, FALSE, &opened) == ERROR_SUCCESS) {
                same = RegGetValueW(opened, NULL, line->name, RRF_RT_REG_SZ, NULL, other, &other_bytes) == ERROR_SUCCESS
                       && !wcscmp(other, line->data);
                RegCloseKey(opened);
            }
            check(same, "value missing or different in the other view", line->key, line->name);
        }
        status = RegGetValueW(classes, line->key, line->name, RRF_RT_ANY, &type, data, &bytes);
        check(status == ERROR_SUCCESS, "value missing", line->key, line->name);
        if (status != ERROR_SUCCESS)
            continue;
        check(type == REG_SZ, "value is not REG_SZ", line->key, line->name);
        if (wcscmp(data, line->data) && peer_data(line->key, line->name)
            && !wcscmp(data, peer_data(line->key, line->name)) && in_shared_tree(description, line->key))
            continue;   /* the peer wrote it last in a key both share (HELPDIR) */
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

/* The other bitness stays registered: our trees are gone, or shared and without our keys. */
static void check_absent_beside_peer(HKEY classes, const struct registry_description *description)
{
    size_t i, j;

    for (i = 0; i < description->count; i++) {
        const struct registry_line *tree = &description->lines[i];

        if (tree->kind == REGISTRY_VALUE || !registry_key_exists(classes, tree->key))
            continue;
        check(registry_key_shared(tree->key) || registry_key_both_views(tree->key),
              "key still there, and not shared with the other view", tree->key, NULL);
        for (j = 0; j < description->count; j++) {
            const struct registry_line *line = &description->lines[j];
            if (line->kind == REGISTRY_VALUE && line->per_platform && registry_key_within(line->key, tree->key))
                check(!registry_key_exists(classes, line->key), "our platform key still there", line->key, NULL);
        }
    }
}

int main(int argc, char **argv)
{
    struct registry_description description, peer_description;
    WCHAR dll[MAX_PATH], wide[MAX_PATH];
    HKEY classes;
    char *text;
    size_t size;
    BOOL user, foreign, without_shared;

    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: check_registry DESCRIPTION DLL machine|user registered|registered-foreign|registered-without-shared|absent|absent-foreign|absent-beside-peer|activate [PEER_DLL]\n");
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
    hive = user ? HKEY_CURRENT_USER : HKEY_LOCAL_MACHINE;
    other_view = registry_other_view();
    if (argc == 6 || other_view_server(dll, wide, ARRAYSIZE(wide))) {
        WCHAR peer_dll[MAX_PATH];
        if (argc == 6)
            MultiByteToWideChar(CP_UTF8, 0, argv[5], -1, wide, ARRAYSIZE(wide));
        if (!GetFullPathNameW(wide, ARRAYSIZE(peer_dll), peer_dll, NULL)
            || FAILED(registry_description_parse_for(text, size, peer_dll,
                                                     sizeof(void *) == 8 ? L"win32" : L"win64", &peer_description))) {
            fprintf(stderr, "check_registry: cannot read %s for the peer\n", argv[1]);
            return 2;
        }
        peer = &peer_description;
        printf("check_registry: the other view has the peer %ls\n", peer_dll);
    }
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
    else if (!strcmp(argv[4], "absent-beside-peer") || peer)
        check_absent_beside_peer(classes, &description);
    else
        check_absent(classes, &description, foreign);
    RegCloseKey(classes);
    registry_description_free(&description);
    if (peer)
        registry_description_free(&peer_description);
    free(text);
    printf("check_registry %s %s: %d passed, %d failed\n", argv[3], argv[4], passed, failed);
    return failed ? 1 : 0;
}
