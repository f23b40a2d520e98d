/* "vsdisk create PATH SIZE_MB" (and vhdcreate PATH SIZE_MB): creates a dynamically
 * expanding VHD, as IVMVirtualServer::CreateDynamicVirtualHardDisk does. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "cli.h"
#include "vhd_create.h"

#define VHDCREATE_BUFFER_MAX (64u * 1024)
#include "vhd_io_posix.h"

enum exit_code {
    EXIT_CREATED = CLI_EXIT_OK,
    EXIT_CREATION_FAILED = CLI_EXIT_FAILED,
    EXIT_USAGE = CLI_EXIT_USAGE
};

#define MIN_SIZE_MB 3u
#define MAX_SIZE_MB 2088960u   /* 2040 GiB */
#define MB (1024u * 1024u)

static const char help_usage[] = "Usage: %s PATH SIZE_MB\n";
static const char help_text[] =
    "Creates PATH, a dynamically expanding VHD (Virtual Hard Disk) of SIZE_MB MB, as\n"
    "Virtual Server 2005's CreateDynamicVirtualHardDisk does.\n"
    "\n"
    "  SIZE_MB  a whole number from 3 to 2088960 (2040 GB); 1 MB = 1,048,576 bytes.\n"
    "  PATH     must not exist: a file, folder or link already there (even a dangling\n"
    "           link) is never replaced. Its folder must exist: none is created.\n"
    "\n"
    "The disk holds exactly SIZE_MB x 1,048,576 bytes (original and current size),\n"
    "with the CHS geometry of the VHD specification, 2 MB blocks, and the metadata\n"
    "layout of current Windows (block table padded to 4 KB, first block's data 4 KB\n"
    "aligned). Its creator application is 'vsdk'. The file is complete once the command\n"
    "succeeds; on any failure or interruption nothing is left behind.\n"
    "\n"
    "qemu sizes disks from creators it does not know by their CHS geometry, slightly\n"
    "smaller below 127.5 GB. Open them at the exact size with the vpc driver's open\n"
    "option force_size_calc=current_size (it is not a qemu-img create -o option):\n"
    "  qemu-img info --image-opts \\\n"
    "      driver=vpc,force_size_calc=current_size,file.filename=PATH\n"
    "The same works for qemu-img convert and qemu-io; -drive takes the same keys.\n"
    "\n"
    "Exit status: 0 created; 1 creation failed or was interrupted (nothing is left\n"
    "behind); 2 bad arguments or size.\n"
    "\n"
    "  -h, --help     show this help\n"
    "      --version  show the version\n";

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

/* A decimal number of MB from MIN_SIZE_MB to MAX_SIZE_MB, digits only. */
static bool parse_size_mb(const char *text, uint32_t *size_mb)
{
    uint32_t value = 0;
    if (*text == '\0')
        return false;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + (uint32_t)(*p - '0');
        if (value > MAX_SIZE_MB)
            return false;
    }
    if (value < MIN_SIZE_MB)
        return false;
    *size_mb = value;
    return true;
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

static int usage_error(const char *message)
{
    fprintf(stderr, "%s: %s; try '%s --help'\n", prog, message, prog);
    return EXIT_USAGE;
}

static int print_help(void)
{
    printf(help_usage, prog);
    fputs(help_text, stdout);
    if (fflush(stdout) != 0)
        return EXIT_CREATION_FAILED;
    return EXIT_CREATED;
}

int cli_create(const char *name, int argc, char **argv)
{
    int first = 1;
    prog = name;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return print_help();
    if (argc == 2 && strcmp(argv[1], "--version") == 0)
        return cli_print_version(prog);
    if (argc > 1 && strcmp(argv[1], "--") == 0)
        first = 2;
    else if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0')
        return usage_error("unknown option");
    if (argc - first != 2)
        return usage_error("expected PATH and SIZE_MB");

    const char *path = argv[first];
    uint32_t size_mb;
    if (!parse_size_mb(argv[first + 1], &size_mb)) {
        fprintf(stderr, "%s: %s: SIZE_MB must be a whole number from %u to %u, not '%s'\n",
                prog, path, MIN_SIZE_MB, MAX_SIZE_MB, argv[first + 1]);
        return EXIT_USAGE;
    }

    uint8_t random[16];
    if (!random_bytes(random, sizeof random))
        return fail(path, "no random numbers for the disk's unique id", errno);

    vhd_create_options options = {
        .size_bytes = (uint64_t)size_mb * MB,
        .timestamp = vhd_timestamp_from_unix((int64_t)time(NULL)),
        .cancelled = creation_cancelled,
        /* A small buffer keeps peak memory the same for every disk size. */
        .buffer_max = VHDCREATE_BUFFER_MAX,
    };
    vhd_unique_id_from_random(options.unique_id, random);

    catch_interrupts();
    struct vhd_io_posix file;
    vhd_io_posix_init(&file, path);
    vhd_status status = vhd_create_dynamic(&file.io, &options);
    if (status == VHD_E_CANCELLED)
        return fail(path, "interrupted; nothing was created", 0);
    if (status != VHD_OK)
        return fail(path, vhd_status_message(status), file.io.os_error);
    return EXIT_CREATED;
}
