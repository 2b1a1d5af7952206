#include "webp_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../own_files.h"
#include "webp_rgb.h"

extern char **environ;

/* A memfd holding `len` bytes of data (or, with data NULL, `len` zero bytes); -1 on failure. */
static int memfd_with(const char *name, const uint8_t *data, size_t len)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)len) != 0) {
        close(fd);
        return -1;
    }
    for (size_t done = 0; data && done < len;) {
        ssize_t n = pwrite(fd, data + done, len - done, (off_t)done);
        if (n <= 0 && errno != EINTR) {
            close(fd);
            return -1;
        }
        done += n > 0 ? (size_t)n : 0;
    }
    return fd;
}

/* Runs the helper on fds `in` (3 there) and `out` (4 there): its exit status as an outcome. */
static int run_helper(int in, int out, size_t w, size_t h, size_t budget)
{
    const char *helper = own_file(LOOKSLIKE_BUILD_WEBP_DECODER, LOOKSLIKE_INSTALLED_WEBP_DECODER);
    char a_budget[32], a_w[32], a_h[32];
    snprintf(a_budget, sizeof a_budget, "%zu", budget);
    snprintf(a_w, sizeof a_w, "%zu", w);
    snprintf(a_h, sizeof a_h, "%zu", h);
    char *argv[] = {(char *)helper, a_budget, a_w, a_h, NULL};
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return WEBP_HELPER_NOT_STARTED;
    pid_t pid;
    int rc = posix_spawn_file_actions_adddup2(&fa, in, 3) || posix_spawn_file_actions_adddup2(&fa, out, 4) ||
             posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0) ||
             posix_spawn_file_actions_addclosefrom_np(&fa, 5) || posix_spawn(&pid, helper, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return WEBP_HELPER_NOT_STARTED;
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return WEBP_HELPER_FAILED;
    if (!WIFEXITED(status))
        return WEBP_HELPER_FAILED;
    switch (WEXITSTATUS(status)) {
    case WEBP_RGB_OK: return WEBP_RGB_OK;
    case WEBP_RGB_CORRUPT: return WEBP_RGB_CORRUPT;
    case WEBP_RGB_OUT_OF_MEMORY: return WEBP_RGB_OUT_OF_MEMORY;
    case 127: return WEBP_HELPER_NOT_STARTED; /* exec failed */
    default: return WEBP_HELPER_FAILED;
    }
}

int webp_helper_decode(const uint8_t *data, size_t len, size_t w, size_t h, uint8_t *out, int stride, size_t budget)
{
    size_t row = w * 3, size = row * h;
    int in = memfd_with("lookslike-webp", data, len), rgb = in < 0 ? -1 : memfd_with("lookslike-rgb", NULL, size);
    int rc = rgb < 0 ? WEBP_HELPER_NOT_STARTED : run_helper(in, rgb, w, h, budget);
    if (rc == WEBP_RGB_OK) {
        uint8_t *pixels = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, rgb, 0);
        if (pixels == MAP_FAILED) {
            rc = WEBP_HELPER_NOT_STARTED;
        } else {
            for (size_t y = 0; y < h; y++)
                memcpy(out + y * (size_t)stride, pixels + y * row, row);
            munmap(pixels, size);
        }
    }
    if (in >= 0)
        close(in);
    if (rgb >= 0)
        close(rgb);
    return rc;
}
