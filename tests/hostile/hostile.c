#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hostile.h"
#include "vhd_format.h"

static HRESULT (WINAPI *get_class_object)(REFCLSID, REFIID, void **);
static char helpers_dir[MAX_PATH], scratch_dir[MAX_PATH];

static char *read_whole(const WCHAR *path, DWORD *size);

bool hostile_load(const char *dll_path)
{
    WCHAR path[MAX_PATH];
    HMODULE module;

    windows_path(dll_path, path, ARRAYSIZE(path));
    module = LoadLibraryW(path);
    if (!module) {
        fprintf(stderr, "cannot load %s (error %lu)\n", dll_path, GetLastError());
        return false;
    }
    get_class_object = (HRESULT (WINAPI *)(REFCLSID, REFIID, void **))(void (*)(void))
        GetProcAddress(module, "DllGetClassObject");
    if (!get_class_object) {
        fprintf(stderr, "%s has no DllGetClassObject\n", dll_path);
        return false;
    }
    return true;
}

IVMVirtualServer *hostile_server(void)
{
    IClassFactory *factory = NULL;
    IVMVirtualServer *server = NULL;

    if (FAILED(get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory, (void **)&factory)))
        return NULL;
    if (FAILED(IClassFactory_CreateInstance(factory, NULL, &IID_IVMVirtualServer, (void **)&server)))
        server = NULL;
    IClassFactory_Release(factory);
    return server;
}

char *utf8_from_wide(const WCHAR *text, int len)
{
    int size = WideCharToMultiByte(CP_UTF8, 0, text, len, NULL, 0, NULL, NULL);
    char *out = malloc((size_t)size + 1);

    if (!out)
        return NULL;
    WideCharToMultiByte(CP_UTF8, 0, text, len, out, size, NULL, NULL);
    out[size] = 0;
    return out;
}

WCHAR *wide_from_utf8(const char *text)
{
    int size = MultiByteToWideChar(CP_UTF8, 0, text, -1, NULL, 0);
    WCHAR *out = malloc(((size_t)size + 1) * sizeof(WCHAR));

    if (!out)
        return NULL;
    MultiByteToWideChar(CP_UTF8, 0, text, -1, out, size);
    out[size] = 0;
    return out;
}

void linux_setup(const char *helpers, const char *scratch)
{
    snprintf(helpers_dir, sizeof(helpers_dir), "%s", helpers);
    snprintf(scratch_dir, sizeof(scratch_dir), "%s", scratch);
}

static void append_argument(WCHAR *command, size_t size, const char *arg)
{
    WCHAR part[MAX_PATH * 2];
    size_t n = wcslen(command);

    MultiByteToWideChar(CP_UTF8, 0, arg, -1, part, ARRAYSIZE(part));
    _snwprintf(command + n, size - n - 1, L" \"%ls\"", part);
    command[size - 1] = 0;
}

int run_linux(const char *program, const char *const *args, DWORD timeout_ms)
{
    WCHAR command[8192], status_path[MAX_PATH];
    char runner[MAX_PATH], status_file[MAX_PATH], text[32];
    STARTUPINFOW startup;
    PROCESS_INFORMATION process;
    ULONGLONG deadline = GetTickCount64() + timeout_ms;
    DWORD size = 0;
    char *status;

    snprintf(runner, sizeof(runner), "%s/linux_run.sh", helpers_dir);
    snprintf(status_file, sizeof(status_file), "%s/status", scratch_dir);
    windows_path(status_file, status_path, ARRAYSIZE(status_path));
    DeleteFileW(status_path);
    windows_path("/bin/sh", command, ARRAYSIZE(command));
    append_argument(command, ARRAYSIZE(command), runner);
    append_argument(command, ARRAYSIZE(command), status_file);
    append_argument(command, ARRAYSIZE(command), program);
    for (; *args; args++)
        append_argument(command, ARRAYSIZE(command), *args);
    /* Its output must not land in ours (TAP on stdout). */
    memset(&startup, 0, sizeof(startup));
    startup.cb = sizeof(startup);
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = NULL;
    startup.hStdOutput = GetStdHandle(STD_ERROR_HANDLE);
    startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    if (!CreateProcessW(NULL, command, NULL, NULL, TRUE, 0, NULL, NULL, &startup, &process)) {
        fprintf(stderr, "cannot run %ls (error %lu)\n", command, GetLastError());
        return -1;
    }
    CloseHandle(process.hProcess);
    CloseHandle(process.hThread);
    /* linux_run.sh renames the status file into place once the command has ended. */
    while (!(status = read_whole(status_path, &size))) {
        if (GetTickCount64() > deadline) {
            fprintf(stderr, "%ls did not finish in %lu ms\n", command, timeout_ms);
            return -1;
        }
        Sleep(1);
    }
    snprintf(text, sizeof(text), "%s", status);
    free(status);
    return atoi(text);
}

