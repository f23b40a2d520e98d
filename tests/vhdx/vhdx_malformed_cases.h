/* The table of malformed VHDX files (vhdx_malformed_cases.c). */
#ifndef VHDX_MALFORMED_CASES_H
#define VHDX_MALFORMED_CASES_H

#include <stddef.h>
#include "vhdx_builder.h"
#include "vhdx_reader.h"

enum vhdx_malformed_base {
    VHDX_MALFORMED_DYNAMIC,
    VHDX_MALFORMED_FIXED,
    VHDX_MALFORMED_DIFFERENCING
};

struct vhdx_malformed_case {
    const char *name;
    enum vhdx_malformed_base base;
    void (*mutate)(struct vhdx_built *m);
    vhdx_reader_code code;      /* what the reader answers */
    const char *words;          /* in the reason */
};

extern const struct vhdx_malformed_case vhdx_malformed_cases[];
extern const size_t vhdx_malformed_case_count;

/* The case of that name, or NULL. */
const struct vhdx_malformed_case *vhdx_malformed_case_named(const char *name);
/* A valid image of that kind (two present blocks; a child with a partial block). */
void vhdx_malformed_build_base(enum vhdx_malformed_base base, struct vhdx_built *m);
/* The case's file: its base, mutated. Free with vhdx_builder_free. */
void vhdx_malformed_build(const struct vhdx_malformed_case *c, struct vhdx_built *m);

#endif
