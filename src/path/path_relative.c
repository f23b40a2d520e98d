#include "path_relative.h"

#include <stdbool.h>
#include "path_check.h"

static bool is_separator(uint16_t c, path_flavour flavour)
{
    return c == '/' || (flavour == PATH_FLAVOUR_WINDOWS && c == '\\');
}

static uint16_t fold(uint16_t c, path_flavour flavour)
{
    if (flavour == PATH_FLAVOUR_WINDOWS && c >= 'a' && c <= 'z')
        return (uint16_t)(c - 'a' + 'A');
    return c;
}

static bool same_units(const uint16_t *a, const uint16_t *b, size_t length, path_flavour flavour)
{
    for (size_t i = 0; i < length; i++) {
        if (fold(a[i], flavour) != fold(b[i], flavour))
            return false;
    }
    return true;
}

static size_t root_of(const uint16_t *path, size_t length, path_flavour flavour)
{
    if (flavour == PATH_FLAVOUR_POSIX)
        return length > 0 && path[0] == '/' ? 1 : 0;
    return path_root_length(path, length);
}

/* Appends text to out; false if it does not fit. */
static bool append(uint16_t *out, size_t capacity, size_t *used, const uint16_t *text,
                   size_t length)
{
    if (length > capacity - *used)
        return false;
    for (size_t i = 0; i < length; i++)
        out[*used + i] = text[i];
    *used += length;
    return true;
}

size_t path_relative_to_file(const uint16_t *from, size_t from_length,
                             const uint16_t *target, size_t target_length,
                             path_flavour flavour, uint16_t *out, size_t out_capacity)
{
    static const uint16_t dot[] = { '.', '\\' }, dot_dot[] = { '.', '.', '\\' };
    size_t root = root_of(from, from_length, flavour);
    if (root == 0 || root != root_of(target, target_length, flavour) ||
            !same_units(from, target, root, flavour))
        return 0;

    /* The folder of `from` ends at its last separator. */
    size_t from_folder = from_length;
    while (from_folder > root && !is_separator(from[from_folder - 1], flavour))
        from_folder--;

    /* The longest common run of whole components: `common` is just after a separator. */
    size_t common = root, i = root;
    while (i < from_folder && i < target_length) {
        bool at_separator = is_separator(from[i], flavour);
        if (at_separator != is_separator(target[i], flavour) ||
                (!at_separator && fold(from[i], flavour) != fold(target[i], flavour)))
            break;
        i++;
        if (at_separator)
            common = i;
    }
    if (common >= target_length)
        return 0;   /* target is a folder of from's path */

    size_t used = 0;
    size_t ups = 0;
    for (size_t j = common; j < from_folder; j++) {
        if (is_separator(from[j], flavour))
            ups++;
    }
    if (ups == 0 && !append(out, out_capacity, &used, dot, 2))
        return 0;
    for (size_t u = 0; u < ups; u++) {
        if (!append(out, out_capacity, &used, dot_dot, 3))
            return 0;
    }
    for (size_t j = common; j < target_length; j++) {
        uint16_t c = is_separator(target[j], flavour) ? '\\' : target[j];
        if (!append(out, out_capacity, &used, &c, 1))
            return 0;
    }
    return used;
}
