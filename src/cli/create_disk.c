#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64

#include "create_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "create_parent.h"
#include "vhd_create.h"
#include "vhd_create_differencing.h"
#include "vhd_create_fixed.h"
#include "vhd_io_posix.h"

/* A small buffer keeps peak memory the same for every disk size. */
#define VHDCREATE_BUFFER_MAX (64u * 1024)
#define MB (1024u * 1024u)

static volatile sig_atomic_t interrupted;

static void on_signal(int signo)
{
    (void)signo;
    interrupted = 1;
}

static bool creation_cancelled(void *ctx)
{
    (void)ctx;
    return interrupted != 0;
}

/* Interrupts cancel the creation, which then removes the file. */
static void catch_interrupts(void)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &action, NULL);
}

static bool read_urandom(uint8_t *buf, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    return done == len;
}

static bool random_bytes(uint8_t *buf, size_t len)
{
#ifdef HAVE_GETRANDOM
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return read_urandom(buf, len);   /* e.g. ENOSYS on an old kernel */
        done += (size_t)n;
    }
    return true;
#else
    return read_urandom(buf, len);
#endif
}

static const char *prog = "vhdcreate";

static int fail(const char *path, const char *reason, int error)
{
    if (error != 0)
        fprintf(stderr, "%s: %s: %s (%s)\n", prog, path, reason, strerror(error));
    else
        fprintf(stderr, "%s: %s: %s\n", prog, path, reason);
    return EXIT_CREATION_FAILED;
}

/* Free bytes for an unprivileged writer in the folder that will hold path; false if unknown. */
static bool free_space(const char *path, uint64_t *bytes)
{
    const char *slash = strrchr(path, '/');
    char *folder = slash == NULL ? strdup(".") : slash == path ? strdup("/")
                                               : strndup(path, (size_t)(slash - path));
    struct statvfs info;
    bool known = folder != NULL && statvfs(folder, &info) == 0;
    free(folder);
    if (known)
        *bytes = (uint64_t)info.f_bavail * info.f_frsize;
    return known;
}

int create_disk(const char *name, const struct create_options *options)
{
    const char *path = options->path;
    struct create_parent parent;
    prog = name;
    uint8_t random[16];
    vhd_status status;

    if (options->kind == DISK_DIFFERENCING) {
        char reason[256];
        int error;
        status = create_parent_load(path, options->parent, &parent, reason, sizeof reason, &error);
        if (status == VHD_OK)
            status = vhd_validate_parent(&parent.facts);
        if (status == VHD_E_INVALID_SIZE)
            return fail(options->parent, "the parent's size is outside 3 MiB .. 2040 GiB, the "
                        "sizes a differencing disk can have", 0);
        if (status != VHD_OK)
            return fail(parent.parent_at_fault ? options->parent : path, reason, error);
    }

    if (!random_bytes(random, sizeof random))
        return fail(path, "no random numbers for the disk's unique id", errno);
    vhd_create_options create = {
        .size_bytes = (uint64_t)options->size_mb * MB,
        .timestamp = vhd_timestamp_from_unix((int64_t)time(NULL)),
        .cancelled = creation_cancelled,
        .buffer_max = VHDCREATE_BUFFER_MAX,
    };
    vhd_unique_id_from_random(create.unique_id, random);

    /* A fixed disk needs its whole size now: refuse before writing anything. */
    uint64_t available;
    if (options->kind == DISK_FIXED && free_space(path, &available) &&
            available < vhd_fixed_file_size(create.size_bytes))
        return fail(path, vhd_status_message(VHD_E_NO_SPACE), ENOSPC);

    catch_interrupts();
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    switch (options->kind) {
    case DISK_FIXED:
        status = vhd_create_fixed(&file.io, &create);
        break;
    case DISK_DIFFERENCING:
        status = vhd_create_differencing(&file.io, &create, &parent.facts);
        break;
    default:
        status = vhd_create_dynamic(&file.io, &create);
        break;
    }
    if (status == VHD_E_CANCELLED)
        return fail(path, "interrupted; nothing was created", 0);
    if (status != VHD_OK)
        return fail(path, vhd_status_message(status), file.io.os_error);
    return EXIT_CREATED;
}
