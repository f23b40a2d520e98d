/* bench_com: the COM server's CreateDynamicVirtualHardDisk against the write floor, in one
 * process (run it under Wine, or on Windows).
 *
 * Usage: bench_com DLL DIR [--runs N] [--warmup N] [--sequential N] [--concurrent N]
 *                          [--throughput-runs N] [--throughput 0|1] [--size MB|0]
 *                          [--fixed MB]
 *   DLL  vsdisk.dll, loaded registration-free (LoadLibrary + DllGetClassObject)
 *   DIR  an existing folder for the disks (a Unix path is taken as Z:); every file is
 *        deleted after its run
 *
 * For 3 MB, 127 GB (130048 MB) and 2040 GB (2088960 MB), each run times
 *   task:  CreateDynamicVirtualHardDisk + WaitForCompletion(-1), from the call to completion;
 *   floor: CreateFileW(CREATE_NEW), one WriteFile of as many bytes as the disk file the task
 *          made, FlushFileBuffers, CloseHandle;
 * alternating which goes first, and reports the median, minimum and maximum of each and of
 * the per-run ratio task / floor. Where the time goes, in the same runs:
 *   call:    the part of the task until CreateDynamicVirtualHardDisk returns (the server's
 *            checks, CreateFileW, handing the work to the thread pool);
 *   checks:  the Win32 calls the server's checks make (src/disk_target.c), alone;
 *   pattern: the writer's own sequence of Win32 calls on the calling thread, without COM and
 *            with a ready buffer (writes of at most 1 MiB, flush, 1 KiB header, flush, close).
 * Then the throughput: N sequential 127 GB creations (each file deleted inside the loop)
 * against N floor operations (same), and N creations started at once against the same N one
 * after the other. --size MB measures one size only (0: none); --throughput 0 skips the
 * throughput.
 *
 * Output: one line per figure, "bench NAME key=value ...", times in milliseconds; the last
 * line is "bench_com: ok" (exit 0) or an error (exit 1). */
#include <windows.h>
#include <ole2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "vsdisk.h"
#include "bench_stats.h"

#define MB 1048576ull

static LONG sizes_mb[] = { 3, 130048, 2088960 };
static size_t size_count = sizeof(sizes_mb) / sizeof(sizes_mb[0]);
#define THROUGHPUT_SIZE_MB 130048
#define WRITER_BUFFER (1024u * 1024)   /* VHD_CREATE_BUFFER_MAX */

static LARGE_INTEGER frequency;
static WCHAR work_dir[MAX_PATH];
static IVMVirtualServer *server;

static double now_ms(void)
{
    LARGE_INTEGER t;
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1000.0 / (double)frequency.QuadPart;
}

static int die(const char *what, unsigned long code)
{
    fprintf(stderr, "bench_com: %s (0x%08lX)\n", what, code);
    fflush(stderr);
    exit(1);
}

/* A Unix path becomes Z:\...; backslashes throughout; no trailing backslash. */
static void windows_path(const char *arg, WCHAR *out, size_t size)
{
    size_t n = 0;

    if (arg[0] == '/') {
        out[n++] = 'Z';
        out[n++] = ':';
    }
    for (; *arg && n + 1 < size; arg++)
        out[n++] = *arg == '/' ? '\\' : (WCHAR)(unsigned char)*arg;
    out[n] = 0;
    while (n > 3 && out[n - 1] == '\\')
        out[--n] = 0;
}

static void disk_path(WCHAR *out, size_t size, unsigned index)
{
    _snwprintf(out, size - 1, L"%ls\\bench-%04u.vhd", work_dir, index);
    out[size - 1] = 0;
}

static void remove_file(const WCHAR *path)
{
    if (!DeleteFileW(path))
        die("DeleteFileW failed", GetLastError());
}

static ULONGLONG file_size(const WCHAR *path)
{
    WIN32_FILE_ATTRIBUTE_DATA data;

    if (!GetFileAttributesExW(path, GetFileExInfoStandard, &data))
        die("GetFileAttributesExW failed", GetLastError());
    return (ULONGLONG)data.nFileSizeHigh << 32 | data.nFileSizeLow;
}

