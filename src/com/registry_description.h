/* Reads registry/vsdisk.registry, the one description of what registration writes.
 * The DLL applies it; the registration test checks the registry against it. */
#ifndef VSDISK_REGISTRY_DESCRIPTION_H
#define VSDISK_REGISTRY_DESCRIPTION_H

#include <windows.h>

enum registry_line_kind {
    REGISTRY_TREE,
    REGISTRY_TREE_IF_OURS,
    REGISTRY_VALUE
};

struct registry_line {
    enum registry_line_kind kind;
    WCHAR *key;             /* relative to ...\Software\Classes */
    WCHAR *name;            /* value name; NULL for the default value */
    WCHAR *data;
};

struct registry_description {
    struct registry_line *lines;
    size_t count;
};

/* Parses the description (ASCII text) and expands its GUID names and $MODULE / $MODULE_DIR. */
HRESULT registry_description_parse(const char *text, size_t size, const WCHAR *module_path,
                                   struct registry_description *out);
void registry_description_free(struct registry_description *description);

/* TRUE if key is tree or lies below it. */
BOOL registry_key_within(const WCHAR *key, const WCHAR *tree);

/* TRUE if key exists under root. */
BOOL registry_key_exists(HKEY root, const WCHAR *key);

/* The value registration writes at the top of each tree-if-ours key it takes. */
#define REGISTRY_OWNER_VALUE L"VsDiskOwner"

enum registry_owner { REGISTRY_KEY_ABSENT, REGISTRY_KEY_OURS, REGISTRY_KEY_FOREIGN };

/* Whose a tree-if-ours key under root is: absent, ours (it holds REGISTRY_OWNER_VALUE) or
 * another product's. */
enum registry_owner registry_key_owner(HKEY root, const WCHAR *key);

#endif
