#include "path_check.h"

#include <stdbool.h>

static bool is_separator(uint16_t c)
{
    return c == '\\' || c == '/';
}

static bool is_drive_letter(uint16_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static uint16_t to_upper(uint16_t c)
{
    return (c >= 'a' && c <= 'z') ? (uint16_t)(c - 'a' + 'A') : c;
}

/* Index just past the component that starts at i. */
static size_t component_end(const uint16_t *path, size_t length, size_t i)
{
    while (i < length && !is_separator(path[i]))
        i++;
    return i;
}

/* "C:\" gives 3; "\\server\share\" gives its length; 0 when the path is not absolute. */
static size_t root_length(const uint16_t *path, size_t length)
{
    size_t server_end, share_end;

    if (length >= 3 && is_drive_letter(path[0]) && path[1] == ':' && is_separator(path[2]))
        return 3;
    if (length < 2 || !is_separator(path[0]) || !is_separator(path[1]))
        return 0;
    server_end = component_end(path, length, 2);
    if (server_end == 2 || server_end >= length)
        return 0;
    share_end = component_end(path, length, server_end + 1);
    if (share_end == server_end + 1 || share_end >= length)
        return 0;
    return share_end + 1;
}

static bool is_device_namespace(const uint16_t *path, size_t length)
{
    /* \\.\ and \\?\ (either slash) name devices and the NT namespace, never a plain file. */
    return length >= 4 && is_separator(path[0]) && is_separator(path[1])
        && (path[2] == '.' || path[2] == '?') && is_separator(path[3]);
}

static const char *forbidden_character(uint16_t c)
{
    switch (c) {
    case 0: return "the path contains a NUL character";
    case '*': return "the path contains the forbidden character '*'";
    case '?': return "the path contains the forbidden character '?'";
    case ':': return "the path contains a ':' after the drive (alternate data streams and devices are not accepted)";
    case '<': return "the path contains the forbidden character '<'";
    case '>': return "the path contains the forbidden character '>'";
    case '/': return "the path contains a forward slash '/'; separate folders with backslashes";
    case '|': return "the path contains the forbidden character '|'";
    case '"': return "the path contains the forbidden character '\"'";
    default: break;
    }
    if (c < 0x20)
        return "the path contains a control character";
    return NULL;
}

/* A UTF-16 surrogate that is not half of a pair encodes no character: Windows would store
 * it as it is, but Linux file systems (under Wine) cannot, and scripts cannot show it. */
static bool is_unpaired_surrogate(const uint16_t *path, size_t length, size_t i)
{
    if (path[i] >= 0xD800 && path[i] <= 0xDBFF)
        return i + 1 >= length || path[i + 1] < 0xDC00 || path[i + 1] > 0xDFFF;
    if (path[i] >= 0xDC00 && path[i] <= 0xDFFF)
        return i == 0 || path[i - 1] < 0xD800 || path[i - 1] > 0xDBFF;
    return false;
}

static bool name_equals(const uint16_t *name, size_t length, const char *ascii)
{
    size_t i;

    for (i = 0; i < length && ascii[i]; i++)
        if (to_upper(name[i]) != (uint16_t)(unsigned char)ascii[i])
            return false;
    return i == length && ascii[i] == 0;
}

/* CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and the superscript-digit forms), CONIN$, CONOUT$:
 * Windows opens the device whatever the extension, so "nul.vhd" is the NUL device. */
static bool is_reserved_device_name(const uint16_t *name, size_t length)
{
    static const char *const plain[] = { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$" };
    size_t base = 0, i;
    uint16_t digit;

    while (base < length && name[base] != '.')
        base++;
    while (base > 0 && name[base - 1] == ' ')
        base--;
    for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (name_equals(name, base, plain[i]))
            return true;
    if (base != 4 || !(name_equals(name, 3, "COM") || name_equals(name, 3, "LPT")))
        return false;
    digit = name[3];
    return (digit >= '0' && digit <= '9') || digit == 0x00B9 || digit == 0x00B2 || digit == 0x00B3;
}

static path_verdict check_component(const uint16_t *name, size_t length, bool last,
                                    const char **reason)
{
    if (length == 0) {
        *reason = last ? "the path ends with a backslash: it names a folder, not a file"
                       : "the path contains an empty folder name (two backslashes in a row)";
        return PATH_BAD_PATHNAME;
    }
    if ((length == 1 && name[0] == '.') || (length == 2 && name[0] == '.' && name[1] == '.')) {
        *reason = "the path contains a '.' or '..' component; give the full path without them";
        return PATH_BAD_PATHNAME;
    }
    if (length > PATH_COMPONENT_LIMIT) {
        *reason = "a file or folder name in the path is longer than 255 characters";
        return PATH_INVALID_NAME;
    }
    if (name[length - 1] == '.' || name[length - 1] == ' ') {
        *reason = "a file or folder name in the path ends with a dot or a space, which Windows would silently drop";
        return PATH_INVALID_NAME;
    }
    if (is_reserved_device_name(name, length)) {
        *reason = "the path contains a reserved device name (such as CON, NUL, COM1 or LPT1)";
        return PATH_INVALID_NAME;
    }
    return PATH_OK;
}

path_verdict path_check(const uint16_t *path, size_t length, const char **reason)
{
    const char *ignored;
    size_t root, i, start;

    if (!reason)
        reason = &ignored;
    *reason = NULL;
    if (!path || length == 0) {
        *reason = "the path is empty";
        return PATH_BAD_PATHNAME;
    }
    if (is_device_namespace(path, length)) {
        *reason = "device and namespace paths (\\\\.\\ and \\\\?\\) are not accepted; give a plain file path";
        return PATH_INVALID_NAME;
    }
    root = root_length(path, length);
    if (root == 0) {
        *reason = "the path is not a full path: it must start with a drive, as in C:\\, or be a UNC path, as in \\\\server\\share\\";
        return PATH_BAD_PATHNAME;
    }
    for (i = (path[1] == ':') ? 2 : 0; i < length; i++) {
        const char *problem = forbidden_character(path[i]);
        if (!problem && is_unpaired_surrogate(path, length, i))
            problem = "the path contains an unpaired UTF-16 surrogate, which is not a character";
        if (problem) {
            *reason = problem;
            return PATH_INVALID_NAME;
        }
    }
    if (length >= PATH_LENGTH_LIMIT) {
        *reason = "the path is 260 characters or longer";
        return PATH_TOO_LONG;
    }
    /* The UNC server and share names are checked like any other component. */
    for (start = (path[1] == ':') ? root : 2; start <= length; ) {
        size_t end = component_end(path, length, start);
        path_verdict verdict = check_component(path + start, end - start, end >= length, reason);
        if (verdict != PATH_OK)
            return verdict;
        start = end + 1;
    }
    return PATH_OK;
}

size_t path_root_length(const uint16_t *path, size_t length)
{
    return root_length(path, length);
}
