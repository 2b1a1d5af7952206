#include "api_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct api_keys {
    int count;
    char (*keys)[API_KEY_MAX_LENGTH + 1];
    size_t *lengths;
    unsigned file_mode; /* the key file's permission bits */
};

/* RFC 6750's b64token characters: ALPHA DIGIT - . _ ~ + / and trailing '='. */
static int token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~+/=", c);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int add_key(api_keys *k, const char *key, size_t n)
{
    void *keys = realloc(k->keys, (size_t)(k->count + 1) * sizeof *k->keys);
    if (!keys)
        return -1;
    k->keys = keys;
    void *lengths = realloc(k->lengths, (size_t)(k->count + 1) * sizeof *k->lengths);
    if (!lengths)
        return -1;
    k->lengths = lengths;
    memset(k->keys[k->count], 0, sizeof *k->keys);
    memcpy(k->keys[k->count], key, n);
    k->lengths[k->count++] = n;
    return 0;
}

api_keys *api_keys_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(err, errlen, "%s: cannot read the API key file", path);
        if (f)
            fclose(f);
        return NULL;
    }
    api_keys *k = calloc(1, sizeof *k);
    char *line = NULL;
    size_t cap = 0;
    int number = 0, failed = !k;
    ssize_t got;
    while (!failed && (got = getline(&line, &cap, f)) >= 0) {
        number++;
        if (memchr(line, '\0', (size_t)got)) { /* it would cut the key short where it stands */
            snprintf(err, errlen, "%s:%d: a NUL byte in the line", path, number);
            failed = 1;
            break;
        }
        if ((size_t)got > API_KEY_MAX_LENGTH + 64) {
            snprintf(err, errlen, "%s:%d: line longer than %d characters", path, number, API_KEY_MAX_LENGTH);
            failed = 1;
            break;
        }
        char *key = trim(line);
        size_t n = strlen(key);
        if (!n || key[0] == '#')
            continue;
        size_t bad = 0;
        while (bad < n && token_char((unsigned char)key[bad]))
            bad++;
        if (bad < n)
            snprintf(err, errlen, "%s:%d: a key may hold only letters, digits and - . _ ~ + / = (no spaces)", path,
                     number);
        else if (n < API_KEY_MIN_LENGTH || n > API_KEY_MAX_LENGTH)
            snprintf(err, errlen, "%s:%d: a key must be %d to %d characters long, not %zu", path, number,
                     API_KEY_MIN_LENGTH, API_KEY_MAX_LENGTH, n);
        else if (add_key(k, key, n) < 0)
            snprintf(err, errlen, "%s: out of memory", path);
        else
            continue;
        failed = 1;
    }
    if (line)
        memset(line, 0, cap);
    free(line);
    fclose(f);
    if (!failed && k->count == 0) {
        snprintf(err, errlen, "%s: no keys in the file (one per line)", path);
        failed = 1;
    }
    if (failed) {
        api_keys_free(k);
        return NULL;
    }
    k->file_mode = (unsigned)st.st_mode & 07777;
    return k;
}

void api_keys_free(api_keys *k)
{
    if (!k)
        return;
    if (k->keys)
        memset(k->keys, 0, (size_t)k->count * sizeof *k->keys);
    free(k->keys);
    free(k->lengths);
    free(k);
}

int api_keys_count(const api_keys *k)
{
    return k->count;
}

unsigned api_keys_file_mode(const api_keys *k)
{
    return k->file_mode;
}

/* Equal in constant time for the key's length: every byte is compared. */
static int same_key(const char *key, size_t key_len, const char *token, size_t token_len)
{
    unsigned diff = key_len != token_len;
    for (size_t i = 0; i < key_len; i++)
        diff |= (unsigned char)key[i] ^ (unsigned char)(i < token_len ? token[i] : 0);
    return diff == 0;
}

int api_keys_accept(const api_keys *k, const char *authorization)
{
    if (!authorization)
        return 0;
    while (*authorization == ' ')
        authorization++;
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return 0;
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    size_t n = strcspn(token, " \t");
    if (token[n + strspn(token + n, " \t")] != '\0')
        return 0; /* more than one word */
    int accepted = 0;
    for (int i = 0; i < k->count; i++) /* every key, whatever matched */
        accepted |= same_key(k->keys[i], k->lengths[i], token, n);
    return accepted;
}
