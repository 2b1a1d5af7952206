/* Service configuration: defaults, then LOOKSLIKE_* environment variables,
 * then command-line flags (the last word wins). */
#ifndef LOOKSLIKE_CONFIG_H
#define LOOKSLIKE_CONFIG_H

#include <stddef.h>

typedef struct {
    int port;
    char bind[64];
    char model[256]; /* comma-separated model names; the first is the default */
    char model_dir[1024];
    char engine[32];
    char static_dir[1024];
    int workers; /* inference workers */
    int threads; /* the most oneDNN threads one request may use */
    long long max_body; /* bytes */
    long long max_body_total; /* bytes of bodies held at once; 0 until resolved (see config.c) */
    long long max_pixels;
    int dct_scaling;
    int queue;
    int http_threads;
    int timeout;
    int max_connections;
    int per_ip_connections;
    int access_log;
    int shutdown_grace; /* seconds from SIGTERM to exit, at most */
} service_config;

/* Returns 0 to go on, 1 when --help was printed, -1 after printing an error. */
int config_load(service_config *c, int argc, char **argv);

#endif
