#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "body/body_decode.h"
#include "predict/predictor.h"

/* Where the build put the models and the UI (set by src/meson.build). */
#ifndef LOOKSLIKE_MODEL_DIR
#define LOOKSLIKE_MODEL_DIR "models"
#endif
#ifndef LOOKSLIKE_STATIC_DIR
#define LOOKSLIKE_STATIC_DIR "static"
#endif

typedef enum { OPT_INT, OPT_SIZE, OPT_STRING, OPT_BOOL } opt_type;

enum { SERVE = COMMAND_SERVE, CLASSIFY = COMMAND_CLASSIFY, CHECK = COMMAND_HEALTHCHECK };

typedef struct {
    const char *flag, *env;
    int commands; /* the subcommands that take it */
    opt_type type;
    size_t offset, size; /* of the field in service_config */
    long long min, max;
    const char *help;
} option;

#define FIELD(f) offsetof(service_config, f), sizeof(((service_config *)0)->f)

static const option options[] = {
    {"--port", "LOOKSLIKE_PORT", SERVE | CHECK, OPT_INT, FIELD(port), 0, 65535, "TCP port (0 = any free port)"},
    {"--bind", "LOOKSLIKE_BIND", SERVE | CHECK, OPT_STRING, FIELD(bind), 0, 0, "address to listen on"},
    {"--model", "LOOKSLIKE_MODEL", SERVE | CLASSIFY, OPT_STRING, FIELD(model), 0, 0,
     "model name(s) to serve, comma-separated; the first is the default"},
    {"--model-dir", "LOOKSLIKE_MODEL_DIR", SERVE | CLASSIFY, OPT_STRING, FIELD(model_dir), 0, 0,
     "directory of NAME.cfg + NAME.weights (or NAME.tflite) and NAME.labels"},
    {"--engine", "LOOKSLIKE_ENGINE", SERVE | CLASSIFY, OPT_STRING, FIELD(engine), 0, 0,
     "float inference engine: onednn or darknet"},
    {"--precision", "LOOKSLIKE_PRECISION", SERVE | CLASSIFY, OPT_STRING, FIELD(precision), 0, 0,
     "auto (int8 for a quantized model on a CPU with fast integer kernels, else fp32), int8 or fp32"},
    {"--int8-kernels", "LOOKSLIKE_INT8_KERNELS", SERVE | CLASSIFY, OPT_STRING, FIELD(int8_kernels), 0, 0,
     "the integer engine's kernel set: auto (the fastest whose start-up self-test passes), avx512vnni, avx_vnni, "
     "avx2, sse41 (x86-64), neon_dotprod, neon (arm64) or reference"},
    {"--winograd", "LOOKSLIKE_WINOGRAD", SERVE | CLASSIFY, OPT_STRING, FIELD(winograd), 0, 0,
     "the oneDNN engine's 3x3 convolutions as Winograd's F(4x4, 3x3) where oneDNN has it (AVX-512) and it pays: "
     "auto (every model but YOLOv1: YOLO 1.2-1.6x faster, within the bounds of libdarknet), 1 (every model) or 0 (none; "
     "docs/engines.md)"},
    {"--workers", "LOOKSLIKE_WORKERS", SERVE, OPT_INT, FIELD(workers), 1, 256, "inference workers (default: cores)"},
    {"--threads", "LOOKSLIKE_THREADS", SERVE | CLASSIFY, OPT_INT, FIELD(threads), 1, 256,
     "most engine threads per request: all for a lone request, 1 each under load (default: cores)"},
    {"--max-body", "LOOKSLIKE_MAX_BODY", SERVE | CLASSIFY, OPT_SIZE, FIELD(max_body), 1024, 1LL << 32,
     "largest request body in bytes (k, M, KiB, MiB suffixes)"},
    {"--max-body-total", "LOOKSLIKE_MAX_BODY_TOTAL", SERVE, OPT_SIZE, FIELD(max_body_total), 1024, 1LL << 40,
     "request bodies held in memory at once, all clients together; more get 503 (default: 128 MiB, at most a "
     "quarter of the cgroup memory limit, at least --max-body)"},
    {"--max-body-per-client", "LOOKSLIKE_MAX_BODY_PER_CLIENT", SERVE, OPT_SIZE, FIELD(max_body_per_client), 0,
     1LL << 40,
     "of those, what the connections of one client address (an IPv6 /64) may hold; 0 = no share, for a server "
     "behind a proxy (default: a quarter of --max-body-total, at least 3 x --max-body)"},
    {"--max-pixels", "LOOKSLIKE_MAX_PIXELS", SERVE | CLASSIFY, OPT_SIZE, FIELD(max_pixels), 1, 1LL << 32,
     "largest image in pixels, checked before decoding (k, M suffixes)"},
    {"--max-request-pixels", "LOOKSLIKE_MAX_REQUEST_PIXELS", SERVE, OPT_SIZE, FIELD(max_request_pixels), 1, 1LL << 40,
     "pixels all the images of one request may have together, read from their headers before any is queued "
     "(default: 4 x --max-pixels)"},
    {"--dct-scaling", "LOOKSLIKE_DCT_SCALING", SERVE | CLASSIFY, OPT_BOOL, FIELD(dct_scaling), 0, 1,
     "decode big JPEGs at 1/2..1/8 scale, keeping 2x the model input (1/0; 0 = always full size)"},
    {"--queue", "LOOKSLIKE_QUEUE", SERVE, OPT_INT, FIELD(queue), 1, 100000, "images that may wait for a worker; more get 503"},
    {"--max-batch", "LOOKSLIKE_MAX_BATCH", SERVE, OPT_INT, FIELD(max_batch), 1, BODY_MAX_IMAGES,
     "images one POST /predict may carry (several multipart files, or a JSON images array); at most --queue"},
    {"--static-dir", "LOOKSLIKE_STATIC_DIR", SERVE, OPT_STRING, FIELD(static_dir), 0, 0, "directory of the web UI"},
    {"--http-threads", "LOOKSLIKE_HTTP_THREADS", SERVE, OPT_INT, FIELD(http_threads), 1, 256, "HTTP event-loop threads"},
    {"--timeout", "LOOKSLIKE_TIMEOUT", SERVE, OPT_INT, FIELD(timeout), 1, 3600, "idle connection timeout, seconds"},
    {"--header-timeout", "LOOKSLIKE_HEADER_TIMEOUT", SERVE, OPT_INT, FIELD(header_timeout), 1, 3600,
     "seconds a request's headers may take, from the connection's accept or its last response; then it is closed"},
    {"--min-upload-rate", "LOOKSLIKE_MIN_UPLOAD_RATE", SERVE, OPT_SIZE, FIELD(min_upload_rate), 0, 1LL << 32,
     "bytes per second a request body must average once --header-timeout seconds of it have passed; slower "
     "uploads are closed (0 = any pace)"},
    {"--max-connections", "LOOKSLIKE_MAX_CONNECTIONS", SERVE, OPT_INT, FIELD(max_connections), 1, 1000000,
     "open connections at most"},
    {"--per-ip-connections", "LOOKSLIKE_PER_IP_CONNECTIONS", SERVE, OPT_INT, FIELD(per_ip_connections), 0, 1000000,
     "open connections per client address (0 = no limit; behind a proxy every client has its address)"},
    {"--access-log", "LOOKSLIKE_ACCESS_LOG", SERVE, OPT_BOOL, FIELD(access_log), 0, 1,
     "JSON access log line per request on stderr (1/0)"},
    {"--shutdown-grace", "LOOKSLIKE_SHUTDOWN_GRACE", SERVE, OPT_INT, FIELD(shutdown_grace), 1, 3600,
     "seconds to finish the requests in flight after SIGTERM/SIGINT; then exit regardless"},
    {"--cors-origin", "LOOKSLIKE_CORS_ORIGIN", SERVE, OPT_STRING, FIELD(cors_origin), 0, 0,
     "browser origins that may call the API: * or comma-separated scheme://host[:port] (default: none)"},
    {"--api-key-file", "LOOKSLIKE_API_KEY_FILE", SERVE, OPT_STRING, FIELD(api_key_file), 0, 0,
     "file of API keys, one per line: /predict and v2 inference then require 'Authorization: Bearer KEY' (default: none)"},
    {"--metrics-need-key", "LOOKSLIKE_METRICS_NEED_KEY", SERVE, OPT_BOOL, FIELD(metrics_need_key), 0, 1,
     "with --api-key-file: /metrics requires a key too (1/0)"},
    {"--crop", "LOOKSLIKE_CROP", CLASSIFY, OPT_STRING, FIELD(crop), 0, 0,
     "center (TF-slim's central 87.5 %, the default) or full"},
    {"-k", "LOOKSLIKE_K", CLASSIFY, OPT_INT, FIELD(k), 1, PREDICT_MAX_K, "classes to print per image"},
};

