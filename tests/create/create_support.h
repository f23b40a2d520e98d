/* Shared by the Wine-run tests of CreateDynamicVirtualHardDisk and IVMTask: the DLL used
 * registration-free, a private work folder, expected-failure checks and a VHD file check.
 * Every test program takes: DLL TMPBASE [more arguments], with Unix or Windows paths. */
#ifndef CREATE_SUPPORT_H
#define CREATE_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <windows.h>
#include <ole2.h>
#include "vsdisk.h"
#include "windows_path.h"

#define MIB 1048576ull
#define MAX_DISK_MB 2088960
/* A creation of the largest disk writes 5 times (4 chunks and the header); with
 * VSDISK_TEST_WRITE_DELAY_MS each write waits that long first. */
#define SLOW_DISK_MB MAX_DISK_MB
#define SLOW_DISK_WRITES 5

/* Parses DLL and TMPBASE, loads the DLL, makes the work folder and runs the group.
 * Extra arguments (after TMPBASE) are left in support_argv[0..support_argc-1]. */
int support_run(int argc, char **argv, const char *name, const struct CMUnitTest *tests,
                size_t count);
extern int support_argc;
extern char **support_argv;
extern HMODULE support_dll;
extern WCHAR support_work[MAX_PATH];        /* this run's private folder, no trailing '\' */

/* Windows form of a path given on the command line (Unix absolute -> Z:\...). */
void support_windows_path(const char *arg, WCHAR *out, size_t size);

/* The group's server object, made by support_setup (after clearing the test hooks) and
 * released by support_teardown. */
extern IVMVirtualServer *support_vs;
int support_setup(void **state);
int support_teardown(void **state);

/* A new server object, straight from the DLL's class factory (no registry). */
IVMVirtualServer *support_server(void);
/* A server object made by vsdisk's own CLSID (VsDisk.VirtualServer), as IVsDiskVirtualServer. */
IVsDiskVirtualServer *support_vsdisk_server(void);
/* The same without asserting, for threads other than the test's. */
HRESULT support_new_server(IVMVirtualServer **out);

/* out = support_work + "\" + relative (printf-style). Returns out. */
WCHAR *work_path(WCHAR *out, size_t size, const WCHAR *format, ...);
#define WORK_PATH(buffer, ...) work_path((buffer), ARRAYSIZE(buffer), __VA_ARGS__)

BOOL path_exists(const WCHAR *path);
void remove_tree(const WCHAR *path);
void make_folder(const WCHAR *path);
void write_file(const WCHAR *path, const void *data, DWORD size);
/* The whole file, malloc'ed; NULL if it cannot be read. */
BYTE *read_file(const WCHAR *path, DWORD *size);

/* Sets (value != NULL) or removes a test hook in this process's environment. */
void set_hook(const WCHAR *name, const WCHAR *value);
void clear_hooks(void);

/* CreateDynamicVirtualHardDisk with the thread's error information cleared first. */
HRESULT create_disk(IVMVirtualServer *vs, const WCHAR *path, LONG mb, IVMTask **task);
HRESULT create_disk_bstr(IVMVirtualServer *vs, BSTR path, LONG mb, IVMTask **task);

/* The call must fail with expected, return a NULL task, set error information whose
 * description is non-empty and contains keyword (case-insensitive), and leave absent
 * (if not NULL) missing. */
void expect_create_failure(IVMVirtualServer *vs, BSTR path, LONG mb, HRESULT expected,
                           const char *keyword, const WCHAR *absent);
#define expect_failure(vs, path, mb, expected, keyword, absent) do { \
        BSTR path_bstr_ = SysAllocString(path); \
        expect_create_failure((vs), path_bstr_, (mb), (expected), (keyword), (absent)); \
        SysFreeString(path_bstr_); \
    } while (0)

/* The thread's error information: must be set, with a non-empty description that
 * contains keyword (may be NULL). */
void expect_error_info(const char *keyword);

/* Sizes of a new dynamic disk's file and of the same disk fully expanded, computed here
 * from the layout design.md specifies (not from the product's code). */
ULONGLONG expected_file_size(LONG mb);
ULONGLONG expected_expanded_size(LONG mb);

/* NULL if path holds a complete, valid new dynamic disk of mb megabytes; else why not. */
const char *vhd_problem(const WCHAR *path, LONG mb, char *why, size_t why_size);
#define assert_vhd(path, mb) do { \
        char why_[160]; \
        const char *problem_ = vhd_problem((path), (mb), why_, sizeof(why_)); \
        if (problem_) \
            fail_msg("%ls: %s", (path), problem_); \
    } while (0)

/* Task state readers that assert the getter succeeded. */
LONG task_result(IVMTask *task);
LONG task_percent(IVMTask *task);
LONG task_id(IVMTask *task);
BOOL task_complete(IVMTask *task);
BOOL task_cancelable(IVMTask *task);
LONG task_error(IVMTask *task);
/* The task's ErrorDescription as a malloc'ed narrow string. */
char *task_error_text(IVMTask *task);

/* SQLite style: fails I/O call N of a creation (VSDISK_TEST_FAIL_IO_CALL "N:error") for
 * N = first, first + 1, ... below limit, each time a creation run->start(run->ctx) began,
 * until the first creation that succeeds. Each failed task must have ErrorCode
 * run->expected and leave run->absent missing; run->check (if set) checks it further.
 * Removes the hook. Returns how many calls failed; *stopped is the N it stopped at (limit
 * if every one failed). */
struct io_call_faults {
    const WCHAR *error;          /* the Win32 error of the failed call, e.g. L"1117" */
    unsigned first, limit;
    HRESULT expected;
    const WCHAR *absent;
    IVMTask *(*start)(void *ctx);
    void (*check)(IVMTask *task, void *ctx);
    void *ctx;
};
unsigned fail_io_calls_in_turn(const struct io_call_faults *run, unsigned *stopped);

/* Case-insensitive substring test on a wide string. */
BOOL contains_ascii(const WCHAR *text, const char *keyword);

#endif
