/* API keys: the bearer tokens that may call the protected routes (the
 * uploads, POST /predict and v2 inference; /metrics when asked), read once at start-up from a file of
 * one key per line. Keys live only here: compared in constant time, never
 * logged or echoed (an error names the file and line, not the key), and
 * wiped when freed. Read-only after loading: thread-safe. */
#ifndef LOOKSLIKE_HTTP_API_KEYS_H
#define LOOKSLIKE_HTTP_API_KEYS_H

#include <stddef.h>

/* Keys shorter than this are refused: too easy to guess to be a secret. */
#define API_KEY_MIN_LENGTH 16
#define API_KEY_MAX_LENGTH 256

typedef struct api_keys api_keys;

/* The file: one key per line, spaces around it trimmed; blank lines and lines
 * starting with '#' are ignored. A key is printable ASCII without spaces
 * (RFC 6750's token characters), API_KEY_MIN_LENGTH to API_KEY_MAX_LENGTH
 * long; a NUL byte anywhere in a line is refused. NULL with "PATH:LINE:
 * reason" (or "PATH: reason") in err. */
api_keys *api_keys_load(const char *path, char *err, size_t errlen);
void api_keys_free(api_keys *k);
int api_keys_count(const api_keys *k);
/* The key file's permission bits, as loaded (the caller warns when others may read it). */
unsigned api_keys_file_mode(const api_keys *k);

/* Whether an Authorization header value ("Bearer KEY", the scheme in any case;
 * NULL when absent) carries one of the keys. Its time depends on the lengths
 * only, not on how much of a key was right. */
int api_keys_accept(const api_keys *k, const char *authorization);

#endif