/* Starts a creation; the caller waits for it. */
static IVMTask *start_task(const WCHAR *path, LONG size_mb)
{
    BSTR image = SysAllocString(path);
    IVMTask *task = NULL;
    HRESULT hr;

    if (!image)
        die("out of memory", 0);
    hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(server, image, size_mb, &task);
    SysFreeString(image);
    if (FAILED(hr))
        die("CreateDynamicVirtualHardDisk failed", (unsigned long)hr);
    return task;
}

static void finish_task(IVMTask *task)
{
    VMTaskResult result = vmTaskResult_UnexpectedError;
    HRESULT hr = IVMTask_WaitForCompletion(task, -1);

    if (FAILED(hr))
        die("WaitForCompletion failed", (unsigned long)hr);
    IVMTask_get_Result(task, &result);
    IVMTask_Release(task);
    if (result != vmTaskResult_Success)
        die("a creation did not succeed; VMTaskResult", (unsigned long)result);
}

/* One creation, timed from the call to completion; *call_ms gets the time the call took. */
static double time_task(const WCHAR *path, LONG size_mb, double *call_ms)
{
    double start = now_ms(), returned, end;
    IVMTask *task = start_task(path, size_mb);

    returned = now_ms();
    finish_task(task);
    end = now_ms();
    if (call_ms)
        *call_ms = returned - start;
    return end - start;
}

/* Writes len bytes at offset, flushes and closes: how every floor and pattern ends. */
static void write_flush_close(HANDLE file, const void *data, DWORD len, ULONGLONG offset)
{
    OVERLAPPED at = { 0 };
    DWORD written = 0;

    at.Offset = (DWORD)offset;
    at.OffsetHigh = (DWORD)(offset >> 32);
    if (!WriteFile(file, data, len, &written, &at) || written != len)
        die("WriteFile failed", GetLastError());
    if (!FlushFileBuffers(file))
        die("FlushFileBuffers failed", GetLastError());
    if (!CloseHandle(file))
        die("CloseHandle failed", GetLastError());
}

static void write_floor(const WCHAR *path, const void *bytes, DWORD count)
{
    HANDLE file = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);

    if (file == INVALID_HANDLE_VALUE)
        die("CreateFileW failed", GetLastError());
    write_flush_close(file, bytes, count, 0);
}

static double time_floor(const WCHAR *path, const void *bytes, DWORD count)
{
    double start = now_ms();
    write_floor(path, bytes, count);
    return now_ms() - start;
}

/* The writer's own sequence of calls, on the calling thread and without COM: what
 * vhd_write_dynamic does through the Win32 back end (writes of at most 1 MiB, flush, the
 * 1 KiB header at 512, flush, close), after CreateFileW as the server opens the file. */
