/* Adversarial image paths through the real COM server, one table row per path shape.
 * For every row: the exact HRESULT; on failure a NULL task and a non-empty IErrorInfo
 * description; on success a task that ends with Result 0 and a valid disk with exactly the
 * expected name on disk. Around every row the whole test volume is listed from the Linux
 * side (snapshot.sh): a failure must change nothing, a success only add its file and the
 * folders on its way. Reports TAP (one line per row); paths.sh adds the plan.
 *
 * The same table is applied to CreateDifferencingVirtualHardDisk (MODE child: each path as
 * imagePath, the parent a disk made first in the volume; MODE parent: each path as parentPath,
 * the child a new path in the volume). A relative row is then taken against the other path's
 * folder (Virtual Server's rule) and expected to give what its resolved path gives; as a
 * parent, a path that names no file gives VM_E_PARENT_PATH_NOT_FOUND and an existing thing
 * that is not a disk VM_E_INVALID_HD_FILE.
 *
 * MODE floppy applies it to CreateFloppyDiskImage (a 1.44 MB image), whose path rules and
 * codes are the creations': every row gives what it gives CreateDynamicVirtualHardDisk, and a
 * success leaves a blank image of exactly 1,474,560 bytes.
 *
 * Usage: test_paths DLL VOLUME SCRATCH HELPERS DRIVE MISSING_DRIVE UNC_HOST READONLY [MODE]
 *   VOLUME        Linux path of the test volume, which DRIVE: and \\UNC_HOST\share map to
 *   SCRATCH       Linux folder for scratch files (outside the volume)
 *   HELPERS       Linux folder holding snapshot.sh and linux_run.sh
 *   MISSING_DRIVE a drive letter Wine does not map
 *   READONLY      1 if VOLUME/ro is a read-only volume, else 0 (those rows are skipped)
 * The fixtures paths.sh makes in the volume: fixtures/file.txt, fixtures/dir/,
 * ro/existing/, links/{to_file,dangling,to_dir,abs_to_dir,dangling_dir,loop,target_dir/},
 * special/{fifo,null}. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "hostile.h"
#include "path_check.h"
#include "path_resolve.h"

#define DISK_MB 3
#define X_E_INVALID_NAME ((HRESULT)0x8007007B)
#define X_E_BAD_PATHNAME ((HRESULT)0x800700A1)
#define X_E_BUFFER_OVERFLOW ((HRESULT)0x8007006F)
#define X_E_PATH_NOT_FOUND ((HRESULT)0x80070003)
#define X_E_ACCESSDENIED ((HRESULT)0x80070005)

#define X_E_ALREADY_EXISTS ((HRESULT)0x800700B7)
#define X_VM_E_PARENT_PATH_NOT_FOUND ((HRESULT)0xA0040677)
#define X_VM_E_INVALID_HD_FILE ((HRESULT)0xA0040682)

enum { NEEDS_READONLY = 1, NULL_PATH = 2 };
enum mode { MODE_DYNAMIC, MODE_CHILD, MODE_PARENT, MODE_FLOPPY };
static enum mode mode = MODE_DYNAMIC;
static WCHAR parent_disk[MAX_PATH], child_disk[MAX_PATH];

struct row {
    const char *label;
    WCHAR *path;            /* template: %V drive, %v drive in lower case, %M missing drive,
                             * %U \\host\share, %H host, %% a percent sign */
    size_t len;             /* code units, embedded NULs included */
    HRESULT expected;
    const char *created;    /* S_OK: the new file under VOLUME, if not the path's own */
    unsigned flags;
};

#define ROW(label, path, hr) { label, (WCHAR *)path, ARRAYSIZE(path) - 1, hr, NULL, 0 }
#define ROW_AT(label, path, created) { label, (WCHAR *)path, ARRAYSIZE(path) - 1, S_OK, created, 0 }
#define ROW_RO(label, path, hr) { label, (WCHAR *)path, ARRAYSIZE(path) - 1, hr, NULL, NEEDS_READONLY }

