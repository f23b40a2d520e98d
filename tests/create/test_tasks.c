/* IVMVirtualServer.Tasks: Count, Item (1-based, DISP_E_BADINDEX outside), _NewEnum, and
 * which tasks it lists (those of this server that are running or still referenced).
 * Usage: test_tasks DLL TMPBASE */
#include "create_support.h"

#include <limits.h>
#include <stdlib.h>
#include <wchar.h>

#define X_E_POINTER       ((HRESULT)0x80004003)
#define X_DISP_E_BADINDEX ((HRESULT)0x8002000B)

static IVMTaskCollection *tasks_of(IVMVirtualServer *server)
{
    IVMTaskCollection *collection = NULL;

    assert_int_equal(IVMVirtualServer_get_Tasks(server, &collection), S_OK);
    assert_non_null(collection);
    return collection;
}

static LONG count_of(IVMTaskCollection *collection)
{
    LONG count = -1;

    assert_int_equal(IVMTaskCollection_get_Count(collection, &count), S_OK);
    return count;
}

static LONG tasks_count(IVMVirtualServer *server)
{
    IVMTaskCollection *collection = tasks_of(server);
    LONG count = count_of(collection);

    IVMTaskCollection_Release(collection);
    return count;
}

/* The count once it is expected: the worker drops its own reference to a task just after
 * the task completes, so a task the caller released may stay listed for a moment. */
static void expect_count_soon(IVMVirtualServer *server, LONG expected)
{
    ULONGLONG started = GetTickCount64();
    LONG count;

    while ((count = tasks_count(server)) != expected && GetTickCount64() - started < 2000)
        Sleep(5);
    assert_int_equal(count, expected);
}

static IVMTask *start(IVMVirtualServer *server, const WCHAR *relative, LONG mb)
{
    WCHAR path[MAX_PATH];
    IVMTask *task = NULL;

    WORK_PATH(path, L"%ls", relative);
    assert_int_equal(create_disk(server, path, mb, &task), S_OK);
    assert_non_null(task);
    return task;
}

static BOOL same_object(IUnknown *a, IUnknown *b)
{
    IUnknown *ua = NULL, *ub = NULL;
    BOOL same;

    assert_int_equal(IUnknown_QueryInterface(a, &IID_IUnknown, (void **)&ua), S_OK);
    assert_int_equal(IUnknown_QueryInterface(b, &IID_IUnknown, (void **)&ub), S_OK);
    same = ua == ub;
    IUnknown_Release(ua);
    IUnknown_Release(ub);
    return same;
}

static void expect_bad_index(IVMTaskCollection *collection, LONG index)
{
    IVMTask *task = (IVMTask *)(uintptr_t)0x5a5a5a5a;

    SetErrorInfo(0, NULL);
    assert_int_equal(IVMTaskCollection_get_Item(collection, index, &task), X_DISP_E_BADINDEX);
    assert_null(task);
    expect_error_info("task");
}

static void expect_bad_indexes(IVMTaskCollection *collection)
{
    LONG count = count_of(collection);

    expect_bad_index(collection, 0);
    expect_bad_index(collection, count + 1);
    expect_bad_index(collection, count + 2);
    expect_bad_index(collection, -1);
    expect_bad_index(collection, INT_MIN);
    expect_bad_index(collection, INT_MAX);
}

static void test_empty(void **state)
{
    IVMTaskCollection *collection;
    IUnknown *unknown = NULL;
    IEnumVARIANT *enumerator = NULL;
    VARIANT item;
    ULONG fetched = 99;
    (void)state;

    collection = tasks_of(support_vs);
    assert_int_equal(count_of(collection), 0);
    expect_bad_indexes(collection);
    assert_int_equal(IVMTaskCollection_get__NewEnum(collection, &unknown), S_OK);
    assert_int_equal(IUnknown_QueryInterface(unknown, &IID_IEnumVARIANT, (void **)&enumerator), S_OK);
    VariantInit(&item);
    assert_int_equal(IEnumVARIANT_Next(enumerator, 1, &item, &fetched), S_FALSE);
    assert_int_equal(fetched, 0);
    IEnumVARIANT_Release(enumerator);
    IUnknown_Release(unknown);
    assert_int_equal(IVMTaskCollection_get_Count(collection, NULL), X_E_POINTER);
    assert_int_equal(IVMTaskCollection_get_Item(collection, 1, NULL), X_E_POINTER);
    assert_int_equal(IVMTaskCollection_get__NewEnum(collection, NULL), X_E_POINTER);
    assert_int_equal(IVMVirtualServer_get_Tasks(support_vs, NULL), X_E_POINTER);
    IVMTaskCollection_Release(collection);
}

