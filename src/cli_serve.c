/* `lookslike serve`: load and validate the models, warm the workers, listen;
 * on SIGHUP load the models again and swap them in; on SIGTERM/SIGINT stop
 * accepting, finish what is in flight, exit 0. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "http/metrics.h"
#include "http/server.h"
#include "nn/engine.h"
#include "nn/int8_kernel_sets.h"
#include "nn/int8_network.h"
#include "predict/worker_pool.h"

/* The end of the grace period kept for the jobs still running and for
 * answering the queued ones the drain had to cancel (503). */
#define FINAL_ANSWERS_MS 500

/* The stop sequence, in this order because each step's callers must be gone
 * before what they use is freed:
 * 1. refuse new work: no new connections, and requests arriving on kept-alive
 *    ones get 503 + "Connection: close";
 * 2. drain: wait until no request is in flight (counted per request) and the
 *    worker pool is idle, at most until shortly before the grace period ends;
 * 3. if that did not happen: cancel the queued jobs (their clients get 503)
 *    and give the running ones what is left of the grace period; a job still
 *    running then (a worker inside one long decode) cannot be interrupted,
 *    so the process leaves at once with exit code 1 instead of outliving the
 *    grace period;
 * 4. stop the HTTP daemon (no request callback runs after this), and only
 *    then the worker pool, and free the models.
 * Returns the exit code. */
static int stop_service(http_server *server, worker_pool *pool, int grace_s)
{
    double deadline = clock_ms() + grace_s * 1000.0;
    http_server_drain(server);
    while ((http_server_in_flight(server) > 0 || !worker_pool_idle(pool)) &&
           clock_ms() < deadline - FINAL_ANSWERS_MS)
        usleep(5000);
    if (!worker_pool_idle(pool)) {
        int cancelled = worker_pool_cancel_queued(pool);
        fprintf(stderr, "lookslike: grace period nearly over: %d queued request(s) answered 503\n", cancelled);
    }
    while ((http_server_in_flight(server) > 0 || !worker_pool_idle(pool)) && clock_ms() < deadline)
        usleep(5000);
    if (!worker_pool_idle(pool)) {
        fprintf(stderr, "lookslike: grace period of %d s over with a job still running; exiting now\n", grace_s);
        fflush(stderr);
        _exit(1);
    }
    if (http_server_in_flight(server) > 0)
        fprintf(stderr, "lookslike: closing %d unfinished request(s)\n", http_server_in_flight(server));
    http_server_stop(server);
    worker_pool_stop(pool);
    return 0;
}

/* SIGHUP: the models loaded again from the same files, validated whole and
 * warmed beside the running ones, then swapped in at once; requests in
 * flight finish on the set they began with. A set that fails to load
 * changes nothing: the running one serves on. */
static void reload(http_server *server, const model_set_config *mc)
{
    char err[NN_ERR_LEN];
    double t0 = clock_ms();
    model_set_config warmed = *mc;
    warmed.warm = 1; /* here, beside the running workers */
    model_set *next = model_set_load(&warmed, err, sizeof err);
    if (!next) {
        metrics_count_reload(0);
        fprintf(stderr, "lookslike: SIGHUP: the models were not reloaded, the running ones serve on: %s\n", err);
        return;
    }
    http_server_swap_models(server, next);
    metrics_count_reload(1);
    char versions[512] = "";
    size_t used = 0;
    for (int i = 0; i < next->registry.count && used < sizeof versions; i++)
        used += (size_t)snprintf(versions + used, sizeof versions - used, "%s%s %s", i ? ", " : "",
                                 next->registry.models[i].name, next->registry.models[i].version);
    fprintf(stderr, "lookslike: SIGHUP: models reloaded in %.0f ms: %s\n", clock_ms() - t0, versions);
    model_set_release(next); /* the server holds it */
}

/* --cors-origin and --api-key-file, checked before anything is loaded. */
static int check_settings(const service_config *c, cors_policy *cors, api_keys **keys, char *err, size_t errlen)
{
    if (c->cors_origin[0] && cors_parse(cors, c->cors_origin, err, errlen) < 0)
        return -1;
    if (c->metrics_need_key && !c->api_key_file[0]) {
        snprintf(err, errlen, "--metrics-need-key needs --api-key-file");
        return -1;
    }
    if (c->api_key_file[0] && !(*keys = api_keys_load(c->api_key_file, err, errlen)))
        return -1;
    return 0;
}