static const struct row fixed_rows[] = {
    /* Device and namespace prefixes. */
    ROW("device prefix", L"\\\\.\\%V\\x.vhd", X_E_INVALID_NAME),
    ROW("Win32 namespace prefix", L"\\\\?\\%V\\x.vhd", X_E_INVALID_NAME),
    ROW("Win32 namespace UNC", L"\\\\?\\UNC\\%H\\share\\x.vhd", X_E_INVALID_NAME),
    ROW("device UNC", L"\\\\.\\UNC\\%H\\share\\x.vhd", X_E_INVALID_NAME),
    ROW("device prefix to C:", L"\\\\.\\C:\\vsdisk-probe.vhd", X_E_INVALID_NAME),
    ROW("device prefix, forward slashes", L"//./%V/x.vhd", X_E_INVALID_NAME),
    ROW("namespace prefix, forward slashes", L"//?/%V/x.vhd", X_E_INVALID_NAME),
    ROW("device prefix, mixed slashes", L"\\\\./%V\\x.vhd", X_E_INVALID_NAME),
    ROW("namespace prefix, mixed slashes", L"/\\?\\%V\\x.vhd", X_E_INVALID_NAME),
    ROW("NT object prefix \\??\\", L"\\??\\%V\\x.vhd", X_E_BAD_PATHNAME),
    ROW("NT device path", L"\\Device\\HarddiskVolume1\\x.vhd", X_E_BAD_PATHNAME),
    ROW("physical drive", L"\\\\.\\PhysicalDrive0", X_E_INVALID_NAME),
    ROW("named pipe", L"\\\\.\\pipe\\vsdisk", X_E_INVALID_NAME),
    ROW("GLOBALROOT", L"\\\\?\\GLOBALROOT\\Device\\HarddiskVolume1\\x.vhd", X_E_INVALID_NAME),
    ROW("volume GUID path", L"\\\\?\\Volume{00000000-0000-0000-0000-000000000000}\\x.vhd", X_E_INVALID_NAME),
    ROW("device NUL", L"\\\\.\\NUL", X_E_INVALID_NAME),
    ROW("bare device prefix", L"\\\\.\\", X_E_INVALID_NAME),
    ROW("device prefix to a drive", L"\\\\.\\%V", X_E_INVALID_NAME),
    ROW("namespace prefix with ..", L"\\\\?\\%V\\..\\x.vhd", X_E_INVALID_NAME),
    ROW("\\\\. alone", L"\\\\.", X_E_BAD_PATHNAME),
    ROW("\\\\? alone", L"\\\\?", X_E_BAD_PATHNAME),
    ROW("redirector-style server", L"\\\\;LanmanRedirector\\%H\\share\\x.vhd", X_E_PATH_NOT_FOUND),

    /* Reserved names in other places (the per-name rows are generated). */
    ROW("reserved name, space before dot", L"%V\\Con .vhd", X_E_INVALID_NAME),
    ROW("reserved name, spaces and two dots", L"%V\\nUl   .tar.vhd", X_E_INVALID_NAME),
    ROW("reserved name, two extensions", L"%V\\aux.tar.gz", X_E_INVALID_NAME),
    ROW("reserved folder deeper", L"%V\\sub\\LPT1\\x.vhd", X_E_INVALID_NAME),
    ROW("reserved folder with extension", L"%V\\sub\\com9.dir\\x.vhd", X_E_INVALID_NAME),
    ROW("reserved name on UNC", L"%U\\prn.vhd", X_E_INVALID_NAME),
    ROW("reserved UNC server", L"\\\\CON\\share\\x.vhd", X_E_INVALID_NAME),
    ROW("reserved UNC share", L"\\\\%H\\NUL\\x.vhd", X_E_INVALID_NAME),
    ROW("not reserved: CONSOLE", L"%V\\CONSOLE.vhd", S_OK),
    ROW("not reserved: COM10", L"%V\\COM10.vhd", S_OK),
    ROW("not reserved: LPT", L"%V\\LPT.vhd", S_OK),
    ROW("not reserved: NULL", L"%V\\NULL.vhd", S_OK),
    ROW("not reserved: xcon", L"%V\\xcon.vhd", S_OK),
    ROW("not reserved: CONIN", L"%V\\CONIN.vhd", S_OK),
    ROW("not reserved: COM1x", L"%V\\COM1x.vhd", S_OK),
    ROW("not reserved: .con", L"%V\\.con.vhd", S_OK),
    ROW("not reserved: superscript 4", L"%V\\COM\x2074.vhd", S_OK),
    ROW("not reserved: folder AUX1", L"%V\\AUX1\\x.vhd", S_OK),

    /* Trailing dots and spaces. */
    ROW("trailing dot", L"%V\\x.vhd.", X_E_INVALID_NAME),
    ROW("trailing space", L"%V\\x.vhd ", X_E_INVALID_NAME),
    ROW("trailing dots and spaces", L"%V\\x.vhd. . ", X_E_INVALID_NAME),
    ROW("trailing dots", L"%V\\x.vhd...", X_E_INVALID_NAME),
    ROW("folder with trailing dot", L"%V\\dir.\\x.vhd", X_E_INVALID_NAME),
    ROW("folder with trailing space", L"%V\\dir \\x.vhd", X_E_INVALID_NAME),
    ROW("folder of three dots", L"%V\\...\\x.vhd", X_E_INVALID_NAME),
    ROW("folder of one space", L"%V\\ \\x.vhd", X_E_INVALID_NAME),
    ROW("UNC name with trailing dot", L"%U\\x.vhd.", X_E_INVALID_NAME),
    ROW("UNC server with trailing dot", L"\\\\%H.\\share\\x.vhd", X_E_INVALID_NAME),
    ROW("leading space", L"%V\\ lead.vhd", S_OK),
    ROW("leading dots", L"%V\\..x.vhd", S_OK),
    ROW("hidden-style name", L"%V\\.hidden.vhd", S_OK),
    ROW("several dots", L"%V\\a.b.c.vhd", S_OK),
    ROW("no extension", L"%V\\noext", S_OK),

    /* Forward slashes. */
    ROW("slash after drive", L"%V/x.vhd", X_E_INVALID_NAME),
    ROW("slash between names", L"%V\\a/b.vhd", X_E_INVALID_NAME),
    ROW("backslash then slash", L"%V\\a\\/b.vhd", X_E_INVALID_NAME),
    ROW("UNC with slashes", L"//%H/share/x.vhd", X_E_INVALID_NAME),
    ROW("trailing slash", L"%V\\x.vhd/", X_E_INVALID_NAME),
    ROW("slash before drive", L"/%V\\x.vhd", X_E_BAD_PATHNAME),

    /* Colons: streams, devices, drive shapes. */
    ROW("alternate data stream", L"%V\\x.vhd:s", X_E_INVALID_NAME),
    ROW("default data stream", L"%V\\x.vhd::$DATA", X_E_INVALID_NAME),
    ROW("named stream with type", L"%V\\x.vhd:s:$DATA", X_E_INVALID_NAME),
    ROW("stream on a folder", L"%V\\a:b\\x.vhd", X_E_INVALID_NAME),
    ROW("colon inside a name", L"%V\\x:.vhd", X_E_INVALID_NAME),
    ROW("stream on UNC", L"%U\\x.vhd:ads", X_E_INVALID_NAME),
    ROW("two colons after the drive", L"%V:\\x.vhd", X_E_BAD_PATHNAME),
    ROW("two-letter drive", L"TT:\\x.vhd", X_E_BAD_PATHNAME),
    ROW("digit drive", L"1:\\x.vhd", X_E_BAD_PATHNAME),
    ROW("drive-relative", L"%Vvsdisk-probe.vhd", X_E_BAD_PATHNAME),
    ROW("colon root", L":\\vsdisk-probe.vhd", X_E_BAD_PATHNAME),
    ROW("drive only", L"%V", X_E_BAD_PATHNAME),
    ROW("drive root", L"%V\\", X_E_BAD_PATHNAME),

    /* Embedded NUL characters (the BSTR is longer than its C string). */
    ROW("NUL after the name", L"%V\\x.vhd\0evil", X_E_INVALID_NAME),
    ROW("NUL inside the name", L"%V\\a\0b.vhd", X_E_INVALID_NAME),
    ROW("trailing NUL", L"%V\\x.vhd\0", X_E_INVALID_NAME),
    ROW("NUL folder", L"%V\\\0\\x.vhd", X_E_INVALID_NAME),
    ROW("leading NUL", L"\0%V\\x.vhd", X_E_BAD_PATHNAME),
    ROW("only NUL", L"\0", X_E_BAD_PATHNAME),

    /* Control and other forbidden characters. */
    ROW("control U+0001", L"%V\\a\x01" L"b.vhd", X_E_INVALID_NAME),
    ROW("tab", L"%V\\a\tb.vhd", X_E_INVALID_NAME),
    ROW("newline", L"%V\\a\nb.vhd", X_E_INVALID_NAME),
    ROW("carriage return", L"%V\\x.vhd\r", X_E_INVALID_NAME),
    ROW("escape", L"%V\\\x1b[2J.vhd", X_E_INVALID_NAME),
    ROW("control U+001F", L"%V\\a\x1f" L"b.vhd", X_E_INVALID_NAME),
    ROW("bell in a folder", L"%V\\dir\a\\x.vhd", X_E_INVALID_NAME),
    ROW("asterisk", L"%V\\*.vhd", X_E_INVALID_NAME),
    ROW("question mark", L"%V\\x?.vhd", X_E_INVALID_NAME),
    ROW("less than", L"%V\\a<b.vhd", X_E_INVALID_NAME),
    ROW("greater than", L"%V\\a>b.vhd", X_E_INVALID_NAME),
    ROW("pipe", L"%V\\a|b.vhd", X_E_INVALID_NAME),
    ROW("double quote", L"%V\\a\"b.vhd", X_E_INVALID_NAME),
    ROW("wildcard folder", L"%V\\a*\\x.vhd", X_E_INVALID_NAME),
    ROW("DEL (allowed)", L"%V\\a\x7f" L"b.vhd", S_OK),
    ROW("C1 control U+0080 (allowed)", L"%V\\a\x80" L"b.vhd", S_OK),

    /* Non-ASCII names: created with exactly that name. */
    ROW("accented", L"%V\\caf\xe9.vhd", S_OK),
    ROW("accented folder and file", L"%V\\\xdcn\xef" L"c\xf6" L"d\xe9\\d\xefsk.vhd", S_OK),
    ROW("Cyrillic", L"%V\\\x434\x438\x441\x43a\\\x43e\x431\x440\x430\x437.vhd", S_OK),
    ROW("CJK", L"%V\\\x78c1\x76d8\\\x6620\x50cf.vhd", S_OK),
    ROW("emoji (surrogate pair)", L"%V\\\xd83d\xde00.vhd", S_OK),
    ROW("emoji in folder and file", L"%V\\emoji\xd83d\xde00" L"dir\\x\xd83d\xde00y.vhd", S_OK),
    ROW("Arabic", L"%V\\\x642\x631\x635.vhd", S_OK),
    ROW("decomposed accent (NFD)", L"%V\\e\x301.vhd", S_OK),
    ROW("sharp s", L"%V\\\xdf.vhd", S_OK),
    ROW("dotted capital I", L"%V\\\x130.vhd", S_OK),
    ROW("byte order mark", L"%V\\\xfeff" L"bom.vhd", S_OK),
    ROW("zero-width space", L"%V\\zw\x200bsp.vhd", S_OK),
    ROW("division slash", L"%V\\a\x2215" L"b.vhd", S_OK),
    ROW("fullwidth backslash", L"%V\\a\xff3c" L"b.vhd", S_OK),
    ROW("fullwidth colon", L"%V\\a\xff1a" L"b.vhd", S_OK),
    ROW("private use", L"%V\\\xe000.vhd", S_OK),
    ROW("supplementary private use", L"%V\\\xdbff\xdffd.vhd", S_OK),
    ROW("punctuation", L"%V\\[a] {b} (c) 'd' &;,=+@!^~`.vhd", S_OK),
    ROW("Wine's stand-in for ':' (U+F03A)", L"%V\\a\xf03a" L"b.vhd", S_OK),
    ROW("Wine's stand-in for '*' (U+F02A)", L"%V\\a\xf02a" L"b.vhd", S_OK),
    ROW("lone high surrogate", L"%V\\a\xd800" L"b.vhd", X_E_INVALID_NAME),
    ROW("lone low surrogate", L"%V\\\xdc00.vhd", X_E_INVALID_NAME),
    ROW("surrogates in the wrong order", L"%V\\\xde00\xd83d.vhd", X_E_INVALID_NAME),
    ROW("high surrogate at the end", L"%V\\x.vhd\xd800", X_E_INVALID_NAME),
    ROW("percent sign", L"%V\\100%%.vhd", S_OK),
    ROW("short-name lookalike", L"%V\\PROGRA~1\\x.vhd", S_OK),
    ROW("lower-case drive", L"%v\\lower.vhd", S_OK),

    /* UNC. */
    ROW("UNC to the test volume", L"%U\\unc.vhd", S_OK),
    ROW("UNC, new folders", L"%U\\new\\deep\\unc.vhd", S_OK),
    ROW("UNC to a missing server", L"\\\\vsdisk-no-such-server\\share\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("UNC to a missing server, folders", L"\\\\vsdisk-no-such-server\\share\\sub\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("UNC to a missing share", L"\\\\%H\\no-such-share\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("UNC server only", L"\\\\vsdisk-no-such-server", X_E_BAD_PATHNAME),
    ROW("UNC share without file", L"\\\\vsdisk-no-such-server\\share", X_E_BAD_PATHNAME),
    ROW("UNC share root", L"%U\\", X_E_BAD_PATHNAME),
    ROW("UNC empty server", L"\\\\\\share\\x.vhd", X_E_BAD_PATHNAME),
    ROW("UNC empty share", L"\\\\%H\\\\x.vhd", X_E_BAD_PATHNAME),
    ROW("missing drive", L"%M\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("missing drive, folders", L"%M\\sub\\x.vhd", X_E_PATH_NOT_FOUND),

    /* . and .. and empty components; relative paths. */
    ROW("dot folder", L"%V\\.\\x.vhd", X_E_BAD_PATHNAME),
    ROW("dot-dot folder", L"%V\\a\\..\\x.vhd", X_E_BAD_PATHNAME),
    ROW("dot-dot above the root", L"%V\\..\\x.vhd", X_E_BAD_PATHNAME),
    ROW("dot-dot out of the volume", L"%V\\fixtures\\..\\..\\x.vhd", X_E_BAD_PATHNAME),
    ROW("dot as the name", L"%V\\x.vhd\\.", X_E_BAD_PATHNAME),
    ROW("dot-dot as the name", L"%V\\x.vhd\\..", X_E_BAD_PATHNAME),
    ROW("root dot", L"%V\\.", X_E_BAD_PATHNAME),
    ROW("root dot-dot", L"%V\\..", X_E_BAD_PATHNAME),
    ROW("UNC dot-dot", L"%U\\..\\x.vhd", X_E_BAD_PATHNAME),
    ROW("double backslash after root", L"%V\\\\x.vhd", X_E_BAD_PATHNAME),
    ROW("double backslash inside", L"%V\\a\\\\x.vhd", X_E_BAD_PATHNAME),
    ROW("trailing backslash", L"%V\\x.vhd\\", X_E_BAD_PATHNAME),
    ROW("folder only", L"%V\\a\\", X_E_BAD_PATHNAME),
    ROW("relative name", L"vsdisk-probe.vhd", X_E_BAD_PATHNAME),
    ROW("root-relative", L"\\vsdisk-probe.vhd", X_E_BAD_PATHNAME),
    ROW("dot-relative", L".\\vsdisk-probe.vhd", X_E_BAD_PATHNAME),
    ROW("dot-dot-relative", L"..\\vsdisk-probe.vhd", X_E_BAD_PATHNAME),
    ROW("empty", L"", X_E_BAD_PATHNAME),
    ROW("spaces only", L"   ", X_E_BAD_PATHNAME),
    { "NULL BSTR", (WCHAR *)L"", 0, E_POINTER, NULL, NULL_PATH },

    /* What is already there. */
    ROW("existing file", L"%V\\fixtures\\file.txt", X_E_ALREADY_EXISTS),
    ROW("existing file, other case", L"%V\\FIXTURES\\FILE.TXT", X_E_ALREADY_EXISTS),
    ROW("existing folder", L"%V\\fixtures\\dir", X_E_ALREADY_EXISTS),
    ROW("existing top folder", L"%V\\fixtures", X_E_ALREADY_EXISTS),
    ROW("existing file on UNC", L"%U\\fixtures\\file.txt", X_E_ALREADY_EXISTS),
    ROW("through an existing file", L"%V\\fixtures\\file.txt\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("through an existing file, deeper", L"%V\\fixtures\\file.txt\\sub\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("named pipe (FIFO) at the target", L"%V\\special\\fifo", X_E_ALREADY_EXISTS),
    ROW("character device at the target", L"%V\\special\\null", X_E_ALREADY_EXISTS),
    ROW("through a FIFO", L"%V\\special\\fifo\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("through a character device", L"%V\\special\\null\\x.vhd", X_E_PATH_NOT_FOUND),

    /* A read-only volume (a tmpfs mounted read-only: as root, permissions would not stop
     * a write). */
    ROW_RO("read-only volume", L"%V\\ro\\x.vhd", X_E_ACCESSDENIED),
    ROW_RO("read-only volume, new folder", L"%V\\ro\\new\\x.vhd", X_E_ACCESSDENIED),
    ROW_RO("read-only volume, existing folder", L"%V\\ro\\existing\\x.vhd", X_E_ACCESSDENIED),
    ROW_RO("read-only volume, existing target", L"%V\\ro\\existing", X_E_ALREADY_EXISTS),
    ROW_RO("read-only volume on UNC", L"%U\\ro\\x.vhd", X_E_ACCESSDENIED),

    /* Links (made on the Linux side). A link at the target is never followed or replaced;
     * a link to a folder on the way is followed, to a folder inside the test volume. */
    ROW("link to a file at the target", L"%V\\links\\to_file", X_E_ALREADY_EXISTS),
    ROW("dangling link at the target", L"%V\\links\\dangling", X_E_ALREADY_EXISTS),
    ROW("link to a folder at the target", L"%V\\links\\to_dir", X_E_ALREADY_EXISTS),
    ROW("link loop at the target", L"%V\\links\\loop", X_E_ALREADY_EXISTS),
    ROW_AT("through a link to a folder", L"%V\\links\\to_dir\\via-link.vhd",
           "links/target_dir/via-link.vhd"),
    ROW_AT("through an absolute link to a folder", L"%V\\links\\abs_to_dir\\via-abs.vhd",
           "links/target_dir/via-abs.vhd"),
    ROW_AT("new folder through a link", L"%V\\links\\to_dir\\new\\x.vhd",
           "links/target_dir/new/x.vhd"),
    ROW("through a link to a file", L"%V\\links\\to_file\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("through a dangling link", L"%V\\links\\dangling_dir\\x.vhd", X_E_PATH_NOT_FOUND),
    ROW("through a link loop", L"%V\\links\\loop\\x.vhd", X_E_PATH_NOT_FOUND),
};

static const char *const reserved_names[] = {
    "CON", "PRN", "AUX", "NUL",
    "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
    "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    "CONIN$", "CONOUT$", "COM\xb9", "COM\xb2", "COM\xb3", "LPT\xb9", "LPT\xb2", "LPT\xb3",
};

static struct row *rows;
static size_t row_count;
static const char *volume;
static WCHAR drive[3], drive_lower[3], missing[3], unc_root[MAX_PATH], host[64];
static BOOL have_readonly;

static void add_row(const char *label, const WCHAR *path, size_t len, HRESULT expected)
{
    struct row *row;
    char *copy = malloc(strlen(label) + 1);

    rows = realloc(rows, (row_count + 1) * sizeof(*rows));
    row = &rows[row_count++];
    memset(row, 0, sizeof(*row));
    strcpy(copy, label);
    row->label = copy;
    row->path = malloc((len + 1) * sizeof(WCHAR));
    memcpy(row->path, path, len * sizeof(WCHAR));
    row->path[len] = 0;
    row->len = len;
    row->expected = expected;
}

/* Latin-1 name (for the superscript digits) with its case changed as asked. */
static void name_variant(const char *name, int style, WCHAR *out)
{
    size_t i;

    for (i = 0; name[i]; i++) {
        WCHAR c = (unsigned char)name[i];
        if (c >= 'A' && c <= 'Z' && (style == 1 || (style == 2 && i % 2)))
            c = c - 'A' + 'a';
        out[i] = c;
    }
    out[i] = 0;
}

static WCHAR *repeat(WCHAR *out, WCHAR c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = c;
    out[n] = 0;
    return out;
}

static void add_generated_rows(void)
{
    static WCHAR path[200000], big[160000];
    WCHAR name[16], part[1024], part2[1024];
    char label[96];
    size_t i, n;

    for (i = 0; i < sizeof(fixed_rows) / sizeof(fixed_rows[0]); i++) {
        add_row(fixed_rows[i].label, fixed_rows[i].path, fixed_rows[i].len, fixed_rows[i].expected);
        rows[row_count - 1].created = fixed_rows[i].created;
        rows[row_count - 1].flags = fixed_rows[i].flags;
    }

    /* Every reserved device name: alone, lower case with an extension, mixed case with
     * spaces before the extension, and as a folder. */
    for (i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++) {
        const char *shown = reserved_names[i];
        char ascii[16];
        size_t k;

        for (k = 0; shown[k]; k++)
            ascii[k] = (unsigned char)shown[k] >= 0x80 ? '^' : shown[k];
        ascii[k] = 0;
        name_variant(shown, 0, name);
        swprintf(path, ARRAYSIZE(path), L"%%V\\%ls", name);
        snprintf(label, sizeof(label), "reserved %s", ascii);
        add_row(label, path, wcslen(path), X_E_INVALID_NAME);
        name_variant(shown, 1, name);
        swprintf(path, ARRAYSIZE(path), L"%%V\\%ls.vhd", name);
        snprintf(label, sizeof(label), "reserved %s, lower case, extension", ascii);
        add_row(label, path, wcslen(path), X_E_INVALID_NAME);
        name_variant(shown, 2, name);
        swprintf(path, ARRAYSIZE(path), L"%%V\\%ls  .Vhd", name);
        snprintf(label, sizeof(label), "reserved %s, mixed case, spaces before the dot", ascii);
        add_row(label, path, wcslen(path), X_E_INVALID_NAME);
        swprintf(path, ARRAYSIZE(path), L"%%V\\new\\%ls\\x.vhd", name);
        snprintf(label, sizeof(label), "reserved %s as a folder", ascii);
        add_row(label, path, wcslen(path), X_E_INVALID_NAME);
    }

    /* Lengths. The drive is 2 characters ("T:"), so "%V\" + n characters is 3 + n long. */
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls.vhd", repeat(part, 'a', 251));
    add_row("name of 255 characters (path 258)", path, wcslen(path), S_OK);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls.vhd", repeat(part, 'b', 252));
    add_row("name of 256 characters (path 259)", path, wcslen(path), X_E_INVALID_NAME);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls\\%ls.vhd", repeat(part, 'c', 100), repeat(part2, 'd', 150));
    add_row("path of 258 characters", path, wcslen(path), S_OK);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls\\%ls.vhd", repeat(part, 'e', 100), repeat(part2, 'f', 151));
    add_row("path of 259 characters", path, wcslen(path), S_OK);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls\\%ls.vhd", repeat(part, 'g', 100), repeat(part2, 'h', 152));
    add_row("path of 260 characters", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls\\%ls.vhd", repeat(part, 'i', 100), repeat(part2, 'j', 153));
    add_row("path of 261 characters", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls.vhd", repeat(part, 'k', 253));
    add_row("path of 260 characters, one name", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    /* 9 folders of 99 characters (900 with their backslashes) and a 97-character name. */
    wcscpy(path, L"%V\\");
    for (n = 0; n < 9; n++)
        swprintf(path + wcslen(path), ARRAYSIZE(path) - wcslen(path), L"%ls\\", repeat(part, 'l', 99));
    swprintf(path + wcslen(path), ARRAYSIZE(path) - wcslen(path), L"%ls.vhd", repeat(part, 'm', 93));
    add_row("path of 1000 characters", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls\\%ls.vhd", repeat(part, 'n', 300), repeat(part2, 'o', 600));
    add_row("path of 908 characters, names over 255", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls*.vhd", repeat(part, 'p', 300));
    add_row("long path with a forbidden character", path, wcslen(path), X_E_INVALID_NAME);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls", repeat(big, 'q', 32767));
    add_row("path of 32,770 characters", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls", repeat(big, 'r', 150000));
    add_row("path of 150,003 characters", path, wcslen(path), X_E_BUFFER_OVERFLOW);
    swprintf(path, ARRAYSIZE(path), L"%%U\\%ls.vhd", repeat(part, 's', 230));
    add_row("UNC path of 259 characters", path, wcslen(path), (HRESULT)-1);  /* set in main */
    /* 82 CJK characters are 246 bytes in UTF-8: within Linux's 255-byte names. */
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls.vhd", repeat(part, 0x6f22, 82));
    add_row("CJK name of 250 bytes in UTF-8", path, wcslen(path), S_OK);
    /* 251 CJK characters: a valid Windows name, 757 bytes in UTF-8, over Linux's limit. */
    swprintf(path, ARRAYSIZE(path), L"%%V\\%ls.vhd", repeat(part, 0x6f22, 251));
    add_row("CJK name of 255 characters (757 bytes in UTF-8)", path, wcslen(path), X_E_INVALID_NAME);
    swprintf(path, ARRAYSIZE(path), L"%%V\\newparent\\%ls\\x.vhd", repeat(part, 0x6f22, 200));
    add_row("CJK folder over the Linux limit, after a new folder", path, wcslen(path), X_E_INVALID_NAME);
    for (path[0] = 0, n = 0; n < 120; n++)
        wcscat(path, L"\\d");
    memmove(path + 2, path, (wcslen(path) + 1) * sizeof(WCHAR));
    memcpy(path, L"%V", 2 * sizeof(WCHAR));
    wcscat(path, L"\\deep.vhd");
    add_row("120 nested new folders", path, wcslen(path), S_OK);
}

/* The row's path with its placeholders filled in (malloc'ed), and its length. */
static WCHAR *expand(const struct row *row, size_t *out_len)
{
    WCHAR *out = malloc((row->len * 8 + 512) * sizeof(WCHAR));
    size_t i, n = 0;

    for (i = 0; i < row->len; i++) {
        const WCHAR *insert = NULL;
        if (row->path[i] == '%' && i + 1 < row->len) {
            switch (row->path[i + 1]) {
            case 'V': insert = drive; break;
            case 'v': insert = drive_lower; break;
            case 'M': insert = missing; break;
            case 'U': insert = unc_root; break;
            case 'H': insert = host; break;
            case '%': insert = L"%"; break;
            default: break;
            }
        }
        if (insert) {
            wcscpy(out + n, insert);
            n += wcslen(insert);
            i++;
        } else {
            out[n++] = row->path[i];
        }
    }
    out[n] = 0;
    *out_len = n;
    return out;
}

/* The Linux path under the volume where a successful row's file must appear. */
static char *expected_file(const struct row *row, const WCHAR *path)
{
    size_t skip, i;
    char *rel;

    if (row->created)
        return _strdup(row->created);
    if (!_wcsnicmp(path, drive, 2) && path[2] == '\\')
        skip = 3;
    else if (!_wcsnicmp(path, unc_root, wcslen(unc_root)) && path[wcslen(unc_root)] == '\\')
        skip = wcslen(unc_root) + 1;
    else
        return _strdup("?");
    rel = utf8_from_wide(path + skip, -1);
    for (i = 0; rel[i]; i++)
        if (rel[i] == '\\')
            rel[i] = '/';
    return rel;
}

static BOOL is_ancestor(const char *folder, const char *file)
{
    size_t len = strlen(folder);
    return !strncmp(folder, file, len) && file[len] == '/';
}

static char failure[2048];

static void why(const char *format, ...)
{
    size_t n = strlen(failure);
    va_list args;

    if (n)
        n += snprintf(failure + n, sizeof(failure) - n, "; ");
    va_start(args, format);
    vsnprintf(failure + n, sizeof(failure) - n, format, args);
    va_end(args);
}

/* Removes what a row added (its file and the folders on its way, or whatever a wrong
 * answer left), from the Linux side so that the cleanup does not depend on the code under
 * test. Outer entries first; rm -f ignores the inner ones they took along. */
static void remove_added(const char *const *added, size_t count)
{
    char rel[4096], full[4096 + MAX_PATH];
    const char *args[] = { "-rf", "--", full, NULL };
    size_t i;

    for (i = 0; i < count; i++) {
        snapshot_line_path(added[i], rel, sizeof(rel));
        snprintf(full, sizeof(full), "%s/%s", volume, rel);
        if (run_linux("/bin/rm", args, 60000) != 0)
            why("could not remove %s", rel);
    }
}

struct tally {
    HRESULT hr;
    const char *name;
    unsigned count;
};

static struct tally tallies[] = {
    { S_OK, "S_OK (then Result 0)", 0 },
    { (HRESULT)0x8007007B, "E_INVALID_NAME", 0 },
    { (HRESULT)0x800700A1, "E_BAD_PATHNAME", 0 },
    { (HRESULT)0x8007006F, "E_BUFFER_OVERFLOW", 0 },
    { (HRESULT)0x80070003, "E_PATH_NOT_FOUND", 0 },
    { (HRESULT)0x800700B7, "E_ALREADY_EXISTS", 0 },
    { (HRESULT)0x80070005, "E_ACCESSDENIED", 0 },
    { E_POINTER, "E_POINTER", 0 },
};

static void count_shape(HRESULT hr)
{
    size_t i;

    for (i = 0; i < ARRAYSIZE(tallies); i++)
        if (tallies[i].hr == hr)
            tallies[i].count++;
}

static HRESULT code_of_verdict(path_verdict verdict)
{
    switch (verdict) {
    case PATH_BAD_PATHNAME: return X_E_BAD_PATHNAME;
    case PATH_INVALID_NAME: return X_E_INVALID_NAME;
    case PATH_TOO_LONG: return X_E_BUFFER_OVERFLOW;
    default: return S_OK;
    }
}

/* What the row gives in this mode. For a relative path in the differencing modes, *resolved
 * gets the path it is taken as (malloc'ed). */
static HRESULT expected_for(const struct row *row, const WCHAR *path, size_t len, WCHAR **resolved)
{
    const WCHAR *other = mode == MODE_CHILD ? parent_disk : child_disk;
    path_verdict verdict;
    const char *reason;

    *resolved = NULL;
    if (mode == MODE_DYNAMIC || mode == MODE_FLOPPY || (row->flags & NULL_PATH))
        return row->expected;
    if (path_is_relative((const uint16_t *)path, len)) {
        WCHAR *r = calloc(40000, sizeof(WCHAR));
        size_t n = path_resolve_against((const uint16_t *)other, wcslen(other), (const uint16_t *)path,
                                        len, (uint16_t *)r, 39999);
        if (!n) {
            free(r);
            return X_E_BAD_PATHNAME;
        }
        verdict = path_check((const uint16_t *)r, n, &reason);
        if (verdict != PATH_OK) {
            free(r);
            return code_of_verdict(verdict);
        }
        *resolved = r;
        if (GetFileAttributesW(r) != INVALID_FILE_ATTRIBUTES)
            return mode == MODE_CHILD ? X_E_ALREADY_EXISTS : X_VM_E_INVALID_HD_FILE;
        return mode == MODE_CHILD ? S_OK : X_VM_E_PARENT_PATH_NOT_FOUND;
    }
    if (mode == MODE_CHILD)
        return row->expected;
    verdict = path_check((const uint16_t *)path, len, &reason);
    if (verdict != PATH_OK)
        return code_of_verdict(verdict);
    /* Something is there (a file, folder, FIFO, device) and it is not a disk; a dangling link
     * or a loop of links names nothing. */
    if (row->expected == X_E_ALREADY_EXISTS && !strstr(row->label, "dangling")
        && !strstr(row->label, "loop"))
        return X_VM_E_INVALID_HD_FILE;
    return X_VM_E_PARENT_PATH_NOT_FOUND;     /* nothing is there (or can be, by that name) */
}

static HRESULT create_for_mode(IVMVirtualServer *vs, BSTR path, IVMTask **task)
{
    BSTR other;
    HRESULT hr;

    if (mode == MODE_DYNAMIC)
        return create_disk(vs, path, DISK_MB, task);
    if (mode == MODE_FLOPPY) {      /* no task: done when it returns */
        SetErrorInfo(0, NULL);
        return IVMVirtualServer_CreateFloppyDiskImage(vs, path, vmFloppyDiskImage_HighDensity);
    }
    other = SysAllocString(mode == MODE_CHILD ? parent_disk : child_disk);
    SetErrorInfo(0, NULL);
    hr = mode == MODE_CHILD
        ? IVMVirtualServer_CreateDifferencingVirtualHardDisk(vs, path, other, task)
        : IVMVirtualServer_CreateDifferencingVirtualHardDisk(vs, other, path, task);
    SysFreeString(other);
    return hr;
}

/* NULL if path holds a differencing disk (footer and its copy, disk type 4). */
static const char *child_problem(const WCHAR *path)
{
    BYTE head[512];
    DWORD done = 0;
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BOOL ok;

    if (file == INVALID_HANDLE_VALUE)
        return "cannot be opened";
    ok = ReadFile(file, head, sizeof(head), &done, NULL) && done == sizeof(head);
    CloseHandle(file);
    if (!ok || memcmp(head, "conectix", 8) || head[63] != 4)
        return "not a differencing disk";
    return NULL;
}

/* NULL if path holds a blank 1.44 MB floppy image: 1,474,560 bytes, all zeros. */
static const char *floppy_problem(const WCHAR *path)
{
    static BYTE data[1474560 + 1];
    DWORD done = 0;
    HANDLE file = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    BOOL ok;

    if (file == INVALID_HANDLE_VALUE)
        return "cannot be opened";
    ok = ReadFile(file, data, sizeof(data), &done, NULL);
    CloseHandle(file);
    if (!ok || done != sizeof(data) - 1)
        return "not 1,474,560 bytes";
    for (DWORD i = 0; i < done; i++)
        if (data[i])
            return "not blank";
    return NULL;
}

/* Runs one row; TRUE if it passed. failure[] says why not. */
static BOOL run_row(IVMVirtualServer *vs, const struct row *row)
{
    struct snapshot before, after;
    const char **added = NULL, **removed = NULL;
    size_t added_count = 0, removed_count = 0, len = 0, i;
    WCHAR *path = expand(row, &len);
    BSTR bstr = (row->flags & NULL_PATH) ? NULL : SysAllocStringLen(path, (UINT)len);
    IVMTask *task = NULL;
    char *text, *file = NULL;
    WCHAR *resolved = NULL;
    HRESULT hr, expected = expected_for(row, path, len, &resolved);

    failure[0] = 0;
    if (!snapshot_take(&before, volume)) {
        why("the volume could not be listed before the call");
        goto done;
    }
    hr = create_for_mode(vs, bstr, &task);
    text = error_description();
    if (hr != expected)
        why("returned 0x%08lx, expected 0x%08lx (%s)", (unsigned long)hr,
            (unsigned long)expected, text ? text : "no description");
    if (FAILED(hr)) {
        if (task)
            why("a task was returned with a failure");
        if (!text || !text[0])
            why("no IErrorInfo description");
    }
    free(text);
    if (SUCCEEDED(hr) && task) {
        if (IVMTask_WaitForCompletion(task, -1) != S_OK)
            why("WaitForCompletion failed");
        if (task_result(task) != 0) {
            char *error = task_error_text(task);
            why("task Result %ld, Error 0x%08lx: %s", task_result(task),
                (unsigned long)task_error(task), error);
            free(error);
        }
        if (task_error(task) != 0)
            why("task Error 0x%08lx", (unsigned long)task_error(task));
    }
    if (task)
        IVMTask_Release(task);

    if (!snapshot_take(&after, volume)) {
        why("the volume could not be listed after the call");
        snapshot_free(&before);
        goto done;
    }
    snapshot_diff(&before, &after, &added, &added_count, &removed, &removed_count);
    for (i = 0; i < removed_count; i++)
        why("changed or removed: %s", removed[i]);
    if (hr == S_OK) {
        char rel[4096];
        BOOL found = FALSE;

        file = expected_file(row, resolved ? resolved : path);
        for (i = 0; i < added_count; i++) {
            snapshot_line_path(added[i], rel, sizeof(rel));
            if (!strcmp(rel, file) && snapshot_line_type(added[i]) == 'f')
                found = TRUE;
            else if (snapshot_line_type(added[i]) != 'd' || !is_ancestor(rel, file))
                why("unexpected new entry: %s", added[i]);
        }
        if (!found) {
            why("no new file named %s", file);
        } else {
            char reason[160];
            WCHAR *wide_rel = wide_from_utf8(file), on_drive[4096];
            const char *problem;
            size_t k;

            for (k = 0; wide_rel[k]; k++)
                if (wide_rel[k] == '/')
                    wide_rel[k] = '\\';
            _snwprintf(on_drive, ARRAYSIZE(on_drive) - 1, L"%ls\\%ls", drive, wide_rel);
            on_drive[ARRAYSIZE(on_drive) - 1] = 0;
            problem = mode == MODE_CHILD ? child_problem(on_drive)
                      : mode == MODE_FLOPPY ? floppy_problem(on_drive)
                      : vhd_problem(on_drive, DISK_MB * MIB, reason, sizeof(reason));
            if (problem)
                why("the new file is not a valid disk: %s", problem);
            free(wide_rel);
        }
        remove_added(added, added_count);
        {
            struct snapshot cleaned;
            const char **a2 = NULL, **r2 = NULL;
            size_t a2n = 0, r2n = 0;

            if (snapshot_take(&cleaned, volume)) {
                snapshot_diff(&before, &cleaned, &a2, &a2n, &r2, &r2n);
                if (a2n || r2n)
                    why("cleanup did not restore the volume (%zu new, %zu missing)", a2n, r2n);
                free((void *)a2);
                free((void *)r2);
                snapshot_free(&cleaned);
            }
        }
    } else {
        for (i = 0; i < added_count; i++)
            why("new entry after a failure: %s", added[i]);
        remove_added(added, added_count);
    }
    free((void *)added);
    free((void *)removed);
    snapshot_free(&before);
    snapshot_free(&after);
done:
    free(file);
    free(resolved);
    SysFreeString(bstr);
    free(path);
    return failure[0] == 0;
}

/* A probe file that a wrongly accepted path would have made somewhere else. */
static void check_probe(const WCHAR *where, unsigned *failed)
{
    WCHAR probe[MAX_PATH];

    _snwprintf(probe, ARRAYSIZE(probe) - 1, L"%ls\\vsdisk-probe.vhd", where);
    probe[ARRAYSIZE(probe) - 1] = 0;
    if (GetFileAttributesW(probe) != INVALID_FILE_ATTRIBUTES) {
        printf("not ok - nothing written outside the volume: %ls exists\n", probe);
        (*failed)++;
    } else {
        printf("ok - nothing written outside the volume: no %ls\n", probe);
    }
}

int main(int argc, char **argv)
{
    IVMVirtualServer *vs;
    unsigned failed = 0, skipped = 0, tried = 0;
    WCHAR cwd[MAX_PATH];
    char shown[200];
    size_t i;

    if (argc < 9) {
        fprintf(stderr, "usage: %s DLL VOLUME SCRATCH HELPERS DRIVE MISSING_DRIVE UNC_HOST READONLY\n",
                argv[0]);
        return 2;
    }
    volume = argv[2];
    linux_setup(argv[4], argv[3]);
    drive[0] = (WCHAR)toupper((unsigned char)argv[5][0]);
    drive_lower[0] = (WCHAR)tolower((unsigned char)argv[5][0]);
    missing[0] = (WCHAR)toupper((unsigned char)argv[6][0]);
    drive[1] = drive_lower[1] = missing[1] = ':';
    MultiByteToWideChar(CP_UTF8, 0, argv[7], -1, host, ARRAYSIZE(host));
    swprintf(unc_root, ARRAYSIZE(unc_root), L"\\\\%ls\\share", host);
    have_readonly = argv[8][0] == '1';
    if (argc > 9 && !strcmp(argv[9], "child"))
        mode = MODE_CHILD;
    else if (argc > 9 && !strcmp(argv[9], "parent"))
        mode = MODE_PARENT;
    else if (argc > 9 && !strcmp(argv[9], "floppy"))
        mode = MODE_FLOPPY;

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) || !hostile_load(argv[1])
        || !(vs = hostile_server())) {
        printf("not ok - setup: the DLL or its server could not be loaded\n");
        return 1;
    }
    add_generated_rows();
    /* The differencing modes: the other path, and (child) the parent disk, made before any
     * row's snapshot and removed at the end. */
    swprintf(parent_disk, ARRAYSIZE(parent_disk), L"%ls\\parentdisk\\p.vhd", drive);
    swprintf(child_disk, ARRAYSIZE(child_disk), L"%ls\\children\\c.vhd", drive);
    if (mode == MODE_CHILD) {
        BSTR bstr = SysAllocString(parent_disk);
        IVMTask *task = NULL;
        if (create_disk(vs, bstr, DISK_MB, &task) != S_OK || IVMTask_WaitForCompletion(task, -1) != S_OK
            || task_result(task) != 0) {
            printf("not ok - setup: the parent disk %ls could not be made\n", parent_disk);
            return 1;
        }
        IVMTask_Release(task);
        SysFreeString(bstr);
    }
    /* "\\host\share\" is 2 + host + 7 characters; the name brings the path to 259. */
    for (i = 0; i < row_count; i++) {
        if (rows[i].expected == (HRESULT)-1) {
            size_t fixed = 2 + wcslen(host) + 7;
            size_t name = 259 - fixed;
            WCHAR path[400], letters[300];
            swprintf(path, ARRAYSIZE(path), L"%%U\\%ls.vhd", repeat(letters, 's', name - 4));
            free(rows[i].path);
            rows[i].path = _wcsdup(path);
            rows[i].len = wcslen(path);
            rows[i].expected = name > 255 ? X_E_INVALID_NAME : S_OK;
        }
    }

    for (i = 0; i < row_count; i++) {
        size_t len;
        WCHAR *path = expand(&rows[i], &len);

        printable(path, len, shown, sizeof(shown));
        free(path);
        if ((rows[i].flags & NEEDS_READONLY) && !have_readonly) {
            printf("ok - %s: %s # SKIP no read-only volume could be mounted\n", rows[i].label, shown);
            skipped++;
            continue;
        }
        tried++;
        count_shape(rows[i].expected);
        if (run_row(vs, &rows[i])) {
            printf("ok - %s: %s [%lu]\n", rows[i].label, shown, (unsigned long)len);
        } else {
            printf("not ok - %s: %s [%lu]\n# %s\n", rows[i].label, shown, (unsigned long)len, failure);
            failed++;
        }
        fflush(stdout);
    }

    if (mode == MODE_CHILD) {
        WCHAR folder[MAX_PATH];
        swprintf(folder, ARRAYSIZE(folder), L"%ls\\parentdisk", drive);
        if (!DeleteFileW(parent_disk) || !RemoveDirectoryW(folder)) {
            printf("not ok - the parent disk could not be removed\n");
            failed++;
        }
    }
    check_probe(L"C:", &failed);
    check_probe(L"Z:", &failed);
    check_probe(L"Z:\\tmp", &failed);
    GetCurrentDirectoryW(ARRAYSIZE(cwd), cwd);
    check_probe(cwd, &failed);

    printf("# %u path shapes tried (%u skipped), %u failed\n", tried, skipped, failed);
    for (i = 0; i < ARRAYSIZE(tallies); i++)
        printf("#   %-22s %u\n", tallies[i].name, tallies[i].count);
    IVMVirtualServer_Release(vs);
    CoUninitialize();
    return failed ? 1 : 0;
}
