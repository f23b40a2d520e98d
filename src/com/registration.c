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
        char buffer[2048];
        int length = WideCharToMultiByte(CP_UTF8, 0, text, -1, buffer, sizeof(buffer), NULL, NULL);
        if (length > 1)
            WriteFile(err, buffer, (DWORD)(length - 1), &written, NULL);
    }
}

/* What a foreign key points at, for the message: the CLSID a ProgID names, or the server a
 * CLSID key names. */
static void describe_owner(HKEY classes, const WCHAR *key, WCHAR *owner, DWORD chars)
{
    static const WCHAR *const subkeys[] = { L"CLSID", L"InprocServer32", L"LocalServer32" };
    size_t i;

    owner[0] = 0;
    for (i = 0; i < ARRAYSIZE(subkeys); i++) {
        WCHAR subkey[512];
        DWORD bytes = chars * sizeof(WCHAR);

        _snwprintf(subkey, ARRAYSIZE(subkey) - 1, L"%ls\\%ls", key, subkeys[i]);
        subkey[ARRAYSIZE(subkey) - 1] = 0;
        if (RegGetValueW(classes, subkey, NULL, RRF_RT_REG_SZ, NULL, owner, &bytes) == ERROR_SUCCESS)
            return;
        owner[0] = 0;
    }
}

/* Whether the group of tree-if-ours keys is free for us: each key absent or ours in classes
 * and, for a per-user registration, machine-wide too (a per-user key would hide a machine-wide
 * owner). Names every foreign key on the console. */
static BOOL shared_group_free(const struct registry_description *description, HKEY classes,
                              HKEY machine_classes)
{
    BOOL free_for_us = TRUE;
    size_t i;

    for (i = 0; i < description->count; i++) {
        const struct registry_line *line = &description->lines[i];
        HKEY roots[2] = { classes, machine_classes };
        size_t r;

        if (line->kind != REGISTRY_TREE_IF_OURS)
            continue;
        for (r = 0; r < ARRAYSIZE(roots); r++) {
            WCHAR owner[512], message[1024];
            if (!roots[r] || registry_key_owner(roots[r], line->key) != REGISTRY_KEY_FOREIGN)
                continue;
            describe_owner(roots[r], line->key, owner, ARRAYSIZE(owner));
            _snwprintf(message, ARRAYSIZE(message) - 1, L"vsdisk: %ls belongs to another server (%ls).\n",
                       line->key, owner[0] ? owner : L"not vsdisk's");
            message[ARRAYSIZE(message) - 1] = 0;
            say(message);
            free_for_us = FALSE;
            break;
        }
    }
    if (!free_for_us)
        say(L"vsdisk: Virtual Server's CLSID, VirtualServer.Application, its type library and its interface keys were all left alone; vsdisk's own VsDisk.VirtualServer is registered.\n");
    return free_for_us;
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

static HRESULT unregister(enum scope scope)
{
    struct registry_description description;
    HKEY classes;
    HRESULT hr = open_scope(scope, &description, &classes);
    size_t i;

    if (FAILED(hr))
        return hr;
    for (i = 0; i < description.count; i++) {
        const struct registry_line *line = &description.lines[i];
        LSTATUS status;

        if (line->kind == REGISTRY_VALUE)
            continue;
        if (line->kind == REGISTRY_TREE_IF_OURS
            && registry_key_owner(classes, line->key) != REGISTRY_KEY_OURS)
            continue;       /* absent, or someone else's: leave it */
        status = RegDeleteTreeW(classes, line->key);
        if (status != ERROR_SUCCESS && status != ERROR_FILE_NOT_FOUND && SUCCEEDED(hr))
            hr = HRESULT_FROM_WIN32(status);
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

/* TRUE if key lies within a tree-if-ours key of the description. */
static BOOL within_shared(const struct registry_description *description, const WCHAR *key)
{
    size_t i;

    for (i = 0; i < description->count; i++)
        if (description->lines[i].kind == REGISTRY_TREE_IF_OURS
            && registry_key_within(key, description->lines[i].key))
            return TRUE;
    return FALSE;
}

static HRESULT do_register(enum scope scope)
{
    struct registry_description description;
    HKEY classes, machine_classes = NULL;
    HRESULT hr = open_scope(scope, &description, &classes);
    BOOL take_shared;
    size_t i;

    if (FAILED(hr))
        return hr;
    if (scope == SCOPE_USER)
        RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Classes", 0, KEY_READ, &machine_classes);
    take_shared = shared_group_free(&description, classes, machine_classes);
    if (machine_classes)
        RegCloseKey(machine_classes);

    for (i = 0; i < description.count && SUCCEEDED(hr); i++) {
        const struct registry_line *line = &description.lines[i];

        if (line->kind != REGISTRY_VALUE)
            continue;
        if (!take_shared && within_shared(&description, line->key))
            continue;
        hr = write_value(classes, line);
    }
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
