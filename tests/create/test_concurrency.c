/* Many creations at once: 32 from 32 MTA threads released by one barrier, 8 from a single
 * STA, and two creations of the same path at the same moment (exactly one wins).
 * Usage: test_concurrency DLL TMPBASE */
#include "create_support.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define X_E_ALREADY_EXISTS ((HRESULT)0x800700B7)

/* A barrier: threads check in, then all wait for one event the main thread sets. */
struct barrier {
    LONG arrived;
    HANDLE go;
};

static void barrier_init(struct barrier *barrier)
{
    barrier->arrived = 0;
    barrier->go = CreateEventW(NULL, TRUE, FALSE, NULL);
    assert_non_null(barrier->go);
}

static void barrier_wait(struct barrier *barrier)
{
    InterlockedIncrement(&barrier->arrived);
    WaitForSingleObject(barrier->go, INFINITE);
}

static void barrier_release(struct barrier *barrier, LONG threads)
{
    ULONGLONG started = GetTickCount64();

    while (InterlockedCompareExchange(&barrier->arrived, 0, 0) < threads) {
        assert_true(GetTickCount64() - started < 20000);
        Sleep(1);
    }
    SetEvent(barrier->go);
}

/* One creation, made and waited for on some thread; nothing here may assert. */
struct creation {
    IVMVirtualServer *server;
    struct barrier *barrier;
    WCHAR path[MAX_PATH];
    LONG mb;
    HRESULT hr, wait_hr;
    IVMTask *task;
    VMTaskResult result;
    LONG id;
    BOOL error_info;        /* a failure left error information with a description */
};

static BOOL thread_error_info(void)
{
    IErrorInfo *info = NULL;
    BSTR description = NULL;
    BOOL ok;

    if (GetErrorInfo(0, &info) != S_OK || !info)
        return FALSE;
    ok = SUCCEEDED(IErrorInfo_GetDescription(info, &description)) && description && description[0];
    SysFreeString(description);
    IErrorInfo_Release(info);
    return ok;
}

static void run_creation(struct creation *creation, BOOL wait)
{
    BSTR path = SysAllocString(creation->path);

    creation->result = (VMTaskResult)-1;
    creation->task = NULL;
    SetErrorInfo(0, NULL);
    creation->hr = IVMVirtualServer_CreateDynamicVirtualHardDisk(creation->server, path,
                                                                 creation->mb, &creation->task);
    if (FAILED(creation->hr))
        creation->error_info = thread_error_info();
    SysFreeString(path);
    if (wait && creation->task) {
        creation->wait_hr = IVMTask_WaitForCompletion(creation->task, -1);
        IVMTask_get_Result(creation->task, &creation->result);
        IVMTask_get_ID(creation->task, &creation->id);
    }
}

static DWORD WINAPI mta_thread(void *arg)
{
    struct creation *creation = arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    barrier_wait(creation->barrier);
    run_creation(creation, TRUE);
    CoUninitialize();
    return 0;
}

static int compare_longs(const void *a, const void *b)
{
    LONG x = *(const LONG *)a, y = *(const LONG *)b;
    return (x > y) - (x < y);
}

static void test_32_mta_threads(void **state)
{
    enum { THREADS = 32 };
    IVMVirtualServer *vs = support_server();
    struct creation *creations = calloc(THREADS, sizeof(*creations));
    HANDLE threads[THREADS];
    LONG ids[THREADS], listed[THREADS];
    IVMTaskCollection *collection = NULL;
    struct barrier barrier;
    WCHAR folder[MAX_PATH];
    LONG count = 0, i;
    (void)state;

    assert_non_null(creations);
    barrier_init(&barrier);
    /* Slow enough that all 32 run at the same time. */
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"40");
    for (i = 0; i < THREADS; i++) {
        creations[i].server = vs;
        creations[i].barrier = &barrier;
        creations[i].mb = 3 + i * 67000;
        WORK_PATH(creations[i].path, L"mta\\%ld\\disk.vhd", i);
        threads[i] = CreateThread(NULL, 0, mta_thread, &creations[i], 0, NULL);
        assert_non_null(threads[i]);
    }
    barrier_release(&barrier, THREADS);
    assert_int_equal(WaitForMultipleObjects(THREADS, threads, TRUE, 120000), WAIT_OBJECT_0);
    for (i = 0; i < THREADS; i++)
        CloseHandle(threads[i]);
    CloseHandle(barrier.go);
    clear_hooks();

    for (i = 0; i < THREADS; i++) {
        if (creations[i].hr != S_OK || creations[i].wait_hr != S_OK || creations[i].result != 0)
            fail_msg("creation %ld: 0x%08lx, wait 0x%08lx, result %d", i,
                     (unsigned long)creations[i].hr, (unsigned long)creations[i].wait_hr,
                     (int)creations[i].result);
        ids[i] = creations[i].id;
    }
    /* IDs are unique, and Tasks lists exactly these 32 while they are held. */
    qsort(ids, THREADS, sizeof(LONG), compare_longs);
    for (i = 1; i < THREADS; i++)
        assert_true(ids[i] > ids[i - 1]);
    assert_int_equal(IVMVirtualServer_get_Tasks(vs, &collection), S_OK);
    assert_int_equal(IVMTaskCollection_get_Count(collection, &count), S_OK);
    assert_int_equal(count, THREADS);
    for (i = 0; i < THREADS; i++) {
        IVMTask *task = NULL;
        assert_int_equal(IVMTaskCollection_get_Item(collection, i + 1, &task), S_OK);
        listed[i] = task_id(task);
        IVMTask_Release(task);
    }
    IVMTaskCollection_Release(collection);
    qsort(listed, THREADS, sizeof(LONG), compare_longs);
    assert_memory_equal(listed, ids, sizeof(ids));

    for (i = 0; i < THREADS; i++) {
        IVMTask_Release(creations[i].task);
        assert_vhd(creations[i].path, creations[i].mb);
    }
    IVMVirtualServer_Release(vs);
    free(creations);
    remove_tree(WORK_PATH(folder, L"mta"));
}

