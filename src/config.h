/* Configuration of every subcommand from one option table: defaults, then
 * LOOKSLIKE_* environment variables, then command-line flags (the last word
 * wins). Each option says which subcommands take it. */
#ifndef LOOKSLIKE_CONFIG_H
#define LOOKSLIKE_CONFIG_H

#include <stddef.h>

typedef enum {
    COMMAND_SERVE = 1,
    COMMAND_CLASSIFY = 2,
    COMMAND_HEALTHCHECK = 4,
} config_command;

typedef struct {
    int port;
    char bind[64];
    char model[256]; /* comma-separated model names; the first is the default */
    char model_dir[1024];
    char engine[32];
    char precision[8];
    char int8_kernels[32]; /* "auto" or a kernel set's name */
    char static_dir[1024];
    int workers; /* inference workers */
    int threads; /* the most threads one request may use (OpenMP: either engine) */
    long long max_body; /* bytes */
    long long max_body_total; /* bytes of bodies held at once; resolved for serve only (see config.c) */
    long long max_body_per_client; /* of those, one client address's (0: no share); resolved for serve */
    long long max_pixels;
    long long max_request_pixels; /* of all the images of one request; resolved for serve */
    int dct_scaling;
    char winograd[8]; /* for which models the float engine's 3x3 convolutions are Winograd's (nn_onednn_use_winograd) */
    int queue;
    int max_batch; /* images in one request */
    int http_threads;
    int timeout;
    int header_timeout; /* seconds for a request's headers */
    long long min_upload_rate; /* bytes/s a body must average (0: any) */
    int max_connections;
    int per_ip_connections;
    int access_log;
    int shutdown_grace; /* seconds from SIGTERM to exit, at most */
    char cors_origin[2048]; /* "" (off), "*" or comma-separated origins */
    char api_key_file[1024]; /* "" (off): the keys every upload (POST /predict, v2 infer) requires */
    int metrics_need_key; /* with keys: /metrics requires one too */
    /* lookslike classify */
    char crop[16]; /* center or full */
    int k; /* classes to print */
} service_config;

/* Fills c for the subcommand from argv[1..]. For classify, the arguments from
 * the first that is not an option on are images: *first is set to its index
 * (argc when there is none); other subcommands take no such arguments (first
 * may be NULL). Returns 0 to go on, 1 when --help was printed, -1 after
 * printing an error. */
int config_load(service_config *c, config_command command, int argc, char **argv, int *first);

#endif