static void test_count_item_and_enum(void **state)
{
    IVMVirtualServer *other = support_server();
    IVMTask *mine[3], *theirs;
    LONG ids[3], found[3] = { 0, 0, 0 }, by_item[3];
    IVMTaskCollection *collection;
    IUnknown *unknown = NULL;
    IEnumVARIANT *enumerator = NULL, *clone = NULL;
    VARIANT items[5];
    ULONG fetched = 0;
    LONG i, j;
    (void)state;

    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"150");
    mine[0] = start(support_vs, L"t1.vhd", SLOW_DISK_MB);
    theirs = start(other, L"other.vhd", SLOW_DISK_MB);
    mine[1] = start(support_vs, L"t2.vhd", SLOW_DISK_MB);
    mine[2] = start(support_vs, L"t3.vhd", 3);
    for (i = 0; i < 3; i++)
        ids[i] = task_id(mine[i]);

    collection = tasks_of(support_vs);
    assert_int_equal(count_of(collection), 3);       /* not the other server's task */
    for (i = 1; i <= 3; i++) {
        IVMTask *task = NULL;
        LONG id;

        assert_int_equal(IVMTaskCollection_get_Item(collection, i, &task), S_OK);
        assert_non_null(task);
        id = task_id(task);
        by_item[i - 1] = id;
        for (j = 0; j < 3; j++)
            if (ids[j] == id) {
                found[j]++;
                assert_true(same_object((IUnknown *)task, (IUnknown *)mine[j]));
            }
        IVMTask_Release(task);
    }
    for (j = 0; j < 3; j++)
        assert_int_equal(found[j], 1);
    expect_bad_indexes(collection);

    /* _NewEnum */
    assert_int_equal(IVMTaskCollection_get__NewEnum(collection, &unknown), S_OK);
    assert_int_equal(IUnknown_QueryInterface(unknown, &IID_IEnumVARIANT, (void **)&enumerator), S_OK);
    IUnknown_Release(unknown);
    for (i = 0; i < 5; i++)
        VariantInit(&items[i]);
    assert_int_equal(IEnumVARIANT_Next(enumerator, 5, items, &fetched), S_FALSE);
    assert_int_equal(fetched, 3);
    for (i = 0; i < 3; i++) {
        IVMTask *task = NULL;
        assert_int_equal(V_VT(&items[i]), VT_DISPATCH);
        assert_int_equal(IDispatch_QueryInterface(V_DISPATCH(&items[i]), &IID_IVMTask, (void **)&task), S_OK);
        /* For Each gives the tasks in the order Item numbers them. */
        assert_int_equal(task_id(task), by_item[i]);
        IVMTask_Release(task);
        VariantClear(&items[i]);
    }
    assert_int_equal(IEnumVARIANT_Reset(enumerator), S_OK);
    assert_int_equal(IEnumVARIANT_Skip(enumerator, 2), S_OK);
    assert_int_equal(IEnumVARIANT_Clone(enumerator, &clone), S_OK);
    assert_int_equal(IEnumVARIANT_Next(clone, 1, items, NULL), S_OK);
    VariantClear(&items[0]);
    assert_int_equal(IEnumVARIANT_Next(clone, 1, items, NULL), S_FALSE);
    assert_int_equal(IEnumVARIANT_Skip(enumerator, 2), S_FALSE);
    IEnumVARIANT_Release(clone);
    IEnumVARIANT_Release(enumerator);
    IVMTaskCollection_Release(collection);

    /* The other server lists only its own. */
    collection = tasks_of(other);
    assert_int_equal(count_of(collection), 1);
    {
        IVMTask *task = NULL;
        assert_int_equal(IVMTaskCollection_get_Item(collection, 1, &task), S_OK);
        assert_int_equal(task_id(task), task_id(theirs));
        IVMTask_Release(task);
    }
    IVMTaskCollection_Release(collection);

    /* Completed tasks that are still referenced stay listed; released ones go. */
    for (i = 0; i < 3; i++)
        assert_int_equal(IVMTask_WaitForCompletion(mine[i], -1), S_OK);
    assert_int_equal(tasks_count(support_vs), 3);
    IVMTask_Release(mine[0]);
    expect_count_soon(support_vs, 2);
    IVMTask_Release(mine[1]);
    IVMTask_Release(mine[2]);
    expect_count_soon(support_vs, 0);
    IVMTask_WaitForCompletion(theirs, -1);
    IVMTask_Release(theirs);
    expect_count_soon(other, 0);
    IVMVirtualServer_Release(other);
}

static void test_running_unreferenced_task_listed(void **state)
{
    IVMTaskCollection *collection;
    IVMTask *task = NULL, *held = NULL;
    WCHAR path[MAX_PATH];
    LONG id;
    (void)state;

    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"200");
    task = start(support_vs, L"unreferenced.vhd", SLOW_DISK_MB);
    id = task_id(task);
    IVMTask_Release(task);              /* only the worker holds it now */
    collection = tasks_of(support_vs);
    assert_int_equal(count_of(collection), 1);
    assert_int_equal(IVMTaskCollection_get_Item(collection, 1, &held), S_OK);
    assert_int_equal(task_id(held), id);
    assert_false(task_complete(held));
    IVMTaskCollection_Release(collection);
    assert_int_equal(IVMTask_WaitForCompletion(held, -1), S_OK);
    assert_int_equal(task_result(held), 0);
    IVMTask_Release(held);
    expect_count_soon(support_vs, 0);
    assert_vhd(WORK_PATH(path, L"unreferenced.vhd"), SLOW_DISK_MB);
}

static void test_failed_and_cancelled_tasks_listed(void **state)
{
    IVMTask *failed, *cancelled;
    (void)state;

    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", L"2");
    failed = start(support_vs, L"failed.vhd", 3);
    set_hook(L"VSDISK_TEST_FAIL_IO_CALL", NULL);
    set_hook(L"VSDISK_TEST_WRITE_DELAY_MS", L"200");
    cancelled = start(support_vs, L"cancelled.vhd", SLOW_DISK_MB);
    assert_int_equal(IVMTask_Cancel(cancelled), S_OK);
    assert_int_equal(IVMTask_WaitForCompletion(failed, -1), S_OK);
    assert_int_equal(tasks_count(support_vs), 2);
    IVMTask_Release(failed);
    expect_count_soon(support_vs, 1);
    IVMTask_Release(cancelled);
    expect_count_soon(support_vs, 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_count_item_and_enum, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_running_unreferenced_task_listed, support_setup, support_teardown),
        cmocka_unit_test_setup_teardown(test_failed_and_cancelled_tasks_listed, support_setup, support_teardown),
    };
    return support_run(argc, argv, "tasks", tests, ARRAYSIZE(tests));
}
