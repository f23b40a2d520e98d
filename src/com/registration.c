/* DllRegisterServer, DllUnregisterServer and DllInstall, following the registry description
 * embedded in the DLL. */
#include <windows.h>
#include <ole2.h>
#include <stdlib.h>
#include <wchar.h>
#include <olectl.h>

#include "allocation.h"
#include "vsdisk.h"
#include "module.h"
#include "registry_description.h"
#include "resource.h"

enum scope { SCOPE_MACHINE, SCOPE_USER };

static HKEY scope_hive(enum scope scope)
{
    return scope == SCOPE_USER ? HKEY_CURRENT_USER : HKEY_LOCAL_MACHINE;
}

static HRESULT load_description(struct registry_description *description)
{
    HRSRC resource = FindResourceW(module_instance(), MAKEINTRESOURCEW(VSDISK_REGISTRY_RESOURCE),
                                   MAKEINTRESOURCEW(10) /* RT_RCDATA */);
    HGLOBAL loaded;
    WCHAR *path;
    HRESULT hr;

    if (!resource || !(loaded = LoadResource(module_instance(), resource)))
        return SELFREG_E_CLASS;
    path = module_path();
    if (!path)
        return E_OUTOFMEMORY;
    hr = registry_description_parse(LockResource(loaded), SizeofResource(module_instance(), resource),
                                     path, description);
    vs_free(path);
    return hr;
}

/* Tells the person registering, where there is someone to tell: regsvr32 under Wine has a
 * console; the debugger output reaches DebugView on Windows. */
static void say(const WCHAR *text)
{
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
    DWORD written;

    OutputDebugStringW(text);
    if (err && err != INVALID_HANDLE_VALUE) {
        char buffer[512];
        int length = WideCharToMultiByte(CP_UTF8, 0, text, -1, buffer, sizeof(buffer), NULL, NULL);
        if (length > 1)
            WriteFile(err, buffer, (DWORD)(length - 1), &written, NULL);
    }
}

/* The default value of KEY\CLSID under classes, or an empty string. */
static void read_clsid_of(HKEY classes, const WCHAR *key, WCHAR *clsid, DWORD chars)
{
    WCHAR subkey[512];
    DWORD bytes = chars * sizeof(WCHAR);

    clsid[0] = 0;
    _snwprintf(subkey, ARRAYSIZE(subkey) - 1, L"%ls\\CLSID", key);
    subkey[ARRAYSIZE(subkey) - 1] = 0;
    if (RegGetValueW(classes, subkey, NULL, RRF_RT_REG_SZ, NULL, clsid, &bytes) != ERROR_SUCCESS)
        clsid[0] = 0;
}

/* Whether a shared key (VirtualServer.Application) is free for us in classes: absent, or
 * already naming our CLSID. */
static BOOL shared_key_free(HKEY classes, const WCHAR *key, WCHAR *owner, DWORD owner_chars)
{
    WCHAR ours[39];

    if (!registry_key_exists(classes, key))
        return TRUE;
    read_clsid_of(classes, key, owner, owner_chars);
    return !_wcsicmp(owner, registry_our_clsid(ours));
}

/* The embedded description and the scope's classes key, both or neither. */
static HRESULT open_scope(enum scope scope, struct registry_description *description, HKEY *classes)
{
    HRESULT hr = load_description(description);
    LSTATUS status;

    if (FAILED(hr))
        return hr;
    status = RegCreateKeyExW(scope_hive(scope), L"Software\\Classes", 0, NULL, 0, KEY_ALL_ACCESS,
                             NULL, classes, NULL);
    if (status != ERROR_SUCCESS) {
        registry_description_free(description);
        return HRESULT_FROM_WIN32(status);
    }
    return S_OK;
}

/* TRUE if the DLL of the other bitness is registered in this scope's other view: its CLSID
 * key there names another DLL. (Where the scope has no separate view, as HKEY_CURRENT_USER in
 * Wine, the key is ours and this is FALSE.) */
static BOOL other_bitness_registered(enum scope scope, REGSAM other_view)
{
    WCHAR ours[39], key[128], server[MAX_PATH + 1];
    DWORD bytes = sizeof(server) - sizeof(WCHAR);
    WCHAR *path;
    LSTATUS status;
    HKEY opened;
    BOOL other;

    if (!other_view)
        return FALSE;
    _snwprintf(key, ARRAYSIZE(key) - 1, L"Software\\Classes\\CLSID\\%ls\\InprocServer32",
               registry_our_clsid(ours));
    key[ARRAYSIZE(key) - 1] = 0;
    if (RegOpenKeyExW(scope_hive(scope), key, 0, KEY_QUERY_VALUE | other_view, &opened) != ERROR_SUCCESS)
        return FALSE;
    status = RegGetValueW(opened, NULL, NULL, RRF_RT_REG_SZ, NULL, server, &bytes);
    RegCloseKey(opened);
    if (status != ERROR_SUCCESS)
        return FALSE;
    if (!(path = module_path()))
        return FALSE;
    other = _wcsicmp(server, path) != 0;
    vs_free(path);
    return other;
}

/* In a tree both views share while the other bitness stays registered: removes only the keys
 * of this bitness (the type library's platform key) and leaves the rest to the other DLL. */
static HRESULT unregister_shared_tree(HKEY classes, const struct registry_description *description,
                                      const WCHAR *tree)
{
    HRESULT hr = S_OK;
    size_t i;

    for (i = 0; i < description->count; i++) {
        const struct registry_line *line = &description->lines[i];
        LSTATUS status;

        if (line->kind != REGISTRY_VALUE || !line->per_platform || !registry_key_within(line->key, tree))
            continue;
        status = RegDeleteTreeW(classes, line->key);
        if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND && SUCCEEDED(hr))
            hr = HRESULT_FROM_WIN32(status);
    }
    return hr;
}

