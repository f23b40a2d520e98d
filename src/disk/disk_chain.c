/* A disk and its parents, of any format (disk_chain.h). */
#include "disk_chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "disk_error.h"

struct chain_level {
    disk_image *image;
    vhd_parent_file file;           /* level 0: the caller's, never closed here */
    const char *name;
    vhd_file_identity identity;
};

struct disk_chain {
    const vhd_parent_opener *opener;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    unsigned depth;
    struct chain_level levels[DISK_CHAIN_MAX_DEPTH];
};

static const char *platform_name(uint32_t code)
{
    switch (code) {
    case VHD_PLATFORM_W2RU: return "W2ru";
    case VHD_PLATFORM_WI2R: return "Wi2r";
    case VHD_PLATFORM_W2KU: return "W2ku";
    case VHD_PLATFORM_WI2K: return "Wi2k";
    case VHD_PLATFORM_MACX: return "MacX";
    case VHD_PLATFORM_UNICODE_NAME: return "parent name";
    }
    return "locator";
}

/* How bad a failed candidate is: the worst one is reported when none works. */
static int severity(vhd_reader_code code)
{
    switch (code) {
    case VHD_READER_CHAIN_LOOP:           return 6;
    case VHD_READER_CHAIN_TOO_DEEP:       return 5;
    case VHD_READER_PARENT_ID_MISMATCH:   return 4;
    case VHD_READER_PARENT_SIZE_MISMATCH: return 3;
    case VHD_READER_PARENT_INVALID:       return 2;
    case VHD_READER_NO_MEMORY:            return 7;
    default:                              return 1;
    }
}

static bool same_file(const vhd_file_identity *a, const vhd_file_identity *b)
{
    return a->known && b->known && a->volume == b->volume && a->file == b->file;
}

static void close_level(disk_chain *chain, unsigned level)
{
    struct chain_level *l = &chain->levels[level];
    disk_image_close(l->image);
    l->image = NULL;
    if (level > 0 && chain->opener != NULL && chain->opener->close != NULL)
        chain->opener->close(chain->opener->ctx, &l->file);
}

/* Tries one candidate as the parent of the chain's last image. */
static vhd_reader_code try_candidate(disk_chain *chain, const vhd_parent_candidate *candidate,
                                     const vhd_reader_options *options, vhd_reader_error *error)
{
    const vhd_parent_opener *opener = chain->opener;
    struct chain_level *child = &chain->levels[chain->depth - 1];
    struct chain_level *parent = &chain->levels[chain->depth];
    const disk_info *child_info = disk_image_info(child->image);
    memset(parent, 0, sizeof *parent);
    vhd_status status = opener->open(opener->ctx, child->name, candidate, &parent->file);
    if (status == VHD_E_NO_MEMORY)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory opening a parent");
    if (status != VHD_OK)
        return vhd_reader_fail(error, VHD_READER_PARENT_NOT_FOUND,
                               "the parent %s (%s) could not be opened: %s", candidate->path,
                               platform_name(candidate->platform_code), vhd_status_message(status));
    parent->name = parent->file.name != NULL ? parent->file.name : candidate->path;
    parent->identity = parent->file.identity;

    vhd_reader_code code = VHD_READER_OK;
    for (unsigned i = 0; i < chain->depth && code == VHD_READER_OK; i++) {
        if (same_file(&parent->identity, &chain->levels[i].identity))
            code = vhd_reader_fail(error, VHD_READER_CHAIN_LOOP,
                                   "the parent %s of %s is the file %s again", candidate->path,
                                   child->name, chain->levels[i].name);
    }
    if (code == VHD_READER_OK) {
        vhd_reader_error inner;
        code = disk_image_open(&parent->image, parent->file.io, options, &inner);
        if (code == VHD_READER_NO_MEMORY)
            code = vhd_reader_fail(error, code, "%s", inner.reason);
        else if (code != VHD_READER_OK)
            code = vhd_reader_fail(error, VHD_READER_PARENT_INVALID, "the parent %s is not a "
                                   "valid %s: %s", parent->name,
                                   disk_format_name(child_info->format), inner.reason);
    }
    if (code == VHD_READER_OK) {
        const disk_image_class *class = disk_image_class_of(child->image);
        const disk_info *info = disk_image_info(parent->image);
        if (disk_image_class_of(parent->image) != class)
            code = vhd_reader_fail(error, VHD_READER_PARENT_INVALID,
                                   "the parent %s is a %s, but its child %s is a %s: a "
                                   "differencing disk's parent is of its own format",
                                   parent->name, disk_format_name(info->format), child->name,
                                   disk_format_name(child_info->format));
        else
            code = class->check_parent(disk_image_impl(child->image), child->name,
                                       disk_image_impl(parent->image), parent->name, error);
        for (unsigned i = 0; i < chain->depth && code == VHD_READER_OK; i++) {
            if (memcmp(info->id, disk_image_info(chain->levels[i].image)->id, 16) == 0)
                code = vhd_reader_fail(error, VHD_READER_CHAIN_LOOP,
                                       "the chain of parent disks loops: %s is the disk %s "
                                       "again", parent->name, chain->levels[i].name);
        }
        /* A VHDX child may have grown past its parent (Windows expands a differencing VHDX;
         * vsdisk resize too): what lies past the parent's end reads as zeros (read_level). */
        if (code == VHD_READER_OK && info->size != child_info->size
            && !(child_info->format == DISK_FORMAT_VHDX && info->size < child_info->size))
            code = vhd_reader_fail(error, VHD_READER_PARENT_SIZE_MISMATCH,
                                   "the parent %s holds %llu bytes but its child %s %llu",
                                   parent->name, (unsigned long long)info->size,
                                   child->name, (unsigned long long)child_info->size);
    }
    if (code != VHD_READER_OK) {
        disk_image_close(parent->image);
        parent->image = NULL;
        if (opener->close != NULL)
            opener->close(opener->ctx, &parent->file);
        return code;
    }
    chain->depth++;
    return VHD_READER_OK;
}