static double time_pattern(const WCHAR *path, const BYTE *bytes, DWORD count)
{
    double start = now_ms();
    HANDLE file = CreateFileW(path, GENERIC_WRITE | DELETE, 0, NULL, CREATE_NEW,
                              FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    DWORD written;

    if (file == INVALID_HANDLE_VALUE)
        die("CreateFileW failed", GetLastError());
    for (DWORD offset = 0; offset < count; ) {
        OVERLAPPED position = { 0 };
        DWORD chunk = count - offset < WRITER_BUFFER ? count - offset : WRITER_BUFFER;
        position.Offset = offset;
        if (!WriteFile(file, bytes + offset, chunk, &written, &position) || written != chunk)
            die("WriteFile failed", GetLastError());
        offset += chunk;
    }
    if (!FlushFileBuffers(file))
        die("FlushFileBuffers failed", GetLastError());
    write_flush_close(file, bytes, 1024, 512);
    return now_ms() - start;
}

/* The checks CreateDynamicVirtualHardDisk makes before it creates the file (see
 * src/disk_target.c): the path is free, every folder on the way exists, the volume's free
 * space and, for disks that could outgrow a FAT volume (expanded beyond 2 GiB - 1, i.e.
 * above about 2 GB), its file system through a handle to the folder. Timed without creating
 * anything. */
static double time_checks(const WCHAR *path, LONG size_mb)
{
    WCHAR folder[MAX_PATH], name[MAX_PATH + 1];
    HANDLE handle;
    ULARGE_INTEGER available, total, free_bytes;
    double start = now_ms();
    size_t length;

    wcscpy(folder, path);
    *wcsrchr(folder, '\\') = 0;
    if (GetFileAttributesW(path) != INVALID_FILE_ATTRIBUTES)
        die("the disk file is already there", 0);
    length = wcslen(folder);
    for (size_t end = 3; end <= length; end++) {
        WCHAR saved = folder[end];
        if (end < length && folder[end] != '\\')
            continue;
        folder[end] = 0;
        if (GetFileAttributesW(folder) == INVALID_FILE_ATTRIBUTES)
            die("a folder on the way is missing", GetLastError());
        folder[end] = saved;
    }
    wcscat(folder, L"\\");
    if (!GetDiskFreeSpaceExW(folder, &available, &total, &free_bytes))
        die("GetDiskFreeSpaceExW failed", GetLastError());
    if (size_mb > 2046) {
        handle = CreateFileW(folder, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                             NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
        if (handle == INVALID_HANDLE_VALUE)
            die("the folder cannot be opened", GetLastError());
        GetVolumeInformationByHandleW(handle, NULL, 0, NULL, NULL, NULL, name, ARRAYSIZE(name));
        CloseHandle(handle);
    }
    return now_ms() - start;
}

static void print_summary(const char *name, const char *attributes, const double *values,
                          size_t count)
{
    bench_summary s = bench_summarize(values, count);
    printf("bench %s %s runs=%u median=%.4f min=%.4f max=%.4f\n", name, attributes,
           (unsigned)count, s.median, s.min, s.max);
}

static unsigned parse_count(const char *text)
{
    char *end;
    unsigned long value = strtoul(text, &end, 10);

    if (*end || value > 2088960)
        die("a count must be a whole number", 0);
    return (unsigned)value;
}

/* Task against floor for each size. */
static void bench_sizes(unsigned runs, unsigned warmup)
{
    double *task_ms = calloc(runs, sizeof(double)), *floor_ms = calloc(runs, sizeof(double));
    double *call_ms = calloc(runs, sizeof(double)), *ratio = calloc(runs, sizeof(double));
    double *pattern_ms = calloc(runs, sizeof(double)), *checks_ms = calloc(runs, sizeof(double));
    WCHAR path[MAX_PATH];

    if (!task_ms || !floor_ms || !call_ms || !ratio || !pattern_ms || !checks_ms)
        die("out of memory", 0);
    disk_path(path, ARRAYSIZE(path), 0);
    for (size_t s = 0; s < size_count; s++) {
        ULONGLONG bytes;
        void *buffer;
        char attributes[128];

        /* The first creation tells how many bytes the floor writes. */
        time_task(path, sizes_mb[s], NULL);
        bytes = file_size(path);
        remove_file(path);
        if (bytes > 0x7FFFFFFF || !(buffer = malloc((size_t)bytes)))
            die("cannot hold the disk file's size in memory", 0);
        memset(buffer, 0xFF, (size_t)bytes);

        for (unsigned i = 0; i < warmup + runs; i++) {
            unsigned slot = i < warmup ? 0 : i - warmup;
            double t, f, c;
            if (i % 2 == 0) {
                t = time_task(path, sizes_mb[s], &c);
                if (file_size(path) != bytes)
                    die("the disk file's size changed between runs", 0);
                remove_file(path);
                f = time_floor(path, buffer, (DWORD)bytes);
                remove_file(path);
            } else {
                f = time_floor(path, buffer, (DWORD)bytes);
                remove_file(path);
                t = time_task(path, sizes_mb[s], &c);
                remove_file(path);
            }
            task_ms[slot] = t;
            floor_ms[slot] = f;
            call_ms[slot] = c;
            pattern_ms[slot] = time_pattern(path, buffer, (DWORD)bytes);
            remove_file(path);
            checks_ms[slot] = time_checks(path, sizes_mb[s]);
        }
        free(buffer);
        bench_ratios(task_ms, floor_ms, ratio, runs);
        snprintf(attributes, sizeof(attributes), "size_mb=%ld bytes=%llu", (long)sizes_mb[s],
                 (unsigned long long)bytes);
        print_summary("com_task", attributes, task_ms, runs);
        print_summary("com_call", attributes, call_ms, runs);
        print_summary("com_floor", attributes, floor_ms, runs);
        print_summary("com_ratio", attributes, ratio, runs);
        print_summary("com_pattern", attributes, pattern_ms, runs);
        print_summary("com_checks", attributes, checks_ms, runs);
        fflush(stdout);
    }
    free(pattern_ms);
    free(checks_ms);
    free(task_ms);
    free(floor_ms);
    free(call_ms);
    free(ratio);
}

/* count sequential 127 GB creations, each deleted inside the loop. */
static double time_sequential_tasks(unsigned count)
{
    WCHAR path[MAX_PATH];
    double start = now_ms();

    disk_path(path, ARRAYSIZE(path), 0);
    for (unsigned i = 0; i < count; i++) {
        finish_task(start_task(path, THROUGHPUT_SIZE_MB));
        remove_file(path);
    }
    return now_ms() - start;
}

static double time_sequential_floors(unsigned count, const void *bytes, DWORD size)
{
    WCHAR path[MAX_PATH];
    double start = now_ms();

    disk_path(path, ARRAYSIZE(path), 0);
    for (unsigned i = 0; i < count; i++) {
        write_floor(path, bytes, size);
        remove_file(path);
    }
    return now_ms() - start;
}

/* count creations started at once (concurrent) or one after the other; time until all are
 * complete. The files are deleted afterwards, untimed. */
static double time_batch(unsigned count, BOOL concurrent, IVMTask **tasks)
{
    WCHAR path[MAX_PATH];
    double start = now_ms(), elapsed;

    for (unsigned i = 0; i < count; i++) {
        disk_path(path, ARRAYSIZE(path), i + 1);
        tasks[i] = start_task(path, THROUGHPUT_SIZE_MB);
        if (!concurrent)
            finish_task(tasks[i]);
    }
    if (concurrent)
        for (unsigned i = 0; i < count; i++)
            finish_task(tasks[i]);
    elapsed = now_ms() - start;
    for (unsigned i = 0; i < count; i++) {
        disk_path(path, ARRAYSIZE(path), i + 1);
        remove_file(path);
    }
    return elapsed;
}

static void bench_throughput(unsigned runs, unsigned warmup, unsigned sequential,
                             unsigned concurrent)
{
    double *task_ms = calloc(runs, sizeof(double)), *floor_ms = calloc(runs, sizeof(double));
    double *ratio = calloc(runs, sizeof(double)), *rate = calloc(runs, sizeof(double));
    IVMTask **tasks = calloc(concurrent, sizeof(*tasks));
    WCHAR path[MAX_PATH];
    ULONGLONG bytes;
    void *buffer;
    char attributes[128];

    if (!task_ms || !floor_ms || !ratio || !rate || !tasks)
        die("out of memory", 0);
    disk_path(path, ARRAYSIZE(path), 0);
    time_task(path, THROUGHPUT_SIZE_MB, NULL);
    bytes = file_size(path);
    remove_file(path);
    if (!(buffer = malloc((size_t)bytes)))
        die("out of memory", 0);
    memset(buffer, 0xFF, (size_t)bytes);

    /* Sequential: the warm-up rounds are a tenth of the size. */
    for (unsigned i = 0; i < warmup; i++) {
        time_sequential_tasks(sequential / 10 + 1);
        time_sequential_floors(sequential / 10 + 1, buffer, (DWORD)bytes);
    }
    for (unsigned i = 0; i < runs; i++) {
        if (i % 2 == 0) {
            task_ms[i] = time_sequential_tasks(sequential);
            floor_ms[i] = time_sequential_floors(sequential, buffer, (DWORD)bytes);
        } else {
            floor_ms[i] = time_sequential_floors(sequential, buffer, (DWORD)bytes);
            task_ms[i] = time_sequential_tasks(sequential);
        }
        rate[i] = sequential * 1000.0 / task_ms[i];
    }
    bench_ratios(task_ms, floor_ms, ratio, runs);
    snprintf(attributes, sizeof(attributes), "size_mb=%d count=%u bytes=%llu", THROUGHPUT_SIZE_MB,
             sequential, (unsigned long long)bytes);
    print_summary("com_sequential", attributes, task_ms, runs);
    print_summary("com_sequential_rate", attributes, rate, runs);
    for (unsigned i = 0; i < runs; i++)
        rate[i] = sequential * 1000.0 / floor_ms[i];
    print_summary("com_sequential_floor", attributes, floor_ms, runs);
    print_summary("com_sequential_floor_rate", attributes, rate, runs);
    print_summary("com_sequential_ratio", attributes, ratio, runs);
    fflush(stdout);

    /* At once against one after the other. */
    for (unsigned i = 0; i < warmup; i++) {
        time_batch(concurrent, TRUE, tasks);
        time_batch(concurrent, FALSE, tasks);
    }
    for (unsigned i = 0; i < runs; i++) {
        if (i % 2 == 0) {
            task_ms[i] = time_batch(concurrent, TRUE, tasks);
            floor_ms[i] = time_batch(concurrent, FALSE, tasks);
        } else {
            floor_ms[i] = time_batch(concurrent, FALSE, tasks);
            task_ms[i] = time_batch(concurrent, TRUE, tasks);
        }
    }
    bench_ratios(task_ms, floor_ms, ratio, runs);
    snprintf(attributes, sizeof(attributes), "size_mb=%d count=%u", THROUGHPUT_SIZE_MB, concurrent);
    print_summary("com_concurrent", attributes, task_ms, runs);
    print_summary("com_concurrent_serial", attributes, floor_ms, runs);
    print_summary("com_concurrent_ratio", attributes, ratio, runs);
    fflush(stdout);

    free(buffer);
    free(tasks);
    free(task_ms);
    free(floor_ms);
    free(ratio);
    free(rate);
}

/* --fixed MB: CreateFixedVirtualHardDisk against its floor, the same reservation calls the
 * Win32 back end makes (SetFileInformationByHandle(FileEndOfFileInfo) and SetFileValidData,
 * which Wine maps to fallocate) once for the whole size, one footer write and the flush; and,
 * to show what the rest costs, against the same floor with the flush before the footer that
 * the creation makes so that an interrupted one never looks like a disk (flushes = 2). */
static double time_fixed_floor(const WCHAR *path, ULONGLONG size, int flushes)
{
    static const BYTE footer[512] = { 'c', 'o', 'n', 'e', 'c', 't', 'i', 'x' };
    double start = now_ms();
    FILE_END_OF_FILE_INFO end;
    HANDLE file = CreateFileW(path, GENERIC_WRITE | DELETE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);

    if (file == INVALID_HANDLE_VALUE)
        die("CreateFileW failed", GetLastError());
    end.EndOfFile.QuadPart = (LONGLONG)size;
    if (!SetFileInformationByHandle(file, FileEndOfFileInfo, &end, sizeof(end))
        || !SetFileValidData(file, (LONGLONG)size))
        die("the reservation failed", GetLastError());
    if (flushes == 2 && !FlushFileBuffers(file))
        die("FlushFileBuffers failed", GetLastError());
    write_flush_close(file, footer, sizeof(footer), size);
    return now_ms() - start;
}

static double time_fixed_task(const WCHAR *path, LONG size_mb)
{
    BSTR image = SysAllocString(path);
    IVMTask *task = NULL;
    double start = now_ms();
    HRESULT hr = IVMVirtualServer_CreateFixedVirtualHardDisk(server, image, size_mb, &task);

    SysFreeString(image);
    if (FAILED(hr))
        die("CreateFixedVirtualHardDisk failed", (unsigned long)hr);
    finish_task(task);
    return now_ms() - start;
}

static void bench_fixed(unsigned runs, unsigned warmup, LONG size_mb)
{
    double *task_ms = calloc(runs, sizeof(double)), *floor_ms = calloc(runs, sizeof(double)),
           *ratio = calloc(runs, sizeof(double)), *floor2_ms = calloc(runs, sizeof(double)),
           *ratio2 = calloc(runs, sizeof(double));
    ULONGLONG size = (ULONGLONG)size_mb * 1048576;
    WCHAR path[MAX_PATH];
    char attributes[64];

    if (!task_ms || !floor_ms || !ratio || !floor2_ms || !ratio2)
        die("out of memory", 0);
    disk_path(path, ARRAYSIZE(path), 0);
    for (unsigned i = 0; i < warmup + runs; i++) {
        double t = 0, f = 0, f2 = 0;
        /* One file at a time: the volume need only hold one. The order rotates. */
        for (unsigned k = 0; k < 3; k++) {
            switch ((i + k) % 3) {
            case 0: t = time_fixed_task(path, size_mb); break;
            case 1: f = time_fixed_floor(path, size, 1); break;
            default: f2 = time_fixed_floor(path, size, 2); break;
            }
            remove_file(path);
        }
        if (i >= warmup) {
            task_ms[i - warmup] = t;
            floor_ms[i - warmup] = f;
            floor2_ms[i - warmup] = f2;
        }
    }
    bench_ratios(task_ms, floor_ms, ratio, runs);
    bench_ratios(task_ms, floor2_ms, ratio2, runs);
    snprintf(attributes, sizeof(attributes), "size_mb=%ld", size_mb);
    print_summary("com_fixed_task", attributes, task_ms, runs);
    print_summary("com_fixed_floor", attributes, floor_ms, runs);
    print_summary("com_fixed_ratio", attributes, ratio, runs);
    print_summary("com_fixed_floor_2_flushes", attributes, floor2_ms, runs);
    print_summary("com_fixed_ratio_2_flushes", attributes, ratio2, runs);
    free(task_ms);
    free(floor_ms);
    free(ratio);
    free(floor2_ms);
    free(ratio2);
}

int main(int argc, char **argv)
{
    unsigned fixed_mb = 0;
    HRESULT (WINAPI *get_class_object)(REFCLSID, REFIID, void **);
    unsigned runs = 15, warmup = 3, sequential = 1000, concurrent = 64, throughput_runs = 0;
    unsigned throughput = 1;
    IClassFactory *factory = NULL;
    WCHAR dll[MAX_PATH];
    HMODULE module;
    HRESULT hr;

    if (argc < 3 || argc % 2 == 0) {
        fprintf(stderr, "usage: bench_com DLL DIR [--runs N] [--warmup N] [--sequential N] "
                        "[--concurrent N] [--throughput-runs N] [--throughput 0|1] [--size MB|0]\n");
        return 2;
    }
    for (int i = 3; i + 1 < argc; i += 2) {
        unsigned value = parse_count(argv[i + 1]);
        if (!strcmp(argv[i], "--runs"))
            runs = value;
        else if (!strcmp(argv[i], "--warmup"))
            warmup = value;
        else if (!strcmp(argv[i], "--sequential"))
            sequential = value;
        else if (!strcmp(argv[i], "--concurrent"))
            concurrent = value;
        else if (!strcmp(argv[i], "--throughput-runs"))
            throughput_runs = value;
        else if (!strcmp(argv[i], "--throughput"))
            throughput = value;
        else if (!strcmp(argv[i], "--fixed"))
            fixed_mb = value;
        else if (!strcmp(argv[i], "--size")) {
            /* Only this size (analysis runs); 0 skips the sizes. */
            sizes_mb[0] = (LONG)value;
            size_count = value ? 1 : 0;
        }
        else
            die("unknown option", 0);
    }
    if (!runs || !sequential || !concurrent || concurrent > 9000)
        die("--runs, --sequential and --concurrent must be at least 1; --concurrent at most 9000", 0);
    if (!throughput_runs)
        throughput_runs = runs;
    windows_path(argv[1], dll, ARRAYSIZE(dll));
    windows_path(argv[2], work_dir, ARRAYSIZE(work_dir));
    QueryPerformanceFrequency(&frequency);

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        die("CoInitializeEx failed", (unsigned long)hr);
    module = LoadLibraryW(dll);
    if (!module)
        die("LoadLibraryW of the DLL failed", GetLastError());
    get_class_object = (HRESULT (WINAPI *)(REFCLSID, REFIID, void **))(void (*)(void))
        GetProcAddress(module, "DllGetClassObject");
    if (!get_class_object)
        die("the DLL has no DllGetClassObject", 0);
    hr = get_class_object(&CLSID_VMVirtualServer, &IID_IClassFactory, (void **)&factory);
    if (FAILED(hr))
        die("DllGetClassObject failed", (unsigned long)hr);
    hr = IClassFactory_CreateInstance(factory, NULL, &IID_IVMVirtualServer, (void **)&server);
    IClassFactory_Release(factory);
    if (FAILED(hr))
        die("CreateInstance failed", (unsigned long)hr);

    printf("bench com_config runs=%u warmup=%u sequential=%u concurrent=%u throughput_runs=%u\n",
           runs, warmup, sequential, concurrent, throughput_runs);
    bench_sizes(runs, warmup);
    if (fixed_mb)
        bench_fixed(runs, warmup, (LONG)fixed_mb);
    if (throughput)
        bench_throughput(throughput_runs, warmup, sequential, concurrent);

    IVMVirtualServer_Release(server);
    /* The DLL stays loaded: CoUninitialize may still call into it. */
    CoUninitialize();
    printf("bench_com: ok\n");
    return 0;
}