static HRESULT unregister(enum scope scope)
{
    struct registry_description description;
    HKEY classes;
    WCHAR owner[64];
    HRESULT hr = open_scope(scope, &description, &classes);
    REGSAM other_view = registry_other_view();
    BOOL other_registered;
    size_t i;

    if (FAILED(hr))
        return hr;
    other_registered = other_bitness_registered(scope, other_view);
    for (i = 0; i < description.count; i++) {
        const struct registry_line *line = &description.lines[i];
        LSTATUS status;

        if (line->kind == REGISTRY_VALUE)
            continue;
        if (other_registered && (registry_key_shared(line->key) || registry_key_both_views(line->key))) {
            HRESULT shared_hr = unregister_shared_tree(classes, &description, line->key);
            if (FAILED(shared_hr) && SUCCEEDED(hr))
                hr = shared_hr;
            continue;
        }
        if (line->kind == REGISTRY_TREE_IF_OURS) {
            WCHAR ours[39];
            if (!registry_key_exists(classes, line->key))
                continue;
            read_clsid_of(classes, line->key, owner, ARRAYSIZE(owner));
            if (_wcsicmp(owner, registry_our_clsid(ours)))
                continue;       /* someone else's: leave it */
        }
        status = RegDeleteTreeW(classes, line->key);
        if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND && SUCCEEDED(hr))
            hr = HRESULT_FROM_WIN32(status);
        if (other_view && !other_registered && registry_key_both_views(line->key)) {
            status = registry_delete_tree_in_view(scope_hive(scope), line->key, other_view);
            if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND && SUCCEEDED(hr))
                hr = HRESULT_FROM_WIN32(status);
        }
    }
    RegCloseKey(classes);
    registry_description_free(&description);
    return hr;
}

static HRESULT write_value(HKEY classes, const struct registry_line *line)
{
    HKEY key;
    LSTATUS status = RegCreateKeyExW(classes, line->key, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (status != ERROR_SUCCESS)
        return HRESULT_FROM_WIN32(status);
    status = RegSetValueExW(key, line->name, 0, REG_SZ, (const BYTE *)line->data,
                            (DWORD)((wcslen(line->data) + 1) * sizeof(WCHAR)));
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(status);
}

/* The same value in the other registry view (the Interface keys, as RegisterTypeLib does). */
static HRESULT write_value_in_view(HKEY hive, REGSAM view, const struct registry_line *line)
{
    HKEY key;
    LSTATUS status = registry_open_in_view(hive, line->key, KEY_SET_VALUE, view, TRUE, &key);

    if (status != ERROR_SUCCESS)
        return HRESULT_FROM_WIN32(status);
    status = RegSetValueExW(key, line->name, 0, REG_SZ, (const BYTE *)line->data,
                            (DWORD)((wcslen(line->data) + 1) * sizeof(WCHAR)));
    RegCloseKey(key);
    return HRESULT_FROM_WIN32(status);
}

static HRESULT do_register(enum scope scope)
{
    struct registry_description description;
    const WCHAR *skipped = NULL;
    HKEY classes, machine_classes = NULL;
    REGSAM other_view = registry_other_view();
    WCHAR owner[64];
    HRESULT hr = open_scope(scope, &description, &classes);
    size_t i;

    if (FAILED(hr))
        return hr;
    /* A per-user registration must not hide a machine-wide owner either. */
    if (scope == SCOPE_USER)
        RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Classes", 0, KEY_READ, &machine_classes);

    for (i = 0; i < description.count && SUCCEEDED(hr); i++) {
        const struct registry_line *line = &description.lines[i];

        if (line->kind == REGISTRY_TREE_IF_OURS) {
            if (!shared_key_free(classes, line->key, owner, ARRAYSIZE(owner))
                || (machine_classes && !shared_key_free(machine_classes, line->key, owner, ARRAYSIZE(owner)))) {
                WCHAR message[512];
                skipped = line->key;
                _snwprintf(message, ARRAYSIZE(message) - 1,
                           L"vsdisk: %ls belongs to another server (CLSID %ls); it was left alone. Use VsDisk.VirtualServer instead.\n",
                           line->key, owner[0] ? owner : L"unknown");
                message[ARRAYSIZE(message) - 1] = 0;
                say(message);
            }
            continue;
        }
        if (line->kind != REGISTRY_VALUE)
            continue;
        if (skipped && registry_key_within(line->key, skipped))
            continue;
        hr = write_value(classes, line);
        if (SUCCEEDED(hr) && other_view && registry_key_both_views(line->key))
            hr = write_value_in_view(scope_hive(scope), other_view, line);
    }
    if (machine_classes)
        RegCloseKey(machine_classes);
    RegCloseKey(classes);
    registry_description_free(&description);
    if (FAILED(hr))
        unregister(scope);
    return hr;
}

HRESULT WINAPI DllRegisterServer(void)
{
    return do_register(SCOPE_MACHINE);
}

HRESULT WINAPI DllUnregisterServer(void)
{
    return unregister(SCOPE_MACHINE);
}

/* regsvr32 /i:user (with /n for DllInstall alone) registers for the current user only;
 * /i or /i:machine registers machine-wide. */
HRESULT WINAPI DllInstall(BOOL install, LPCWSTR command_line)
{
    enum scope scope;

    if (!command_line || !command_line[0] || !_wcsicmp(command_line, L"machine"))
        scope = SCOPE_MACHINE;
    else if (!_wcsicmp(command_line, L"user"))
        scope = SCOPE_USER;
    else
        return E_INVALIDARG;
    return install ? do_register(scope) : unregister(scope);
}