#define DEFAULT_MAX_BODY_TOTAL (128LL << 20)

/* The memory limit of this process's cgroup (v2, else v1), or 0 for none. */
static long long cgroup_memory_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f)
            continue;
        long long v = 0;
        int n = fscanf(f, "%lld", &v); /* "max" (no limit) reads as nothing */
        fclose(f);
        return n == 1 && v > 0 && v < (1LL << 50) ? v : 0;
    }
    return 0;
}

/* The body budget: as set, or 128 MiB, at most a quarter of the memory limit
 * (the engines, decoders and libraries need the rest), and in any case
 * room for one body of the largest size. */
static int resolve_body_budget(service_config *c)
{
    if (c->max_body_total) {
        if (c->max_body_total < c->max_body) {
            fprintf(stderr, "lookslike: --max-body-total (%lld) must be at least --max-body (%lld)\n",
                    c->max_body_total, c->max_body);
            return -1;
        }
        return 0;
    }
    long long limit = cgroup_memory_limit(), total = DEFAULT_MAX_BODY_TOTAL;
    if (limit && limit / 4 < total)
        total = limit / 4;
    c->max_body_total = total > c->max_body ? total : c->max_body;
    return 0;
}

/* The defaults that depend on other options: one client's share of the body
 * budget, and the pixels of one request. */