/* Finds and opens the parent of the chain's last image. */
static vhd_reader_code add_parent(disk_chain *chain, const vhd_reader_options *options,
                                  vhd_reader_error *error)
{
    const struct chain_level *child = &chain->levels[chain->depth - 1];
    const disk_image_class *class = disk_image_class_of(child->image);
    vhd_reader_error attempt, worst;
    vhd_parent_candidate candidate;
    char tried[200] = "";
    size_t tried_len = 0;
    bool any = false;

    if (chain->depth >= DISK_CHAIN_MAX_DEPTH)
        return vhd_reader_fail(error, VHD_READER_CHAIN_TOO_DEEP,
                               "the chain of differencing disks is longer than %u disks",
                               DISK_CHAIN_MAX_DEPTH);
    if (chain->opener == NULL || chain->opener->open == NULL)
        return vhd_reader_fail(error, VHD_READER_PARENT_NOT_FOUND,
                               "the parent of %s cannot be looked for", child->name);
    vhd_reader_clear(&worst);
    for (unsigned n = 0; class->parent_candidate(disk_image_impl(child->image), n, &candidate); n++) {
        any = true;
        vhd_reader_code code = try_candidate(chain, &candidate, options, &attempt);
        if (code == VHD_READER_OK)
            return VHD_READER_OK;
        if (code == VHD_READER_NO_MEMORY) {
            *error = attempt;
            return code;
        }
        if (worst.code == VHD_READER_OK || severity(code) > severity(worst.code))
            worst = attempt;
        if (tried_len < sizeof tried)
            tried_len += (size_t)snprintf(tried + tried_len, sizeof tried - tried_len,
                                          "%s%s (%s)", tried_len ? ", " : "", candidate.path,
                                          platform_name(candidate.platform_code));
    }
    if (!any)
        return vhd_reader_fail(error, VHD_READER_PARENT_NOT_FOUND,
                               "the differencing disk %s names no parent (no locator, no name)",
                               child->name);
    if (worst.code == VHD_READER_PARENT_NOT_FOUND)
        return vhd_reader_fail(error, VHD_READER_PARENT_NOT_FOUND,
                               "the parent of %s was not found (tried %s)", child->name, tried);
    *error = worst;
    return worst.code;
}

vhd_reader_code disk_chain_open(disk_chain **result, vhd_io *io, const char *name,
                               const vhd_file_identity *identity,
                               const vhd_parent_opener *opener,
                               const vhd_reader_options *options, vhd_reader_error *error)
{
    return disk_chain_open_levels(result, io, name, identity, opener, options,
                                  DISK_CHAIN_MAX_DEPTH + 1, error);
}