static char *read_whole(const WCHAR *path, DWORD *size)
{
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER length;
    char *data = NULL;
    DWORD done = 0;

    if (file == INVALID_HANDLE_VALUE)
        return NULL;
    if (GetFileSizeEx(file, &length) && (ULONGLONG)length.QuadPart < 256 * MIB
        && (data = malloc((size_t)length.QuadPart + 1))) {
        if (!ReadFile(file, data, (DWORD)length.QuadPart, &done, NULL) || done != (DWORD)length.QuadPart) {
            free(data);
            data = NULL;
        } else {
            data[done] = 0;
            *size = done;
        }
    }
    CloseHandle(file);
    return data;
}

bool snapshot_take(struct snapshot *shot, const char *root)
{
    char script[MAX_PATH], scratch[MAX_PATH];
    const char *args[] = { script, root, scratch, NULL };
    WCHAR listing[MAX_PATH];
    size_t capacity = 0;
    DWORD size = 0;
    char *line;

    memset(shot, 0, sizeof(*shot));
    snprintf(script, sizeof(script), "%s/snapshot.sh", helpers_dir);
    snprintf(scratch, sizeof(scratch), "%s/listing", scratch_dir);
    windows_path(scratch, listing, ARRAYSIZE(listing));
    DeleteFileW(listing);
    if (run_linux("/bin/sh", args, 60000) != 0)
        return false;
    shot->text = read_whole(listing, &size);
    if (!shot->text)
        return false;
    for (line = shot->text; *line; ) {
        char *end = strchr(line, '\n');
        if (end)
            *end = 0;
        if (shot->count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            shot->lines = realloc(shot->lines, capacity * sizeof(*shot->lines));
            if (!shot->lines)
                return false;
        }
        shot->lines[shot->count++] = line;
        if (!end)
            break;
        line = end + 1;
    }
    return true;
}

void snapshot_free(struct snapshot *shot)
{
    free(shot->lines);
    free(shot->text);
    memset(shot, 0, sizeof(*shot));
}

static void push(const char ***list, size_t *count, const char *line)
{
    *list = realloc((void *)*list, (*count + 1) * sizeof(**list));
    if (*list)
        (*list)[(*count)++] = line;
}

void snapshot_diff(const struct snapshot *a, const struct snapshot *b,
                   const char ***added, size_t *added_count,
                   const char ***removed, size_t *removed_count)
{
    size_t i = 0, j = 0;

    *added = *removed = NULL;
    *added_count = *removed_count = 0;
    /* Both are sorted byte-wise (LC_ALL=C sort): a merge finds the differences. */
    while (i < a->count || j < b->count) {
        int order = i == a->count ? 1 : j == b->count ? -1 : strcmp(a->lines[i], b->lines[j]);
        if (order == 0) {
            i++;
            j++;
        } else if (order < 0) {
            push(removed, removed_count, a->lines[i++]);
        } else {
            push(added, added_count, b->lines[j++]);
        }
    }
}

void snapshot_line_path(const char *line, char *out, size_t size)
{
    const char *bar = strchr(line, '|');
    size_t len = bar ? (size_t)(bar - line) : strlen(line);

    if (len >= size)
        len = size - 1;
    memcpy(out, line, len);
    out[len] = 0;
}

char snapshot_line_type(const char *line)
{
    const char *bar = strchr(line, '|');
    return bar ? bar[1] : '?';
}

