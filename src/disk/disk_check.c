/* disk_check: the disk, then each parent the chain finds, each checked by its format's room;
 * a refusal by a reader or a parent that cannot be used is one problem of the file named. */
#include "disk_check.h"

#include <string.h>

#include "disk_chain.h"
#include "disk_error.h"
#include "disk_parent_path.h"

struct check_state {
    disk_check_sink sink;
    void *ctx;
    const char *file;               /* the file the problems being reported are in */
    disk_check_counts *counts;
};

static void forward(void *p, const disk_problem *problem)
{
    struct check_state *state = p;
    if (problem->kind == DISK_PROBLEM_CORRUPTION)
        state->counts->corruptions++;
    else if (problem->kind == DISK_PROBLEM_WARNING)
        state->counts->warnings++;
    else
        state->counts->leaks++;
    state->sink(state->ctx, state->file, problem);
}

static bool could_not_finish(vhd_reader_code code)
{
    return code == VHD_READER_IO || code == VHD_READER_NO_MEMORY;
}

static vhd_reader_code check_image(disk_image *image, struct check_state *state,
                                   vhd_reader_error *error)
{
    const disk_image_class *class = disk_image_class_of(image);
    state->counts->images++;
    if (class->check == NULL)
        return VHD_READER_OK;
    return class->check(disk_image_impl(image), forward, state, error);
}

/* A short name for why the chain could not be opened. */
static const char *chain_problem_name(vhd_reader_code code)
{
    switch (code) {
    case VHD_READER_PARENT_NOT_FOUND:     return "parent-not-found";
    case VHD_READER_PARENT_ID_MISMATCH:   return "parent-id-mismatch";
    case VHD_READER_PARENT_SIZE_MISMATCH: return "parent-size-mismatch";
    case VHD_READER_CHAIN_LOOP:           return "chain-loop";
    case VHD_READER_CHAIN_TOO_DEEP:       return "chain-too-deep";
    default:                              return "parent-not-valid";
    }
}

/* The paths the chain's image at level records for its parent (the next level) that no longer
 * open it: each a warning (the chain found the parent another way, so the disk reads). */
static void check_parent_paths(disk_chain *chain, unsigned level, const vhd_parent_opener *opener,
                               struct check_state *state)
{
    disk_image *child = disk_chain_image(chain, level);
    const disk_image_class *class = disk_image_class_of(child);
    const disk_info *parent = disk_image_info(disk_chain_image(chain, level + 1));
    vhd_parent_candidate candidate;
    for (unsigned n = 0; n < 16 && class->parent_candidate(disk_image_impl(child), n, &candidate);
         n++) {
        if (!disk_parent_path_recorded(&candidate)
            || disk_parent_path_judge(opener, disk_chain_name(chain, level), &candidate,
                                      parent->format, parent->id, NULL, 0)
                   != DISK_PARENT_PATH_STALE)
            continue;
        disk_problem_report(forward, state, DISK_PROBLEM_WARNING, "parent-path-stale",
                            DISK_PROBLEM_NOWHERE, 0, "the parent path %s (%s) no longer opens "
                            "the parent, found at %s: the disk reads correctly, and 'vsdisk "
                            "repair' rewrites the path", candidate.path,
                            candidate.platform_code == VHD_PLATFORM_W2RU ? "relative"
                                                                         : "absolute",
                            disk_chain_name(chain, level + 1));
    }
}

vhd_reader_code disk_check(vhd_io *io, const char *name, const vhd_file_identity *identity,
                           const vhd_parent_opener *opener, disk_check_sink sink, void *ctx,
                           disk_check_counts *counts, vhd_reader_error *error)
{
    struct check_state state = { sink, ctx, name, counts };
    const disk_image_class *class = NULL;
    disk_image *image;

    memset(counts, 0, sizeof *counts);
    vhd_reader_clear(error);
    vhd_reader_code code = disk_image_probe(io, &class, error);
    if (code != VHD_READER_OK)
        return code;
    code = disk_image_open(&image, io, NULL, error);
    if (code != VHD_READER_OK) {
        if (could_not_finish(code))
            return code;
        counts->images++;
        disk_problem_report(forward, &state, DISK_PROBLEM_CORRUPTION, "not-valid",
                            DISK_PROBLEM_NOWHERE, 0, "not a valid %s, no reader opens it: %s",
                            class->name, error->reason);
        vhd_reader_clear(error);
        return VHD_READER_OK;
    }
    code = check_image(image, &state, error);
    if (code == VHD_READER_OK && disk_image_info(image)->kind == DISK_KIND_DIFFERENCING) {
        disk_chain *chain;
        vhd_reader_error chain_error;
        code = disk_chain_open(&chain, io, name, identity, opener, NULL, &chain_error);
        if (code == VHD_READER_OK) {
            for (unsigned level = 0; level < disk_chain_depth(chain) && code == VHD_READER_OK;
                 level++) {
                state.file = disk_chain_name(chain, level);
                if (level > 0)
                    code = check_image(disk_chain_image(chain, level), &state, error);
                if (code == VHD_READER_OK && level + 1 < disk_chain_depth(chain))
                    check_parent_paths(chain, level, opener, &state);
            }
            state.file = name;
            disk_chain_close(chain);
        } else if (could_not_finish(code)) {
            *error = chain_error;
        } else {
            disk_problem_report(forward, &state, DISK_PROBLEM_CORRUPTION,
                                chain_problem_name(code), DISK_PROBLEM_NOWHERE, 0,
                                "its parent cannot be used, so the disk cannot be read: %s",
                                chain_error.reason);
            code = VHD_READER_OK;
        }
    }
    disk_image_close(image);
    return code;
}
