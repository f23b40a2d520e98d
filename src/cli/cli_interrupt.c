#define _POSIX_C_SOURCE 200809L

#include "cli_interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

static volatile sig_atomic_t interrupted;

static void on_signal(int signo)
{
    (void)signo;
    interrupted = 1;
}

void cli_catch_interrupts(void)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &action, NULL);
}

bool cli_interrupted(void *ctx)
{
    (void)ctx;
    return interrupted != 0;
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

bool cli_random_bytes(uint8_t *buf, size_t len)
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

bool cli_random_pool_fill(cli_random_pool *pool)
{
    pool->used = 0;
    return cli_random_bytes(&pool->bytes[0][0], sizeof pool->bytes);
}

void cli_random_pool_take(void *ctx, uint8_t out[16])
{
    cli_random_pool *pool = ctx;
    memcpy(out, pool->bytes[pool->used % 16], 16);
    out[15] ^= (uint8_t)(pool->used / 16);  /* past 16 GUIDs (no job takes that many) */
    pool->used++;
}
