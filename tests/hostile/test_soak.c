/* Soak: 10,000 create / wait / check / delete cycles through the real COM server (Wine),
 * from 4 threads of the multithreaded apartment sharing one server object (2,500 cycles
 * each, 3 MB disks, one folder per thread). Every cycle must succeed and leave a valid disk
 * (footer, dynamic header, vsdisk's creator, the exact size) before it is deleted.
 *
 * Leak check: the process's handle count and private bytes are taken when the threads
 * have done 100 cycles together and when they have done all of them, both times with
 * every thread stopped at a barrier (the same threads alive, nothing in flight). GetProcessHandleCount and GetProcessMemoryInfo's
 * PrivateUsage are used where they answer; Wine 8 answers 0 to both, and then the handles
 * are counted by asking GetHandleInformation about every handle value, and the private
 * bytes are the committed private regions VirtualQuery reports (what PrivateUsage counts
 * on Windows). The end may exceed the first reading by at most
 * HANDLE_BOUND handles and MEMORY_BOUND bytes: a leak of one handle per cycle would add
 * 9,900, of one 56-byte allocation per cycle 554,400 bytes, and what legitimately varies
 * (the thread pool keeping a few more or fewer idle workers, each with a handle or two
 * and its stack's committed pages; heap fragmentation) stays well below both.
 *
 * Usage: test_soak DLL WORKDIR [CYCLES_PER_THREAD]  (WORKDIR: a Unix or Windows path) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hostile.h"

#include <cmocka.h>
#include <psapi.h>
#include <tlhelp32.h>

#define THREADS 4
#define DEFAULT_CYCLES 2500
#define WARMUP_CYCLES 25                /* per thread: 100 in all before the first reading */
#define HANDLE_BOUND 16
#define MEMORY_BOUND (512 * 1024)
#define QUIET_MS 6000                     /* Wine retires a worker idle for 5 s */
#define QUIET_WAIT_MS 30000

static IVMVirtualServer *vs;
static WCHAR work[MAX_PATH];
static LONG cycles_per_thread = DEFAULT_CYCLES;
static HANDLE warmed_up[THREADS], finished[THREADS], go_on, quit;

struct worker {
    int index;
    LONG done;
    char failure[512];
};

struct reading {
    DWORD handles;
    DWORD threads;
    SIZE_T private_bytes;
    const char *handles_from, *private_from;
};

/* Handle values are multiples of 4; Wine hands out the lowest free one. */
static DWORD count_handles_by_probing(void)
{
    DWORD count = 0, flags;
    ULONG_PTR value;

    for (value = 4; value < 0x40000; value += 4)
        if (GetHandleInformation((HANDLE)value, &flags))
            count++;
    return count;
}

static SIZE_T committed_private_bytes(void)
{
    MEMORY_BASIC_INFORMATION region;
    const BYTE *address = NULL;
    SIZE_T total = 0;

    while (VirtualQuery(address, &region, sizeof(region)) == sizeof(region)) {
        if (region.State == MEM_COMMIT && region.Type == MEM_PRIVATE)
            total += region.RegionSize;
        address = (const BYTE *)region.BaseAddress + region.RegionSize;
        if (address < (const BYTE *)region.BaseAddress)
            break;
    }
    return total;
}

/* Threads of this process, thread-pool workers included. */
static DWORD count_threads(void)
{
    HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    THREADENTRY32 entry;
    DWORD count = 0;

    assert_true(snapshot != INVALID_HANDLE_VALUE);
    memset(&entry, 0, sizeof(entry));
    entry.dwSize = sizeof(entry);
    if (Thread32First(snapshot, &entry)) {
        do {
            if (entry.th32OwnerProcessID == GetCurrentProcessId())
                count++;
        } while (Thread32Next(snapshot, &entry));
    }
    CloseHandle(snapshot);
    return count;
}

/* The thread pool adds a worker now and then when callbacks overlap, and retires idle ones
 * after a few seconds; each worker's stack is private memory (about 3 MiB under Wine). So both
 * readings are taken at the same rest: once the thread count has held still for QUIET_MS
 * (at most QUIET_WAIT_MS), which under Wine means every idle worker has been retired. */