int cli_serve(int argc, char **argv)
{
    double t0 = clock_ms();
    service_config c;
    int rc = config_load(&c, COMMAND_SERVE, argc, argv, NULL);
    if (rc != 0)
        return rc > 0 ? 0 : 2;

    /* Signals are taken synchronously by this thread; every other thread
     * (workers, HTTP) inherits the blocked mask. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[NN_ERR_LEN];
    cors_policy cors;
    api_keys *keys = NULL;
    if (check_settings(&c, &cors, &keys, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        return 2;
    }
    char notes[1024];
    double k0 = clock_ms();
    /* The integer kernels are chosen once, before any engine is built: a
     * model reloaded later runs on the same set. */
    if (strcmp(c.precision, "fp32") && int8_kernels_choose(c.int8_kernels, notes, sizeof notes, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        api_keys_free(keys);
        return 1;
    }
    double self_test_ms = clock_ms() - k0;
    if (nn_onednn_use_winograd(c.winograd, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: %s\n", err);
        api_keys_free(keys);
        return 1;
    }
    if (strcmp(c.precision, "fp32") && notes[0])
        fprintf(stderr, "lookslike: warning: %s\n", notes);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    worker_pool_config pc = {.workers = c.workers,
                             .threads_per_worker = c.threads,
                             .cores = cores > 0 ? (int)cores : 1,
                             .queue_capacity = c.queue,
                             .limits = {.max_pixels = (uint64_t)c.max_pixels,
                                        .min_side = PREDICT_MIN_SIDE,
                                        .dct_scaling = c.dct_scaling}};
    worker_pool_clamp(&pc);
    const model_set_config mc = {.dir = c.model_dir, .names = c.model, .engine = c.engine, .precision = c.precision,
                                 .workers = pc.workers, .threads_per_worker = pc.threads_per_worker};
    model_set *models = model_set_load(&mc, err, sizeof err);
    if (!models) {
        fprintf(stderr, "lookslike: cannot load model: %s\n", err);
        api_keys_free(keys);
        return 1;
    }
    worker_pool *pool = worker_pool_start(models, &pc, err, sizeof err);
    if (!pool) {
        fprintf(stderr, "lookslike: cannot start the engine: %s\n", err);
        model_set_release(models);
        api_keys_free(keys);
        return 1;
    }
    http_config hc = {.bind = c.bind,
                      .port = c.port,
                      .static_dir = c.static_dir,
                      .max_body = (size_t)c.max_body,
                      .max_body_total = (size_t)c.max_body_total,
                      .max_body_per_client = (size_t)c.max_body_per_client,
                      .max_pixels = (uint64_t)c.max_pixels,
                      .max_request_pixels = (uint64_t)c.max_request_pixels,
                      .header_timeout_s = c.header_timeout,
                      .min_upload_rate = (size_t)c.min_upload_rate,
                      .max_batch = c.max_batch < c.queue ? c.max_batch : c.queue, /* a batch is queued whole */
                      .http_threads = c.http_threads,
                      .timeout_s = c.timeout,
                      .max_connections = c.max_connections,
                      .per_ip_connections = c.per_ip_connections,
                      .access_log = c.access_log,
                      .cors = c.cors_origin[0] ? &cors : NULL,
                      .keys = keys,
                      .metrics_need_key = c.metrics_need_key};
    http_server *server = http_server_start(&hc, pool, models, err, sizeof err);
    if (!server) {
        fprintf(stderr, "lookslike: %s\n", err);
        worker_pool_stop(pool);
        model_set_release(models);
        api_keys_free(keys);
        return 1;
    }
    const char *host = strchr(c.bind, ':') ? "[%s]" : "%s";
    char shown[80];
    snprintf(shown, sizeof shown, host, c.bind);
    model_description d;
    model_registry_describe(&models->registry, 0, &d);
    model_set_release(models); /* the server holds it now */
    char precision[64]; /* the integer engine names its kernels */
    if (d.kernels)
        snprintf(precision, sizeof precision, "int8 (%s kernels, self-tested in %.1f ms)", d.kernels, self_test_ms);
    else
        snprintf(precision, sizeof precision, "%s", d.precision);
    fprintf(stderr, "lookslike: listening on http://%s:%d/ model %s (%dx%d, %d classes) engine %s, precision %s, "
                    "%d workers, up to %d threads per request; ready in %.0f ms\n",
            shown, http_server_port(server), d.name, d.width, d.height, d.classes, d.engine, precision, c.workers,
            c.threads, clock_ms() - t0);
    if (keys)
        fprintf(stderr, "lookslike: POST /predict and v2 inference%s require one of the %d API key(s) of %s\n",
                c.metrics_need_key ? " and GET /metrics" : "", api_keys_count(keys), c.api_key_file);
    if (keys && (api_keys_file_mode(keys) & 044))
        fprintf(stderr, "lookslike: warning: the API key file %s is readable by other users (mode %04o): "
                        "chmod 600 it\n", c.api_key_file, api_keys_file_mode(keys));
    if (c.cors_origin[0])
        fprintf(stderr, "lookslike: the API answers cross-origin requests from %s\n", c.cors_origin);

    int sig;
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP)
        reload(server, &mc);
    fprintf(stderr, "lookslike: %s: no new connections; finishing %d request(s) in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", http_server_in_flight(server));
    rc = stop_service(server, pool, c.shutdown_grace);
    api_keys_free(keys);
    fprintf(stderr, "lookslike: stopped\n");
    return rc;
}
