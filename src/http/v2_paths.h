/* The paths of the Open Inference Protocol (KServe v2) that lookslike
 * answers, parsed (v2_paths.c): what a /v2 path names, and the model in it.
 * Pure; thread-safe. */
#ifndef LOOKSLIKE_HTTP_V2_PATHS_H
#define LOOKSLIKE_HTTP_V2_PATHS_H

#include <stddef.h>

/* A model's one version. */
#define V2_VERSION "1"
/* Room for a model's name in a path, its NUL included. */
#define V2_NAME_SIZE 128

typedef enum { V2_NONE, V2_SERVER, V2_LIVE, V2_READY, V2_MODEL, V2_MODEL_READY, V2_INFER } v2_target;

/* The target of a /v2 path: /v2, /v2/health/live, /v2/health/ready, and
 * /v2/models/NAME[/versions/1][/ready|/infer]; the model's name (when there is
 * one) into name. V2_NONE for anything else: another version, a name of
 * namelen bytes or more, an empty one, a trailing slash. */
v2_target v2_parse_target(const char *url, char *name, size_t namelen);
/* Whether url is a model's inference path (V2_INFER). */
int v2_is_infer_path(const char *url);

#endif