static vhd_reader_code open_chain(disk_chain **result, const disk_image_class *class, vhd_io *io,
                                  const char *name, const vhd_file_identity *identity,
                                  const vhd_parent_opener *opener,
                                  const vhd_reader_options *options, unsigned max_depth,
                                  vhd_reader_error *error)
{
    vhd_reader_code code;
    disk_chain *chain;

    vhd_reader_clear(error);
    *result = NULL;
    void *(*allocate)(size_t) = options && options->allocate ? options->allocate : malloc;
    chain = allocate(sizeof *chain);
    if (chain == NULL)
        return vhd_reader_fail(error, VHD_READER_NO_MEMORY, "out of memory opening the chain");
    memset(chain, 0, sizeof *chain);
    chain->opener = opener;
    chain->allocate = allocate;
    chain->release = options && options->release ? options->release : free;
    chain->levels[0].name = name != NULL ? name : "the disk";
    if (identity != NULL)
        chain->levels[0].identity = *identity;

    chain->levels[0].file.io = io;
    code = class != NULL ? disk_image_open_as(&chain->levels[0].image, class, io, options, error)
                         : disk_image_open(&chain->levels[0].image, io, options, error);
    if (code != VHD_READER_OK)
        goto fail;
    chain->depth = 1;
    for (;;) {
        const disk_info *info = disk_image_info(chain->levels[chain->depth - 1].image);
        if (info->kind != DISK_KIND_DIFFERENCING || chain->depth >= max_depth)
            break;
        if ((code = add_parent(chain, options, error)) != VHD_READER_OK)
            goto fail;
    }
    *result = chain;
    return VHD_READER_OK;

fail:
    disk_chain_close(chain);
    return code;
}

vhd_reader_code disk_chain_open_levels(disk_chain **result, vhd_io *io, const char *name,
                                      const vhd_file_identity *identity,
                                      const vhd_parent_opener *opener,
                                      const vhd_reader_options *options, unsigned max_depth,
                                      vhd_reader_error *error)
{
    return open_chain(result, NULL, io, name, identity, opener, options, max_depth, error);
}

vhd_reader_code disk_chain_open_as(disk_chain **result, const disk_image_class *class, vhd_io *io,
                                   const char *name, const vhd_file_identity *identity,
                                   const vhd_reader_options *options, vhd_reader_error *error)
{
    return open_chain(result, class, io, name, identity, NULL, options, 1, error);
}

void disk_chain_close(disk_chain *chain)
{
    if (chain == NULL)
        return;
    while (chain->depth > 0)
        close_level(chain, --chain->depth);
    disk_image_close(chain->levels[0].image);   /* opened but never counted */
    chain->release(chain);
}

unsigned disk_chain_depth(const disk_chain *chain)
{
    return chain->depth;
}

disk_image *disk_chain_image(const disk_chain *chain, unsigned level)
{
    return level < chain->depth ? chain->levels[level].image : NULL;
}

vhd_io *disk_chain_file(const disk_chain *chain, unsigned level)
{
    return level < chain->depth ? chain->levels[level].file.io : NULL;
}

const char *disk_chain_name(const disk_chain *chain, unsigned level)
{
    return level < chain->depth ? chain->levels[level].name : NULL;
}

/* The levels from one on, each read through its own parent. */
struct level_reader {
    disk_chain *chain;
    unsigned level;
};

static vhd_reader_code read_level(void *ctx, uint64_t lba, uint32_t count, uint8_t *out,
                                  vhd_reader_error *error)
{
    const struct level_reader *at = ctx;
    struct level_reader next = { at->chain, at->level + 1 };
    disk_image *image = at->chain->levels[at->level].image;
    /* Sectors past the end of a parent smaller than its child (a grown VHDX child) are
     * zeros, never the parent's. */
    uint64_t total = disk_image_info(image)->size / DISK_SECTOR_SIZE;
    if (at->level > 0 && lba + count > total) {
        uint32_t inside = lba < total ? (uint32_t)(total - lba) : 0;
        memset(out + (size_t)inside * DISK_SECTOR_SIZE, 0,
               (size_t)(count - inside) * DISK_SECTOR_SIZE);
        if (inside == 0)
            return VHD_READER_OK;
        count = inside;
    }
    return disk_image_read_through(image, lba, count, out,
                                   next.level < at->chain->depth ? read_level : NULL, &next,
                                   error);
}

vhd_reader_code disk_chain_read_sectors(disk_chain *chain, uint64_t lba, uint32_t count,
                                        void *buf, vhd_reader_error *error)
{
    struct level_reader top = { chain, 0 };
    return read_level(&top, lba, count, buf, error);
}