static int resolve_serve(service_config *c)
{
    if (resolve_body_budget(c) < 0)
        return -1;
    if (c->max_body_per_client < 0) { /* a quarter, but room for one request's worst (a JSON body: 3 copies) */
        long long one = 3 * c->max_body, quarter = c->max_body_total / 4;
        c->max_body_per_client = quarter > one ? quarter : one < c->max_body_total ? one : c->max_body_total;
    }
    if (c->max_body_per_client && c->max_body_per_client < c->max_body) {
        fprintf(stderr, "lookslike: --max-body-per-client (%lld) must be 0 or at least --max-body (%lld)\n",
                c->max_body_per_client, c->max_body);
        return -1;
    }
    if (!c->max_request_pixels)
        c->max_request_pixels = 4 * c->max_pixels;
    return 0;
}

static void defaults(service_config *c)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    memset(c, 0, sizeof *c);
    c->port = 8080;
    snprintf(c->bind, sizeof c->bind, "0.0.0.0");
    snprintf(c->model, sizeof c->model, "mobilenet_v1");
    snprintf(c->model_dir, sizeof c->model_dir, "%s", LOOKSLIKE_MODEL_DIR);
    snprintf(c->engine, sizeof c->engine, "onednn");
    snprintf(c->precision, sizeof c->precision, "auto");
    snprintf(c->int8_kernels, sizeof c->int8_kernels, "auto");
    snprintf(c->winograd, sizeof c->winograd, "auto");
    snprintf(c->static_dir, sizeof c->static_dir, "%s", LOOKSLIKE_STATIC_DIR);
    c->workers = cores > 0 ? (int)cores : 1;
    c->threads = c->workers;
    c->max_body = 10LL << 20;
    c->max_pixels = 50000000;
    c->dct_scaling = 1;
    c->queue = 64;
    c->http_threads = 2;
    c->timeout = 15;
    c->header_timeout = 10;
    c->min_upload_rate = 16 << 10;
    c->max_body_per_client = -1; /* resolve_serve */
    c->max_connections = 1024;
    c->per_ip_connections = 128;
    c->access_log = 1;
    c->shutdown_grace = 25;
    c->max_batch = 32;
    snprintf(c->crop, sizeof c->crop, "center");
    c->k = 3;
}

