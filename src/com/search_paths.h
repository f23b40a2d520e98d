/* IVMVirtualServer.SearchPaths: the folders a server object searches for disk files, kept per
 * server object as a SAFEARRAY of BSTR, safe to read and set from any thread. */
#ifndef VSDISK_SEARCH_PATHS_H
#define VSDISK_SEARCH_PATHS_H

#include <windows.h>
#include <ole2.h>

struct search_paths {
    SRWLOCK lock;
    SAFEARRAY *paths;       /* one dimension of BSTR, lower bound 0; NULL when none was set */
};

void search_paths_init(struct search_paths *search_paths);
void search_paths_destroy(struct search_paths *search_paths);

/* get_SearchPaths: a VARIANT holding a copy of the array (VT_ARRAY | VT_BSTR), empty if none. */
HRESULT search_paths_get(struct search_paths *search_paths, VARIANT *out);
/* put_SearchPaths: a string or a one-dimensional array of strings (of BSTR, or of VARIANTs that
 * each hold a string, as script arrays do), by value or by reference; E_INVALIDARG otherwise. */
HRESULT search_paths_put(struct search_paths *search_paths, const VARIANT *value);

/* The validation put_SearchPaths applies, for any member that takes such a list: a new
 * one-dimensional SAFEARRAY of BSTR, lower bound 0. Sets no error information. */
HRESULT search_paths_from_variant(const VARIANT *value, SAFEARRAY **out);

#endif
