/* libFuzzer target: the path validation the DLL runs on every imagePath, on any UTF-16 input.
 * Besides the sanitizers' checks, it holds the validator to what it promises; and the
 * differencing disk's path helpers (a relative path taken against another's folder, a
 * parent's path relative to a child's folder) on the input split in two. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path_check.h"
#include "path_relative.h"
#include "path_resolve.h"

static void expect(int condition)
{
    if (!condition)
        abort();
}

static int forbidden(uint16_t c)
{
    return c < 0x20 || c == '*' || c == '?' || c == '<' || c == '>' || c == '/' || c == '|'
        || c == '"';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t length = size / 2, i, root;
    uint16_t *path = malloc((length ? length : 1) * sizeof(*path));
    const char *reason = (const char *)1;
    path_verdict verdict;

    if (!path)
        return 0;
    for (i = 0; i < length; i++)
        path[i] = (uint16_t)(data[2 * i] | data[2 * i + 1] << 8);   /* UTF-16LE, as in a BSTR */
    verdict = path_check(path, length, &reason);
    expect(verdict == PATH_OK || verdict == PATH_BAD_PATHNAME || verdict == PATH_INVALID_NAME
           || verdict == PATH_TOO_LONG);
    expect((verdict == PATH_OK) == (reason == NULL));
    if (reason)
        expect(strlen(reason) > 0);
    if (verdict == PATH_OK) {
        /* An accepted path is a plain full path: short enough, nothing forbidden, a root. */
        expect(length > 0 && length < PATH_LENGTH_LIMIT);
        root = path_root_length(path, length);
        expect(root >= 3 && root < length);
        for (i = 0; i < length; i++) {
            expect(!forbidden(path[i]));
            expect(path[i] != ':' || i == 1);
        }
        expect(path[length - 1] != '\\' && path[length - 1] != '.' && path[length - 1] != ' ');
    }
    /* The same answer whatever the buffer holds past the given length. */
    expect(path_check(path, length, NULL) == verdict);

    /* The two halves as base and relative path, and as child and parent. */
    {
        size_t half = length / 2, n;
        uint16_t out[600];
        n = path_resolve_against(path, half, path + half, length - half, out, sizeof out / sizeof out[0]);
        expect(n <= sizeof out / sizeof out[0]);
        if (n) {
            /* Resolved: it keeps the base's root, and has no "." or ".." component left. */
            root = path_root_length(path, half);
            expect(root > 0 && n >= root);
            for (i = root; i < n; i++) {
                size_t start = i;
                while (i < n && out[i] != '\\' && out[i] != '/')
                    i++;
                expect(!(i - start == 1 && out[start] == '.'));
                expect(!(i - start == 2 && out[start] == '.' && out[start + 1] == '.'));
            }
        }
        for (int flavour = 0; flavour < 2; flavour++) {
            n = path_relative_to_file(path, half, path + half, length - half,
                                      flavour ? PATH_FLAVOUR_POSIX : PATH_FLAVOUR_WINDOWS, out,
                                      sizeof out / sizeof out[0]);
            expect(n <= sizeof out / sizeof out[0]);
            if (n)
                expect(out[0] == '.');        /* ".\..." or "..\..." */
        }
    }
    free(path);
    return 0;
}
