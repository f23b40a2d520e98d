/* Shared by the hostile-input tests (Wine): the DLL used registration-free, Linux commands
 * run from the Windows side, snapshots of a whole test volume taken from the Linux side,
 * and checks of the disks vsdisk leaves. No cmocka here: test_paths reports TAP itself. */
#ifndef VSDISK_HOSTILE_H
#define VSDISK_HOSTILE_H

#include <windows.h>
#include <ole2.h>
#include <stdbool.h>
#include <stddef.h>

#include "vsdisk.h"
#include "windows_path.h"

#define MIB 1048576ull
#define MAX_DISK_MB 2088960
#define X_E_ALREADY_EXISTS ((HRESULT)0x800700B7)
#define X_E_DISK_FULL ((HRESULT)0x80070070)
#define X_E_FILE_NOT_FOUND ((HRESULT)0x80070002)
#define UNFINISHED_TEXT "unfinished disk left by an interrupted creation; delete it and try again"

/* Loads vsdisk.dll (a Unix or Windows path); FALSE with a message on stderr if it cannot. */
bool hostile_load(const char *dll_path);
/* A new server object from the DLL's class factory (no registry); NULL on failure. */
IVMVirtualServer *hostile_server(void);

/* "/x/y" -> "Z:\x\y"; other paths are kept with '/' turned into '\'. */
/* UTF-8 <-> UTF-16 into a malloc'ed string (len in code units, or -1 for NUL-terminated). */
char *utf8_from_wide(const WCHAR *text, int len);
WCHAR *wide_from_utf8(const char *text);

/* Where the helper scripts (linux_run.sh, snapshot.sh) are, and a Linux folder for the
 * scratch files of run_linux and snapshot_take (both Linux paths). */
void linux_setup(const char *helpers, const char *scratch);
/* Runs a Linux program (path as "/bin/rm") with arguments through Wine and linux_run.sh,
 * waits at most timeout_ms, and returns its exit code, or -1 if it could not be started or
 * timed out. Arguments must not contain '"'. Its output goes to this process's stderr.
 * One at a time (not thread-safe). */
int run_linux(const char *program, const char *const *args, DWORD timeout_ms);

/* The tree under a Linux folder as sorted lines (see snapshot.sh). */
struct snapshot {
    char *text;
    char **lines;
    size_t count;
};
bool snapshot_take(struct snapshot *shot, const char *root);
void snapshot_free(struct snapshot *shot);
/* Lines of b missing in a go to added, lines of a missing in b to removed (pointers into the
 * snapshots; arrays malloc'ed, may be NULL when the count is 0). */
void snapshot_diff(const struct snapshot *a, const struct snapshot *b,
                   const char ***added, size_t *added_count,
                   const char ***removed, size_t *removed_count);
/* The path part of a snapshot line, copied into out. */
void snapshot_line_path(const char *line, char *out, size_t size);
char snapshot_line_type(const char *line);

/* NULL if path holds a complete dynamic disk made by vsdisk, of size_bytes (0: any size);
 * else why not (static text or why). */
const char *vhd_problem(const WCHAR *path, ULONGLONG size_bytes, char *why, size_t why_size);
/* TRUE if no VHD reader would accept the bytes at path (absent, empty, or refused by
 * vhd_dynamic_image_check). */
BOOL vhd_refused(const WCHAR *path);

/* The description of the thread's error information (malloc'ed, UTF-8); NULL if none.
 * Clears it. */
char *error_description(void);
/* CreateDynamicVirtualHardDisk with the error information cleared first. */
HRESULT create_disk(IVMVirtualServer *vs, BSTR path, LONG mb, IVMTask **task);

LONG task_result(IVMTask *task);
LONG task_error(IVMTask *task);
LONG task_percent(IVMTask *task);
/* ErrorDescription, malloc'ed UTF-8 ("" if none). */
char *task_error_text(IVMTask *task);

/* Sets (value != NULL) or removes an environment variable of this process. */
void set_env(const WCHAR *name, const WCHAR *value);
/* Printable ASCII rendering of a path for reports: \uXXXX for anything else, long runs
 * of one character shortened. Returns out. */
char *printable(const WCHAR *text, size_t len, char *out, size_t size);

#endif
