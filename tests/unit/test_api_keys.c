/* src/http/api_keys.c on its own: the key file's rules (comments, blanks,
 * trimming, short, long, spaced and NUL-bearing keys refused with FILE:LINE)
 * and the Authorization header (scheme in any case, exact key only). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../src/http/api_keys.h"
#include "check.h"

/* Writes text (len bytes) to a fresh file; returns its path (static). */
static const char *keyfile(const char *text, size_t len)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/lookslike-keys-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len)
        return NULL;
    close(fd);
    return path;
}

static void refused(const char *text, size_t len, const char *want, const char *what)
{
    char err[256] = "";
    const char *path = keyfile(text, len);
    api_keys *k = path ? api_keys_load(path, err, sizeof err) : NULL;
    check(!k && strstr(err, want) != NULL, "%s: refused (%s)", what, err);
    api_keys_free(k);
    if (path)
        unlink(path);
}

int main(void)
{
    static const char good[] = "# the team's keys\n\n  first-key-0123456789  \nsecond-key-abcdefghij\n";
    char err[256] = "";
    const char *path = keyfile(good, strlen(good));
    api_keys *k = path ? api_keys_load(path, err, sizeof err) : NULL;
    check(k && api_keys_count(k) == 2, "two keys; the comment and the blank line skipped (%s)", err);
    check(k && api_keys_accept(k, "Bearer first-key-0123456789"), "the first key, spaces trimmed from the file");
    check(k && api_keys_accept(k, "bearer second-key-abcdefghij"), "the scheme in any case");
    check(k && !api_keys_accept(k, "Bearer first-key-012345678"), "a key cut short");
    check(k && !api_keys_accept(k, "Bearer first-key-0123456789x"), "a key with more after it");
    check(k && !api_keys_accept(k, "Basic first-key-0123456789"), "another scheme");
    check(k && !api_keys_accept(k, NULL), "no Authorization header");
    check(k && !api_keys_accept(k, "Bearer "), "an empty token");
    api_keys_free(k);
    if (path)
        unlink(path);

    refused("short-key\n", 10, ":1:", "a key under 16 characters, by line");
    refused("ok-key-0123456789abc\nwith space in it 0123\n", 42, ":2:", "a key with a space, on line 2");
    refused("key-with-nul-\0-0123456789\n", 26, ":1:", "a NUL byte in a line");
    char longer[400];
    memset(longer, 'k', 300);
    strcpy(longer + 300, "\n");
    refused(longer, 301, ":1:", "a key over 256 characters");
    refused("# only a comment\n", 17, "", "a file without a key");
    check(!api_keys_load("/nonexistent/keys", err, sizeof err) && strstr(err, "/nonexistent/keys"),
          "a missing file, named (%s)", err);
    return check_done();
}
