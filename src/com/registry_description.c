#include <windows.h>
#include <ole2.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "allocation.h"
#include "vsdisk.h"
#include "registry_description.h"

static const struct {
    const char *name;
    const GUID *guid;
} guid_names[] = {
    { "CLSID_VMVirtualServer", &CLSID_VMVirtualServer },
    { "CLSID_VsDiskVirtualServer", &CLSID_VsDiskVirtualServer },
    { "LIBID_VirtualServer", &LIBID_VirtualServer },
    { "IID_IVMVirtualServer", &IID_IVMVirtualServer },
    { "IID_IVMTask", &IID_IVMTask },
    { "IID_IVMTask2", &IID_IVMTask2 },
    { "IID_IVMTaskCollection", &IID_IVMTaskCollection },
    { "IID_IVMHardDisk", &IID_IVMHardDisk },
};

enum registry_owner registry_key_owner(HKEY root, const WCHAR *key)
{
    HKEY opened;
    LSTATUS status;

    if (RegOpenKeyExW(root, key, 0, KEY_READ, &opened) != ERROR_SUCCESS)
        return REGISTRY_KEY_ABSENT;
    status = RegQueryValueExW(opened, REGISTRY_OWNER_VALUE, NULL, NULL, NULL, NULL);
    RegCloseKey(opened);
    return status == ERROR_SUCCESS ? REGISTRY_KEY_OURS : REGISTRY_KEY_FOREIGN;
}

BOOL registry_key_exists(HKEY root, const WCHAR *key)
{
    HKEY opened;

    if (RegOpenKeyExW(root, key, 0, KEY_READ, &opened) != ERROR_SUCCESS)
        return FALSE;
    RegCloseKey(opened);
    return TRUE;
}

BOOL registry_key_within(const WCHAR *key, const WCHAR *tree)
{
    size_t length = wcslen(tree);

    return !_wcsnicmp(key, tree, length) && (key[length] == 0 || key[length] == '\\');
}

/* A growing wide string. */
struct text {
    WCHAR *chars;
    size_t length, capacity;
};

static BOOL text_append(struct text *text, const WCHAR *chars, size_t count)
{
    if (text->length + count + 1 > text->capacity) {
        size_t capacity = (text->length + count + 1) * 2;
        WCHAR *grown = vs_realloc(text->chars, capacity * sizeof(WCHAR));
        if (!grown)
            return FALSE;
        text->chars = grown;
        text->capacity = capacity;
    }
    memcpy(text->chars + text->length, chars, count * sizeof(WCHAR));
    text->length += count;
    text->chars[text->length] = 0;
    return TRUE;
}

static BOOL append_guid_name(struct text *text, const char *name, size_t length)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(guid_names); i++) {
        if (strlen(guid_names[i].name) == length && !memcmp(guid_names[i].name, name, length)) {
            WCHAR guid[39];
            StringFromGUID2(guid_names[i].guid, guid, ARRAYSIZE(guid));
            return text_append(text, guid, 38);
        }
    }
    return FALSE;
}

/* Expands one field; returns NULL when out of memory. */
static WCHAR *expand(const char *field, size_t length, const WCHAR *module_path)
{
    const WCHAR *slash = wcsrchr(module_path, '\\');
    size_t dir_length = slash ? (size_t)(slash - module_path) : 0;
    struct text text = { NULL, 0, 0 };
    size_t i = 0;

    if (!text_append(&text, L"", 0))
        return NULL;
    while (i < length) {
        const char *close;
        WCHAR c;

        if (field[i] == '{' && (close = memchr(field + i, '}', length - i))
            && append_guid_name(&text, field + i + 1, (size_t)(close - field - i - 1))) {
            i = (size_t)(close - field) + 1;
            continue;
        }
        if (length - i >= 11 && !memcmp(field + i, "$MODULE_DIR", 11)) {
            if (!text_append(&text, module_path, dir_length))
                goto oom;
            i += 11;
            continue;
        }
        if (length - i >= 7 && !memcmp(field + i, "$MODULE", 7)) {
            if (!text_append(&text, module_path, wcslen(module_path)))
                goto oom;
            i += 7;
            continue;
        }
        c = (WCHAR)(unsigned char)field[i++];
        if (!text_append(&text, &c, 1))
            goto oom;
    }
    return text.chars;

oom:
    vs_free(text.chars);
    return NULL;
}

static size_t split_fields(const char *line, size_t length, const char *fields[4],
                           size_t lengths[4])
{
    size_t count = 0, start = 0, i;

    for (i = 0; i <= length && count < 4; i++) {
        if (i == length || line[i] == '\t') {
            fields[count] = line + start;
            lengths[count] = i - start;
            count++;
            start = i + 1;
        }
    }
    return count;
}

static HRESULT parse_line(const char *line, size_t length, const WCHAR *module_path,
                          struct registry_line *out)
{
    const char *fields[4];
    size_t lengths[4];
    size_t count = split_fields(line, length, fields, lengths);

    memset(out, 0, sizeof(*out));
    if (count == 2 && lengths[0] == 4 && !memcmp(fields[0], "tree", 4))
        out->kind = REGISTRY_TREE;
    else if (count == 2 && lengths[0] == 12 && !memcmp(fields[0], "tree-if-ours", 12))
        out->kind = REGISTRY_TREE_IF_OURS;
    else if (count == 4 && lengths[0] == 5 && !memcmp(fields[0], "value", 5))
        out->kind = REGISTRY_VALUE;
    else
        return E_INVALIDARG;
    if (!(out->key = expand(fields[1], lengths[1], module_path)))
        return E_OUTOFMEMORY;
    if (out->kind != REGISTRY_VALUE)
        return S_OK;
    if (!(lengths[2] == 1 && fields[2][0] == '@')
        && !(out->name = expand(fields[2], lengths[2], module_path)))
        return E_OUTOFMEMORY;
    if (!(out->data = expand(fields[3], lengths[3], module_path)))
        return E_OUTOFMEMORY;
    return S_OK;
}

HRESULT registry_description_parse(const char *text, size_t size, const WCHAR *module_path,
                                   struct registry_description *out)
{
    size_t start = 0, capacity = 0;
    HRESULT hr = S_OK;

    out->lines = NULL;
    out->count = 0;
    while (start < size) {
        const char *newline = memchr(text + start, '\n', size - start);
        size_t end = newline ? (size_t)(newline - text) : size, length = end - start;

        if (length > 0 && text[start + length - 1] == '\r')
            length--;
        if (length > 0 && text[start] != '#') {
            if (out->count == capacity) {
                size_t grown_capacity = capacity ? capacity * 2 : 64;
                struct registry_line *grown = vs_realloc(out->lines, grown_capacity * sizeof(*grown));
                if (!grown) {
                    hr = E_OUTOFMEMORY;
                    break;
                }
                out->lines = grown;
                capacity = grown_capacity;
            }
            hr = parse_line(text + start, length, module_path, &out->lines[out->count]);
            out->count++;
            if (FAILED(hr))
                break;
        }
        start = end + 1;
    }
    if (FAILED(hr))
        registry_description_free(out);
    return hr;
}

void registry_description_free(struct registry_description *description)
{
    size_t i;

    for (i = 0; i < description->count; i++) {
        vs_free(description->lines[i].key);
        vs_free(description->lines[i].name);
        vs_free(description->lines[i].data);
    }
    vs_free(description->lines);
    description->lines = NULL;
    description->count = 0;
}