struct sta_batch {
    struct creation creations[8];
    HRESULT server_hr;
};

static DWORD WINAPI sta_thread(void *arg)
{
    struct sta_batch *batch = arg;
    IVMVirtualServer *server = NULL;
    size_t i;

    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    batch->server_hr = support_new_server(&server);
    if (server) {
        for (i = 0; i < ARRAYSIZE(batch->creations); i++) {
            batch->creations[i].server = server;
            run_creation(&batch->creations[i], FALSE);      /* start all 8 */
        }
        for (i = 0; i < ARRAYSIZE(batch->creations); i++) {
            struct creation *creation = &batch->creations[i];
            if (!creation->task)
                continue;
            creation->wait_hr = IVMTask_WaitForCompletion(creation->task, -1);
            IVMTask_get_Result(creation->task, &creation->result);
            IVMTask_Release(creation->task);
            creation->task = NULL;
        }
        IVMVirtualServer_Release(server);
    }
    CoUninitialize();
    return 0;
}

static void test_8_from_one_sta(void **state)
{
    struct sta_batch batch;
    WCHAR folder[MAX_PATH];
    HANDLE thread;
    size_t i;
    (void)state;

    memset(&batch, 0, sizeof(batch));
    for (i = 0; i < ARRAYSIZE(batch.creations); i++) {
        batch.creations[i].mb = (LONG)(3 + i * 261000);
        WORK_PATH(batch.creations[i].path, L"sta\\disk%u.vhd", (unsigned)i);
    }
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"30");
    thread = CreateThread(NULL, 0, sta_thread, &batch, 0, NULL);
    assert_non_null(thread);
    assert_int_equal(WaitForSingleObject(thread, 60000), WAIT_OBJECT_0);
    CloseHandle(thread);
    clear_hooks();
    assert_int_equal(batch.server_hr, S_OK);
    for (i = 0; i < ARRAYSIZE(batch.creations); i++) {
        struct creation *creation = &batch.creations[i];
        if (creation->hr != S_OK || creation->wait_hr != S_OK || creation->result != 0)
            fail_msg("STA creation %u: 0x%08lx, wait 0x%08lx, result %d", (unsigned)i,
                     (unsigned long)creation->hr, (unsigned long)creation->wait_hr,
                     (int)creation->result);
        assert_vhd(creation->path, creation->mb);
    }
    remove_tree(WORK_PATH(folder, L"sta"));
}

static void test_same_path_race(void **state)
{
    enum { ROUNDS = 24 };
    IVMVirtualServer *vs = support_server();
    WCHAR folder[MAX_PATH];
    int round;
    (void)state;

    make_folder(WORK_PATH(folder, L"race"));
    for (round = 0; round < ROUNDS; round++) {
        struct creation pair[2];
        struct barrier barrier;
        HANDLE threads[2];
        int i, winner = 0;

        memset(pair, 0, sizeof(pair));
        barrier_init(&barrier);
        for (i = 0; i < 2; i++) {
            pair[i].server = vs;
            pair[i].barrier = &barrier;
            pair[i].mb = round % 2 ? SLOW_DISK_MB : 3;
            /* Odd rounds race inside a folder that both calls must create. */
            if (round % 2)
                WORK_PATH(pair[i].path, L"race\\new%d\\disk.vhd", round);
            else
                WORK_PATH(pair[i].path, L"race\\disk%d.vhd", round);
            threads[i] = CreateThread(NULL, 0, mta_thread, &pair[i], 0, NULL);
            assert_non_null(threads[i]);
        }
        barrier_release(&barrier, 2);
        assert_int_equal(WaitForMultipleObjects(2, threads, TRUE, 30000), WAIT_OBJECT_0);
        CloseHandle(threads[0]);
        CloseHandle(threads[1]);
        CloseHandle(barrier.go);

        if (pair[0].hr == S_OK && pair[1].hr == X_E_ALREADY_EXISTS)
            winner = 0;
        else if (pair[1].hr == S_OK && pair[0].hr == X_E_ALREADY_EXISTS)
            winner = 1;
        else
            fail_msg("round %d: the two calls returned 0x%08lx and 0x%08lx", round,
                     (unsigned long)pair[0].hr, (unsigned long)pair[1].hr);
        assert_null(pair[1 - winner].task);
        assert_true(pair[1 - winner].error_info);
        assert_int_equal(pair[winner].result, 0);
        IVMTask_Release(pair[winner].task);
        assert_vhd(pair[winner].path, pair[winner].mb);
    }
    IVMVirtualServer_Release(vs);
    remove_tree(folder);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_32_mta_threads),
        cmocka_unit_test(test_8_from_one_sta),
        cmocka_unit_test(test_same_path_race),
    };
    return support_run(argc, argv, "concurrency", tests, ARRAYSIZE(tests));
}