static void wait_for_quiet_threads(void)
{
    ULONGLONG deadline = GetTickCount64() + QUIET_WAIT_MS, since = GetTickCount64();
    DWORD threads = count_threads();

    while (GetTickCount64() - since < QUIET_MS && GetTickCount64() < deadline) {
        DWORD now;
        Sleep(100);
        now = count_threads();
        if (now != threads) {
            threads = now;
            since = GetTickCount64();
        }
    }
}

static void read_usage(struct reading *reading)
{
    reading->threads = count_threads();
    PROCESS_MEMORY_COUNTERS_EX counters;

    memset(&counters, 0, sizeof(counters));
    counters.cb = sizeof(counters);
    assert_true(GetProcessHandleCount(GetCurrentProcess(), &reading->handles));
    assert_true(GetProcessMemoryInfo(GetCurrentProcess(), (PROCESS_MEMORY_COUNTERS *)&counters,
                                     sizeof(counters)));
    reading->private_bytes = counters.PrivateUsage;
    reading->handles_from = "GetProcessHandleCount";
    reading->private_from = "PrivateUsage";
    if (reading->handles == 0) {
        reading->handles = count_handles_by_probing();
        reading->handles_from = "GetHandleInformation on every handle value";
    }
    if (reading->private_bytes == 0) {
        reading->private_bytes = committed_private_bytes();
        reading->private_from = "VirtualQuery: committed private regions";
    }
}

/* One cycle; FALSE with worker->failure set if anything is wrong. */
static BOOL cycle(struct worker *worker, BSTR path)
{
    IVMTask *task = NULL;
    HRESULT hr = create_disk(vs, path, 3, &task);
    const char *problem;
    char why[160];

    if (hr != S_OK) {
        snprintf(worker->failure, sizeof(worker->failure), "cycle %ld: CreateDynamicVirtualHardDisk returned 0x%08lx",
                 worker->done + 1, (unsigned long)hr);
        return FALSE;
    }
    hr = IVMTask_WaitForCompletion(task, -1);
    if (hr != S_OK || task_result(task) != 0) {
        char *text = task_error_text(task);
        snprintf(worker->failure, sizeof(worker->failure), "cycle %ld: Wait 0x%08lx, Result %ld: %s",
                 worker->done + 1, (unsigned long)hr, task_result(task), text);
        free(text);
        IVMTask_Release(task);
        return FALSE;
    }
    IVMTask_Release(task);
    problem = vhd_problem(path, 3 * MIB, why, sizeof(why));
    if (problem) {
        snprintf(worker->failure, sizeof(worker->failure), "cycle %ld: %s", worker->done + 1, problem);
        return FALSE;
    }
    if (!DeleteFileW(path)) {
        snprintf(worker->failure, sizeof(worker->failure), "cycle %ld: cannot delete the disk (error %lu)",
                 worker->done + 1, GetLastError());
        return FALSE;
    }
    worker->done++;
    return TRUE;
}

static DWORD WINAPI worker_main(void *context)
{
    struct worker *worker = context;
    WCHAR folder[MAX_PATH], file[MAX_PATH];
    BSTR path;
    BOOL ok = TRUE;

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        snprintf(worker->failure, sizeof(worker->failure), "CoInitializeEx failed");
        SetEvent(warmed_up[worker->index]);
        SetEvent(finished[worker->index]);
        return 1;
    }
    _snwprintf(folder, ARRAYSIZE(folder) - 1, L"%ls\\thread%d", work, worker->index);
    folder[ARRAYSIZE(folder) - 1] = 0;
    CreateDirectoryW(folder, NULL);
    _snwprintf(file, ARRAYSIZE(file) - 1, L"%ls\\disk.vhd", folder);
    file[ARRAYSIZE(file) - 1] = 0;
    path = SysAllocString(file);

    while (ok && worker->done < WARMUP_CYCLES)
        ok = cycle(worker, path);
    SetEvent(warmed_up[worker->index]);
    WaitForSingleObject(go_on, INFINITE);
    while (ok && worker->done < cycles_per_thread)
        ok = cycle(worker, path);
    SetEvent(finished[worker->index]);
    WaitForSingleObject(quit, INFINITE);

    SysFreeString(path);
    RemoveDirectoryW(folder);
    CoUninitialize();
    return ok ? 0 : 1;
}