static int set(service_config *c, const option *o, const char *value, const char *source)
{
    char *field = (char *)c + o->offset;
    if (o->type == OPT_STRING) {
        if (strlen(value) >= o->size || !*value) {
            fprintf(stderr, "lookslike: %s: value empty or longer than %zu characters\n", source, o->size - 1);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (o->type == OPT_SIZE && end != value && errno == 0 && v >= 0 && v < (1LL << 40)) {
        if (!strcmp(end, "KiB"))
            v <<= 10, end += 3;
        else if (!strcmp(end, "MiB"))
            v <<= 20, end += 3;
        else if (!strcmp(end, "k") || !strcmp(end, "K"))
            v *= 1000, end++;
        else if (!strcmp(end, "M"))
            v *= 1000000, end++;
    }
    if (errno || end == value || *end || v < o->min || v > o->max) {
        fprintf(stderr, "lookslike: %s=%s: expected a number from %lld to %lld\n", source, value, o->min, o->max);
        return -1;
    }
    if (o->type == OPT_INT || o->type == OPT_BOOL)
        *(int *)field = (int)v;
    else
        *(long long *)field = v;
    return 0;
}

static void usage(config_command command)
{
    if (command == COMMAND_CLASSIFY)
        printf("usage: lookslike classify [OPTIONS] IMAGE.jpg...\n\n"
               "Classifies each image with the pipeline of the service and prints the top k.\n\n");
    else if (command == COMMAND_HEALTHCHECK)
        printf("usage: lookslike healthcheck [OPTIONS]\n\n"
               "Exits 0 when GET /readyz of the server so configured answers 200 within 2 s, else 1.\n\n");
    else
        printf("usage: lookslike [serve] [OPTIONS]\n       lookslike classify [OPTIONS] IMAGE.jpg...\n"
               "       lookslike healthcheck [OPTIONS]\n\n"
               "Serves POST /predict (JPEG in, top-k ImageNet classes out as JSON), /healthz, /readyz,\n"
               "/v1/models, /metrics and the web UI.\n\n");
    printf("Every option can also be set by its environment variable.\n");
    for (size_t i = 0; i < sizeof options / sizeof *options; i++)
        if (options[i].commands & command)
            printf("  %-22s %-30s %s\n", options[i].flag, options[i].env, options[i].help);
}

int config_load(service_config *c, config_command command, int argc, char **argv, int *first)
{
    defaults(c);
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        const char *v = getenv(options[i].env);
        if ((options[i].commands & command) && v && set(c, &options[i], v, options[i].env) < 0)
            return -1;
    }
    int a = 1;
    for (; a < argc; a++) {
        const char *arg = argv[a];
        if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            usage(command);
            return 1;
        }
        if (arg[0] != '-') {
            if (first)
                break; /* the images */
            fprintf(stderr, "lookslike: unexpected argument: %s (see --help)\n", arg);
            return -1;
        }
        const char *eq = strchr(arg, '=');
        size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
        const option *o = NULL;
        for (size_t i = 0; i < sizeof options / sizeof *options; i++)
            if ((options[i].commands & command) && strlen(options[i].flag) == n && !strncmp(arg, options[i].flag, n))
                o = &options[i];
        if (!o) {
            fprintf(stderr, "lookslike: unknown option: %.*s (see --help)\n", (int)n, arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : a + 1 < argc ? argv[++a] : NULL;
        if (!value) {
            fprintf(stderr, "lookslike: %s needs a value (see --help)\n", o->flag);
            return -1;
        }
        if (set(c, o, value, o->flag) < 0)
            return -1;
    }
    if (first)
        *first = a;
    return command == COMMAND_SERVE ? resolve_serve(c) : 0;
}
