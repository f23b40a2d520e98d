/* libFuzzer target: the VHD reader on whole small images. Each input is opened as an image
 * and as a chain whose every parent is the input again (so the parent checks, the unique id
 * and loop checks and the chain read run too); what opens is read at its first and last
 * sectors and checked (vsdisk check's VHD part). Besides the sanitizers' checks, the reader is
 * held to what it promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disk_chain.h"
#include "memory_io.h"
#include "vhd_check.h"
#include "vhd_disk.h"
#include "vhd_reader.h"

static void expect(int condition)
{
    if (!condition)
        abort();
}

struct input {
    const uint8_t *data;
    size_t size;
    unsigned opens, closes;
};

static vhd_status open_input(void *ctx, const char *child_name,
                             const vhd_parent_candidate *candidate, vhd_parent_file *file)
{
    struct input *in = ctx;
    (void)child_name;
    expect(candidate->path != NULL && candidate->path[0] != '\0');
    struct memory_io *mem = malloc(sizeof *mem);
    if (mem == NULL || !memory_io_init_with(mem, in->data, in->size)) {
        free(mem);
        return VHD_E_NO_MEMORY;
    }
    mem->io.open(&mem->io, VHD_IO_OPEN_READ);
    file->io = &mem->io;
    file->name = "parent";
    file->identity.known = false;
    file->handle = mem;
    in->opens++;
    return VHD_OK;
}

static void close_input(void *ctx, vhd_parent_file *file)
{
    struct input *in = ctx;
    struct memory_io *mem = file->handle;
    memory_io_free(mem);
    free(mem);
    in->closes++;
}

static void check_error(vhd_reader_code code, const vhd_reader_error *error)
{
    expect(error->code == code);
    expect(strlen(error->reason) > 0 && strlen(error->reason) < sizeof error->reason);
    expect(vhd_reader_code_name(code) != NULL);
}

static void read_ends(vhd_image *image, disk_chain *chain)
{
    static uint8_t buf[64 * 512];
    vhd_reader_error error;
    const vhd_image_info *info = vhd_image_get_info(image);
    uint64_t total = info->footer.current_size / 512;
    uint32_t n = total < 64 ? (uint32_t)total : 64;
    vhd_reader_code code;
    code = chain ? disk_chain_read_sectors(chain, 0, n, buf, &error)
                 : vhd_image_read_sectors(image, 0, n, buf, &error);
    if (code != VHD_READER_OK)
        check_error(code, &error);
    code = chain ? disk_chain_read_sectors(chain, total - n, n, buf, &error)
                 : vhd_image_read_sectors(image, total - n, n, buf, &error);
    if (code != VHD_READER_OK)
        check_error(code, &error);
    code = chain ? disk_chain_read_sectors(chain, total, 1, buf, &error)
                 : vhd_image_read_sectors(image, total, 1, buf, &error);
    expect(code == VHD_READER_OUT_OF_RANGE);
}

/* Each problem the check names: a name, a sentence, a kind, a place inside the file. */
static void check_problem(void *ctx, const disk_problem *problem)
{
    uint64_t file_size = *(const uint64_t *)ctx;
    expect(problem->name != NULL && problem->meaning[0] != '\0');
    expect(problem->kind == DISK_PROBLEM_CORRUPTION || problem->kind == DISK_PROBLEM_LEAK
           || problem->kind == DISK_PROBLEM_WARNING);
    expect(problem->offset == DISK_PROBLEM_NOWHERE || problem->offset <= file_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size, 0, 0 };
    struct memory_io mem;
    vhd_reader_error error;
    vhd_image *image;
    disk_chain *chain;

    if (!memory_io_init_with(&mem, data, size))
        return 0;
    mem.io.open(&mem.io, VHD_IO_OPEN_READ);

    vhd_reader_code code = vhd_image_open(&image, &mem.io, NULL, &error);
    if (code == VHD_READER_OK) {
        const vhd_image_info *info = vhd_image_get_info(image);
        uint32_t type = info->footer.disk_type;
        expect(type == 2 || type == 3 || type == 4);
        expect(info->footer.current_size > 0 && info->footer.current_size % 512 == 0);
        if (type == 2) {
            expect(info->footer.current_size <= size);
        } else {
            expect((uint64_t)info->blocks * info->header.block_size >= info->footer.current_size);
            expect(info->allocated_blocks <= info->blocks);
            expect(info->blocks <= info->header.max_table_entries);
            expect((uint64_t)info->header.max_table_entries * 4 <= size);
        }
        for (unsigned i = 0; i < info->locator_count; i++)
            expect(info->locators[i].platform_data_length <= VHD_READER_LOCATOR_MAX_BYTES);
        read_ends(image, NULL);
        uint64_t file_size = size;
        vhd_reader_error check_error;
        expect(vhd_check_image(image, check_problem, &file_size, &check_error) == VHD_READER_OK);
        vhd_image_close(image);
    } else {
        expect(image == NULL);
        check_error(code, &error);
        expect(vhd_reader_code_is_invalid_file(code) || code == VHD_READER_NO_MEMORY);
    }

    vhd_parent_opener opener = { open_input, close_input, &in };
    code = disk_chain_open(&chain, &mem.io, "child", NULL, &opener, NULL, &error);
    if (code == VHD_READER_OK) {
        expect(disk_chain_depth(chain) >= 1 && disk_chain_depth(chain) <= DISK_CHAIN_MAX_DEPTH);
        read_ends(vhd_disk_image(disk_chain_image(chain, 0)), chain);
        disk_chain_close(chain);
    } else {
        expect(chain == NULL);
        check_error(code, &error);
    }
    expect(in.opens == in.closes);
    memory_io_free(&mem);
    return 0;
}