const char *vhd_problem(const WCHAR *path, ULONGLONG size_bytes, char *why, size_t why_size)
{
    vhd_dynamic_header header;
    vhd_format_status status;
    vhd_footer footer;
    DWORD size = 0;
    char *data = read_whole(path, &size);

    if (!data)
        return "the file cannot be read";
    status = vhd_dynamic_image_check((const uint8_t *)data, size, &footer, &header);
    free(data);
    if (status != VHD_FORMAT_OK) {
        snprintf(why, why_size, "not a valid dynamic disk: %s", vhd_format_status_message(status));
        return why;
    }
    if (memcmp(footer.creator_application, "win ", 4)
        || footer.creator_version != ((uint32_t)VSDISK_VERSION_MAJOR << 16 | VSDISK_VERSION_MINOR))
        return "the creator is not this vsdisk (\"win \" and its version)";
    if (size_bytes && footer.current_size != size_bytes) {
        snprintf(why, why_size, "size %llu, expected %llu",
                 (unsigned long long)footer.current_size, (unsigned long long)size_bytes);
        return why;
    }
    return NULL;
}

BOOL vhd_refused(const WCHAR *path)
{
    DWORD size = 0;
    char *data = read_whole(path, &size);
    BOOL refused;

    if (!data)
        return GetFileAttributesW(path) == INVALID_FILE_ATTRIBUTES;
    refused = vhd_dynamic_image_check((const uint8_t *)data, size, NULL, NULL) != VHD_FORMAT_OK;
    free(data);
    return refused;
}

char *error_description(void)
{
    IErrorInfo *info = NULL;
    BSTR text = NULL;
    char *out = NULL;

    if (GetErrorInfo(0, &info) != S_OK || !info)
        return NULL;
    if (SUCCEEDED(IErrorInfo_GetDescription(info, &text)) && text)
        out = utf8_from_wide(text, -1);
    SysFreeString(text);
    IErrorInfo_Release(info);
    return out;
}

HRESULT create_disk(IVMVirtualServer *vs, BSTR path, LONG mb, IVMTask **task)
{
    SetErrorInfo(0, NULL);
    *task = NULL;
    return IVMVirtualServer_CreateDynamicVirtualHardDisk(vs, path, mb, task);
}

static IVMTask2 *task2(IVMTask *task)
{
    IVMTask2 *two = NULL;

    IVMTask_QueryInterface(task, &IID_IVMTask2, (void **)&two);
    return two;
}

LONG task_result(IVMTask *task)
{
    VMTaskResult result = (VMTaskResult)-1;

    IVMTask_get_Result(task, &result);
    return (LONG)result;
}

LONG task_error(IVMTask *task)
{
    IVMTask2 *two = task2(task);
    LONG error = -1;

    if (two) {
        IVMTask2_get_Error(two, &error);
        IVMTask2_Release(two);
    }
    return error;
}

LONG task_percent(IVMTask *task)
{
    LONG percent = -1;

    IVMTask_get_PercentCompleted(task, &percent);
    return percent;
}

char *task_error_text(IVMTask *task)
{
    IVMTask2 *two = task2(task);
    BSTR text = NULL;
    char *out;

    if (two) {
        IVMTask2_get_ErrorDescription(two, &text);
        IVMTask2_Release(two);
    }
    out = utf8_from_wide(text ? text : L"", -1);
    SysFreeString(text);
    return out;
}

void set_env(const WCHAR *name, const WCHAR *value)
{
    SetEnvironmentVariableW(name, value);
}

char *printable(const WCHAR *text, size_t len, char *out, size_t size)
{
    size_t n = 0, i = 0;

    out[0] = 0;
    while (i < len && n + 16 < size) {
        size_t run = 1;
        WCHAR c = text[i];

        while (i + run < len && text[i + run] == c)
            run++;
        if (run > 8) {
            if (c >= 0x20 && c < 0x7f)
                n += snprintf(out + n, size - n, "%c{x%zu}", (char)c, run);
            else
                n += snprintf(out + n, size - n, "\\u%04X{x%zu}", c, run);
            i += run;
            continue;
        }
        if (c >= 0x20 && c < 0x7f && c != '#')      /* '#' would start a TAP directive */
            out[n++] = (char)c;
        else
            n += snprintf(out + n, size - n, "\\u%04X", c);
        out[n] = 0;
        i++;
    }
    if (i < len)
        snprintf(out + n, size - n, "...");
    return out;
}
