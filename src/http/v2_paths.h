/* The paths of the Open Inference Protocol (KServe v2) that lookslike
 * answers, parsed (v2_paths.c): what a /v2 path names, and the model and
 * version in it. Pure; thread-safe. */
#ifndef LOOKSLIKE_HTTP_V2_PATHS_H
#define LOOKSLIKE_HTTP_V2_PATHS_H

#include <stddef.h>

/* Room for a model's name and a version in a path, their NULs included. */
#define V2_NAME_SIZE 128
#define V2_VERSION_SIZE 64

typedef enum { V2_NONE, V2_SERVER, V2_LIVE, V2_READY, V2_MODEL, V2_MODEL_READY, V2_INFER } v2_target;

typedef struct {
    char model[V2_NAME_SIZE]; /* "" when the path names none */
    char version[V2_VERSION_SIZE]; /* "" when the path names none: whichever the model is */
} v2_path;

/* The target of a /v2 path: /v2, /v2/health/live, /v2/health/ready, and
 * /v2/models/NAME[/versions/VERSION][/ready|/infer]; the model and version
 * it names into p. V2_NONE for anything else: a name or version that does
 * not fit p, an empty one, a trailing slash. */
v2_target v2_parse_target(const char *url, v2_path *p);
/* Whether url is a model's inference path (V2_INFER). */
int v2_is_infer_path(const char *url);

#endif
