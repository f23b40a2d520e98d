/* A differencing disk and its parents: found through the caller's opener, each parent's
 * unique id checked against its child's header, loops (same unique id or same file twice)
 * and the depth bounded; sectors read through the chain. */
#include "vhd_reader_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chain_level {
    vhd_image *image;
    vhd_parent_file file;           /* level 0: the caller's, never closed here */
    const char *name;
    vhd_file_identity identity;
};

struct vhd_chain {
    const vhd_parent_opener *opener;
    void *(*allocate)(size_t size);
    void (*release)(void *block);
    unsigned depth;
    struct chain_level levels[VHD_CHAIN_MAX_DEPTH];
};

/* The candidates, in the order they are tried: relative locators first (they survive moving
 * the chain together), then absolute ones, then the name in the header. */
static const uint32_t candidate_order[] = {
    VHD_PLATFORM_W2RU, VHD_PLATFORM_WI2R, VHD_PLATFORM_W2KU, VHD_PLATFORM_WI2K,
    VHD_PLATFORM_MACX,
};

static const char *platform_name(uint32_t code)
{
    switch (code) {
    case VHD_PLATFORM_W2RU: return "W2ru";
    case VHD_PLATFORM_WI2R: return "Wi2r";
    case VHD_PLATFORM_W2KU: return "W2ku";
    case VHD_PLATFORM_WI2K: return "Wi2k";
    case VHD_PLATFORM_MACX: return "MacX";
    }
    return "parent name";
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

static void close_level(vhd_chain *chain, unsigned level)
{
    struct chain_level *l = &chain->levels[level];
    vhd_image_close(l->image);
    l->image = NULL;
    if (level > 0 && chain->opener != NULL && chain->opener->close != NULL)
        chain->opener->close(chain->opener->ctx, &l->file);
}

/* Tries one candidate as the parent of the chain's last image. */
static vhd_reader_code try_candidate(vhd_chain *chain, const vhd_parent_candidate *candidate,
                                     const vhd_reader_options *options, vhd_reader_error *error)
{
    const vhd_parent_opener *opener = chain->opener;
    struct chain_level *child = &chain->levels[chain->depth - 1];
    struct chain_level *parent = &chain->levels[chain->depth];
    const vhd_image_info *child_info = vhd_image_get_info(child->image);
    char id[37];

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
        code = vhd_image_open(&parent->image, parent->file.io, options, &inner);
        if (code == VHD_READER_NO_MEMORY)
            code = vhd_reader_fail(error, code, "%s", inner.reason);
        else if (code != VHD_READER_OK)
            code = vhd_reader_fail(error, VHD_READER_PARENT_INVALID, "the parent %s is not a "
                                   "valid VHD: %s", parent->name, inner.reason);
    }
    if (code == VHD_READER_OK) {
        const vhd_image_info *info = vhd_image_get_info(parent->image);
        if (memcmp(info->footer.unique_id, child_info->header.parent_unique_id, 16) != 0) {
            char want[37];
            vhd_unique_id_format(info->footer.unique_id, id);
            vhd_unique_id_format(child_info->header.parent_unique_id, want);
            code = vhd_reader_fail(error, VHD_READER_PARENT_ID_MISMATCH,
                                   "the parent %s has unique id %s, but %s expects %s",
                                   parent->name, id, child->name, want);
        }
        for (unsigned i = 0; i < chain->depth && code == VHD_READER_OK; i++) {
            const vhd_image_info *earlier = vhd_image_get_info(chain->levels[i].image);
            if (memcmp(info->footer.unique_id, earlier->footer.unique_id, 16) == 0) {
                vhd_unique_id_format(info->footer.unique_id, id);
                code = vhd_reader_fail(error, VHD_READER_CHAIN_LOOP,
                                       "the chain of parent disks loops: %s has the unique id %s "
                                       "of %s", parent->name, id, chain->levels[i].name);
            }
        }
        if (code == VHD_READER_OK && info->footer.current_size != child_info->footer.current_size)
            code = vhd_reader_fail(error, VHD_READER_PARENT_SIZE_MISMATCH,
                                   "the parent %s holds %llu bytes but its child %s %llu",
                                   parent->name, (unsigned long long)info->footer.current_size,
                                   child->name,
                                   (unsigned long long)child_info->footer.current_size);
    }
    if (code != VHD_READER_OK) {
        vhd_image_close(parent->image);
        parent->image = NULL;
        if (opener->close != NULL)
            opener->close(opener->ctx, &parent->file);
        return code;
    }
    chain->depth++;
    return VHD_READER_OK;
}

