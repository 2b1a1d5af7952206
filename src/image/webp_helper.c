#include "webp_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../clock.h"

#include "../own_files.h"
#include "webp_rgb.h"

extern char **environ;

/* A memfd holding the `len` bytes of data; -1 on failure. */
static int memfd_with(const char *name, const uint8_t *data, size_t len)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)len) != 0) {
        close(fd);
        return -1;
    }
    for (size_t done = 0; done < len;) {
        ssize_t n = pwrite(fd, data + done, len - done, (off_t)done);
        if (n <= 0 && errno != EINTR) {
            close(fd);
            return -1;
        }
        done += n > 0 ? (size_t)n : 0;
    }
    return fd;
}

/* Waits for the helper until the deadline, and kills it then (SIGKILL: a
 * stopped process ends too): WEBP_RGB_OK with its wait status in *status,
 * WEBP_HELPER_TIMED_OUT, or WEBP_HELPER_FAILED when it cannot be waited for. */
static int wait_helper(pid_t pid, int *status)
{
    double deadline = clock_ms() + WEBP_HELPER_DEADLINE_S * 1000.0;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), rc = WEBP_RGB_OK;
    for (pid_t got; (got = waitpid(pid, status, WNOHANG)) != pid;) {
        double left = deadline - clock_ms();
        if (got < 0 && errno != EINTR) {
            rc = WEBP_HELPER_FAILED;
            break;
        }
        if (left <= 0) {
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
            }
            rc = WEBP_HELPER_TIMED_OUT;
            break;
        }
        if (pidfd >= 0) /* readable when the helper ends */
            poll(&(struct pollfd){.fd = pidfd, .events = POLLIN}, 1, (int)left + 1);
        else
            nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    if (pidfd >= 0)
        close(pidfd);
    return rc;
}

/* Runs the helper on fds `in` (3 there) and `pixels` (4 there): its exit status as an outcome. */
static int run_helper(int in, int pixels, size_t w, size_t h, size_t offset, int stride, size_t budget)
{
    const char *helper = own_file(LOOKSLIKE_BUILD_WEBP_DECODER, LOOKSLIKE_INSTALLED_WEBP_DECODER);
    char args[5][32];
    snprintf(args[0], sizeof args[0], "%zu", budget);
    snprintf(args[1], sizeof args[1], "%zu", w);
    snprintf(args[2], sizeof args[2], "%zu", h);
    snprintf(args[3], sizeof args[3], "%d", stride);
    snprintf(args[4], sizeof args[4], "%zu", offset);
    char *argv[] = {(char *)helper, args[0], args[1], args[2], args[3], args[4], NULL};
    /* The helper starts with no signal blocked and every signal at its
     * default (posix_spawn would keep this thread's mask: the server blocks
     * SIGTERM, SIGINT and SIGHUP for its signal thread), and with none of the
     * server's standard streams. */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if (posix_spawn_file_actions_init(&fa) != 0)
        return WEBP_HELPER_NOT_STARTED;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return WEBP_HELPER_NOT_STARTED;
    }
    pid_t pid;
    int rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) ||
             posix_spawnattr_setsigmask(&attr, &none) || posix_spawnattr_setsigdefault(&attr, &all) ||
             posix_spawn_file_actions_adddup2(&fa, in, 3) || posix_spawn_file_actions_adddup2(&fa, pixels, 4) ||
             posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0) ||
             posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) ||
             posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0) ||
             posix_spawn_file_actions_addclosefrom_np(&fa, 5) || posix_spawn(&pid, helper, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
        return WEBP_HELPER_NOT_STARTED;
    int status;
    if ((rc = wait_helper(pid, &status)) != WEBP_RGB_OK)
        return rc;
    if (!WIFEXITED(status))
        return WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU ? WEBP_HELPER_TIMED_OUT : WEBP_HELPER_FAILED;
    switch (WEXITSTATUS(status)) {
    case WEBP_RGB_OK: return WEBP_RGB_OK;
    case WEBP_RGB_CORRUPT: return WEBP_RGB_CORRUPT;
    case WEBP_RGB_OUT_OF_MEMORY: return WEBP_RGB_OUT_OF_MEMORY;
    case WEBP_HELPER_EXIT_BAD_CALL:
    case 127: return WEBP_HELPER_NOT_STARTED; /* exec failed */
    default: return WEBP_HELPER_FAILED;
    }
}

int webp_helper_decode(const uint8_t *data, size_t len, size_t w, size_t h, int pixels, size_t offset, int stride,
                       size_t budget)
{
    /* Both descriptors from 10 on, so that moving them to 3 and 4 in the
     * helper cannot overwrite one with the other. */
    int in = memfd_with("lookslike-webp", data, len), high_in = -1, high_pixels = -1;
    if (in >= 0)
        high_in = fcntl(in, F_DUPFD_CLOEXEC, 10), high_pixels = fcntl(pixels, F_DUPFD_CLOEXEC, 10);
    int rc = high_in < 0 || high_pixels < 0 ? WEBP_HELPER_NOT_STARTED
                                            : run_helper(high_in, high_pixels, w, h, offset, stride, budget);
    for (int fd, i = 0; i < 3; i++)
        if ((fd = (int[]){in, high_in, high_pixels}[i]) >= 0)
            close(fd);
    return rc;
}