static void test_soak(void **state)
{
    struct worker workers[THREADS];
    HANDLE threads[THREADS];
    struct reading first, last;
    IVMTaskCollection *tasks = NULL;
    LONG total = 0, count = -1;
    ULONGLONG start = GetTickCount64(), warm;
    double seconds;
    int i;
    (void)state;

    go_on = CreateEventW(NULL, TRUE, FALSE, NULL);
    quit = CreateEventW(NULL, TRUE, FALSE, NULL);
    for (i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof(workers[i]));
        workers[i].index = i;
        warmed_up[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
        finished[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
        threads[i] = CreateThread(NULL, 0, worker_main, &workers[i], 0, NULL);
        assert_non_null(threads[i]);
    }
    WaitForMultipleObjects(THREADS, warmed_up, TRUE, INFINITE);
    warm = GetTickCount64();
    wait_for_quiet_threads();
    read_usage(&first);
    SetEvent(go_on);
    WaitForMultipleObjects(THREADS, finished, TRUE, INFINITE);
    seconds = (GetTickCount64() - start) / 1000.0;
    wait_for_quiet_threads();
    read_usage(&last);
    SetEvent(quit);
    WaitForMultipleObjects(THREADS, threads, TRUE, INFINITE);
    for (i = 0; i < THREADS; i++) {
        CloseHandle(threads[i]);
        CloseHandle(warmed_up[i]);
        CloseHandle(finished[i]);
    }
    CloseHandle(go_on);
    CloseHandle(quit);

    for (i = 0; i < THREADS; i++) {
        total += workers[i].done;
        if (workers[i].failure[0])
            print_error("thread %d: %s\n", i, workers[i].failure);
    }
    print_message("%ld cycles in %.1f s (%.2f ms each, %d threads; the first %d took %.1f s)\n",
                  total, seconds, seconds * 1000 / (total ? total : 1), THREADS,
                  THREADS * WARMUP_CYCLES, (warm - start) / 1000.0);
    print_message("handles: %lu after %d cycles, %lu at the end (%+ld; bound +%d) [%s]\n",
                  first.handles, THREADS * WARMUP_CYCLES, last.handles,
                  (long)last.handles - (long)first.handles, HANDLE_BOUND, last.handles_from);
    print_message("private bytes: %lu after %d cycles, %lu at the end (%+ld; bound +%d) [%s]\n",
                  (unsigned long)first.private_bytes, THREADS * WARMUP_CYCLES,
                  (unsigned long)last.private_bytes,
                  (long)last.private_bytes - (long)first.private_bytes, MEMORY_BOUND,
                  last.private_from);
    print_message("threads: %lu after %d cycles, %lu at the end\n", first.threads,
                  THREADS * WARMUP_CYCLES, last.threads);
    assert_int_equal(total, (LONG)THREADS * cycles_per_thread);
    assert_true(last.threads <= first.threads);
    assert_true(last.handles <= first.handles + HANDLE_BOUND);
    assert_true(last.private_bytes <= first.private_bytes + MEMORY_BOUND);

    /* Released tasks leave the server's task list. */
    assert_int_equal(IVMVirtualServer_get_Tasks(vs, &tasks), S_OK);
    assert_int_equal(IVMTaskCollection_get_Count(tasks, &count), S_OK);
    assert_int_equal(count, 0);
    IVMTaskCollection_Release(tasks);
}

static int group_setup(void **state)
{
    (void)state;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return -1;
    vs = hostile_server();
    return vs ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    if (vs)
        IVMVirtualServer_Release(vs);
    RemoveDirectoryW(work);
    CoUninitialize();
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak),
    };
    WCHAR given[MAX_PATH];

    if (argc < 3) {
        fprintf(stderr, "usage: %s DLL WORKDIR [CYCLES_PER_THREAD]\n", argv[0]);
        return 2;
    }
    if (!hostile_load(argv[1]))
        return 2;
    windows_path(argv[2], given, ARRAYSIZE(given));
    GetFullPathNameW(given, ARRAYSIZE(work), work, NULL);
    CreateDirectoryW(work, NULL);
    if (argc > 3)
        cycles_per_thread = atol(argv[3]);
    if (cycles_per_thread < WARMUP_CYCLES)
        cycles_per_thread = WARMUP_CYCLES;
    return cmocka_run_group_tests_name("soak", tests, group_setup, group_teardown);
}