/* Finds and opens the parent of the chain's last image. */
static vhd_reader_code add_parent(vhd_chain *chain, const vhd_reader_options *options,
                                  vhd_reader_error *error)
{
    const struct chain_level *child = &chain->levels[chain->depth - 1];
    const vhd_image_info *info = vhd_image_get_info(child->image);
    vhd_reader_error attempt, worst;
    char tried[160] = "";
    size_t tried_len = 0;
    bool any = false;

    if (chain->depth >= VHD_CHAIN_MAX_DEPTH)
        return vhd_reader_fail(error, VHD_READER_CHAIN_TOO_DEEP,
                               "the chain of differencing disks is longer than %u disks",
                               VHD_CHAIN_MAX_DEPTH);
    if (chain->opener == NULL || chain->opener->open == NULL)
        return vhd_reader_fail(error, VHD_READER_PARENT_NOT_FOUND,
                               "the parent of %s cannot be looked for", child->name);
    vhd_reader_clear(&worst);
    for (size_t k = 0; k <= sizeof candidate_order / sizeof candidate_order[0]; k++) {
        for (unsigned i = 0; i < VHD_PARENT_LOCATOR_COUNT; i++) {
            vhd_parent_candidate candidate;
            if (k < sizeof candidate_order / sizeof candidate_order[0]) {
                if (i >= info->locator_count || info->locators[i].platform_code != candidate_order[k]
                    || info->locators[i].path == NULL || info->locators[i].path[0] == '\0')
                    continue;
                candidate.platform_code = candidate_order[k];
                candidate.path = info->locators[i].path;
            } else {
                if (i > 0 || info->parent_name == NULL || info->parent_name[0] == '\0')
                    continue;
                candidate.platform_code = VHD_PLATFORM_UNICODE_NAME;
                candidate.path = info->parent_name;
            }
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
                tried_len += (size_t)snprintf(tried + tried_len, sizeof tried - tried_len, "%s%s",
                                              tried_len ? ", " : "", candidate.path);
        }
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

vhd_reader_code vhd_chain_open(vhd_chain **result, vhd_io *io, const char *name,
                               const vhd_file_identity *identity,
                               const vhd_parent_opener *opener,
                               const vhd_reader_options *options, vhd_reader_error *error)
{
    vhd_reader_code code;
    vhd_chain *chain;

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

    code = vhd_image_open(&chain->levels[0].image, io, options, error);
    if (code != VHD_READER_OK)
        goto fail;
    chain->depth = 1;
    for (;;) {
        const vhd_image_info *info = vhd_image_get_info(chain->levels[chain->depth - 1].image);
        if (info->footer.disk_type != VHD_DISK_TYPE_DIFFERENCING)
            break;
        if ((code = add_parent(chain, options, error)) != VHD_READER_OK)
            goto fail;
    }
    *result = chain;
    return VHD_READER_OK;

fail:
    vhd_chain_close(chain);
    return code;
}

void vhd_chain_close(vhd_chain *chain)
{
    if (chain == NULL)
        return;
    while (chain->depth > 0)
        close_level(chain, --chain->depth);
    vhd_image_close(chain->levels[0].image);   /* opened but never counted */
    chain->release(chain);
}

unsigned vhd_chain_depth(const vhd_chain *chain)
{
    return chain->depth;
}

vhd_image *vhd_chain_image(const vhd_chain *chain, unsigned level)
{
    return level < chain->depth ? chain->levels[level].image : NULL;
}

const char *vhd_chain_name(const vhd_chain *chain, unsigned level)
{
    return level < chain->depth ? chain->levels[level].name : NULL;
}

static vhd_reader_code read_level(vhd_chain *chain, unsigned level, uint64_t lba, uint32_t count,
                                  uint8_t *out, vhd_reader_error *error)
{
    vhd_image *image = chain->levels[level].image;
    while (count > 0) {
        vhd_extent extent;
        vhd_reader_code code = vhd_image_map(image, lba, count, &extent, error);
        if (code != VHD_READER_OK)
            return code;
        size_t bytes = (size_t)extent.sectors * VHD_SECTOR_SIZE;
        bool differencing = vhd_image_get_info(image)->footer.disk_type
            == VHD_DISK_TYPE_DIFFERENCING;
        if (extent.present) {
            vhd_io *io = vhd_image_io(image);
            vhd_status status = io->read_at(io, extent.file_offset, out, bytes);
            if (status != VHD_OK)
                return vhd_reader_fail_io(error, io, status, "disk data", extent.file_offset);
        } else if (differencing && level + 1 < chain->depth) {
            code = read_level(chain, level + 1, lba, extent.sectors, out, error);
            if (code != VHD_READER_OK)
                return code;
        } else {
            memset(out, 0, bytes);
        }
        out += bytes;
        lba += extent.sectors;
        count -= extent.sectors;
    }
    return VHD_READER_OK;
}

vhd_reader_code vhd_chain_read_sectors(vhd_chain *chain, uint64_t lba, uint32_t count,
                                       void *buf, vhd_reader_error *error)
{
    uint64_t total = vhd_image_get_info(chain->levels[0].image)->footer.current_size
        / VHD_SECTOR_SIZE;
    vhd_reader_clear(error);
    if (lba > total || count > total - lba)
        return vhd_reader_fail(error, VHD_READER_OUT_OF_RANGE,
                               "sectors %llu to %llu are beyond the disk's %llu sectors",
                               (unsigned long long)lba, (unsigned long long)lba + count,
                               (unsigned long long)total);
    return read_level(chain, 0, lba, count, buf, error);
}
