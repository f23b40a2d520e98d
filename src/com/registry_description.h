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
    BOOL per_platform;      /* KEY names $TYPELIB_PLATFORM: it belongs to one bitness alone */
};

struct registry_description {
    struct registry_line *lines;
    size_t count;
};

/* Parses the description (ASCII text) and expands its GUID names, $MODULE / $MODULE_DIR and
 * $TYPELIB_PLATFORM (win64 or win32: this build's). */
HRESULT registry_description_parse(const char *text, size_t size, const WCHAR *module_path,
                                   struct registry_description *out);
/* The same for the other bitness's DLL (the tests use it): platform is "win32" or "win64". */
HRESULT registry_description_parse_for(const char *text, size_t size, const WCHAR *module_path,
                                       const WCHAR *platform, struct registry_description *out);

/* The registry view of the other bitness (KEY_WOW64_32KEY or KEY_WOW64_64KEY), or 0 where
 * there is none (32-bit Windows). */
REGSAM registry_other_view(void);

/* TRUE if KEY (under ...\\Software\\Classes) is one key for both bitnesses: on Windows 7 and
 * later, and in Wine, only CLSID, Interface (and a few keys vsdisk does not use) have a key in
 * each view; ProgIDs, TypeLib and AppID are shared. */
BOOL registry_key_shared(const WCHAR *key);

/* TRUE if KEY is written into both registry views (Interface\\{iid}, as RegisterTypeLib does):
 * a client of the other bitness finds the typelib marshaler for a server in dllhost.exe. */
BOOL registry_key_both_views(const WCHAR *key);

/* KEY under hive\\Software\\Classes in the given view (0: this process's; KEY_WOW64_32KEY or
 * KEY_WOW64_64KEY), opened or created by its full path: a key opened relative to a handle of
 * the other view may be redirected back to this process's view. */
LSTATUS registry_open_in_view(HKEY hive, const WCHAR *key, REGSAM access, REGSAM view, BOOL create,
                              HKEY *opened);
/* Deletes KEY and everything below it in the given view, by full paths. */
LSTATUS registry_delete_tree_in_view(HKEY hive, const WCHAR *key, REGSAM view);
void registry_description_free(struct registry_description *description);

/* TRUE if key is tree or lies below it. */
BOOL registry_key_within(const WCHAR *key, const WCHAR *tree);

/* TRUE if key exists under root. */
BOOL registry_key_exists(HKEY root, const WCHAR *key);

/* The value registration writes at the top of each tree-if-ours key it takes. */
/* vsdisk's own CLSID (the class every registration writes, in its own view), in registry form. */
const WCHAR *registry_our_clsid(WCHAR buffer[39]);

#define REGISTRY_OWNER_VALUE L"VsDiskOwner"

enum registry_owner { REGISTRY_KEY_ABSENT, REGISTRY_KEY_OURS, REGISTRY_KEY_FOREIGN };

/* Whose a tree-if-ours key under root is: absent, ours (it holds REGISTRY_OWNER_VALUE) or
 * another product's. */
enum registry_owner registry_key_owner(HKEY root, const WCHAR *key);

#endif
