/* `lookslike serve`: load and validate the models, warm the workers, listen,
 * and on SIGTERM/SIGINT stop accepting, finish what is in flight, exit 0. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "http/server.h"
#include "predict/worker_pool.h"

#define DRAIN_SECONDS 30

int cli_serve(int argc, char **argv)
{
    double t0 = clock_ms();
    service_config c;
    int rc = config_load(&c, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;

    /* Signals are taken synchronously by this thread; every other thread
     * (workers, HTTP) inherits the blocked mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[NN_ERR_LEN];
    model_registry models;
    if (model_registry_load(&models, c.model_dir, c.model, err, sizeof err) < 0) {
        fprintf(stderr, "lookslike: cannot load model: %s\n", err);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    worker_pool_config pc = {c.workers, c.threads,     cores > 0 ? (int)cores : 1,
                             c.queue,   {(uint64_t)c.max_pixels, 16, c.dct_scaling}, c.engine};
    worker_pool *pool = worker_pool_start(&models, &pc, err, sizeof err);
    if (!pool) {
        fprintf(stderr, "lookslike: cannot start the engine: %s\n", err);
        model_registry_free(&models);
        return 1;
    }
    model_registry_release_params(&models); /* the engines hold their own copies now */
    http_config hc = {c.bind,    c.port,         c.static_dir,      (size_t)c.max_body,   c.http_threads,
                      c.timeout, c.max_connections, c.per_ip_connections, c.access_log};
    http_server *server = http_server_start(&hc, pool, &models, err, sizeof err);
    if (!server) {
        fprintf(stderr, "lookslike: %s\n", err);
        worker_pool_stop(pool);
        model_registry_free(&models);
        return 1;
    }
    const char *host = strchr(c.bind, ':') ? "[%s]" : "%s";
    char shown[80];
    snprintf(shown, sizeof shown, host, c.bind);
    fprintf(stderr, "lookslike: listening on http://%s:%d/ model %s (%dx%d, %zu outputs) engine %s, "
                    "%d workers, up to %d threads per request; ready in %.0f ms\n",
            shown, http_server_port(server), models.models[0].name, models.models[0].model.input.w,
            models.models[0].model.input.h, nn_model_outputs(&models.models[0].model), c.engine, c.workers,
            c.threads, clock_ms() - t0);

    int sig;
    sigwait(&stop, &sig);
    fprintf(stderr, "lookslike: %s: no new connections; finishing %d request(s) in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", http_server_in_flight(server));
    http_server_quiesce(server);
    double deadline = clock_ms() + DRAIN_SECONDS * 1000.0;
    while (http_server_in_flight(server) > 0 && clock_ms() < deadline)
        usleep(10000);
    worker_pool_stop(pool); /* runs anything still queued, resuming its connection */
    http_server_stop(server);
    model_registry_free(&models);
    fprintf(stderr, "lookslike: stopped\n");
    return 0;
}
