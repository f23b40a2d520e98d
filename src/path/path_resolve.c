#include "path_resolve.h"

#include "path_check.h"

static bool is_separator(uint16_t c)
{
    return c == '\\' || c == '/';
}

bool path_is_relative(const uint16_t *path, size_t length)
{
    if (length == 0 || is_separator(path[0]))
        return false;
    return !(length >= 2 && path[1] == ':');
}

/* Appends the component [start, end) of source to out, resolving "." and "..". */
static bool add_component(uint16_t *out, size_t *used, size_t root, size_t capacity,
                          const uint16_t *source, size_t start, size_t end)
{
    size_t length = end - start;
    if (length == 0 || (length == 1 && source[start] == '.'))
        return true;
    if (length == 2 && source[start] == '.' && source[start + 1] == '.') {
        if (*used <= root)
            return false;                        /* above the root */
        size_t i = *used - 1;                    /* drop the last component and its '\' */
        while (i > root && out[i - 1] != '\\')
            i--;
        *used = i > root ? i - 1 : root;         /* without the separator before it */
        return true;
    }
    if (*used > root) {
        if (*used >= capacity)
            return false;
        out[(*used)++] = '\\';
    }
    if (length > capacity - *used)
        return false;
    for (size_t i = 0; i < length; i++)
        out[*used + i] = source[start + i];
    *used += length;
    return true;
}

static bool add_components(uint16_t *out, size_t *used, size_t root, size_t capacity,
                           const uint16_t *source, size_t from, size_t to)
{
    size_t start = from;
    for (size_t i = from; i <= to; i++) {
        if (i == to || is_separator(source[i])) {
            if (!add_component(out, used, root, capacity, source, start, i))
                return false;
            start = i + 1;
        }
    }
    return true;
}

size_t path_resolve_against(const uint16_t *base, size_t base_length, const uint16_t *relative,
                            size_t relative_length, uint16_t *out, size_t capacity)
{
    size_t root = path_root_length(base, base_length), folder_end = base_length, used;
    if (root == 0 || root > capacity)
        return 0;
    for (used = 0; used < root; used++)
        out[used] = is_separator(base[used]) ? '\\' : base[used];
    while (folder_end > root && !is_separator(base[folder_end - 1]))
        folder_end--;
    if (!add_components(out, &used, root, capacity, base, root, folder_end) ||
            !add_components(out, &used, root, capacity, relative, 0, relative_length))
        return 0;
    return used;
}
