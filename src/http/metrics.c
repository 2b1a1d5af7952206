#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text_buffer.h"

#define MAX_SERIES 128

static const double bucket_ms[] = {0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
#define NBUCKETS (sizeof bucket_ms / sizeof *bucket_ms)
static const char *const stage_names[STAGE_COUNT] = {"queue", "decode", "preprocess", "inference", "total"};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
typedef struct {
    const char *route;
    int status;
    unsigned long long count;
} request_series;
static request_series series[MAX_SERIES];
static int nseries;
static struct {
    unsigned long long buckets[NBUCKETS], count;
    double sum_ms;
} histograms[STAGE_COUNT];

static unsigned long long reloads[2]; /* failed, ok */

void metrics_count_reload(int ok)
{
    pthread_mutex_lock(&lock);
    reloads[ok != 0]++;
    pthread_mutex_unlock(&lock);
}

void metrics_count_request(const char *route, int status)
{
    pthread_mutex_lock(&lock);
    int i = 0;
    while (i < nseries && (series[i].status != status || strcmp(series[i].route, route)))
        i++;
    if (i == nseries && nseries < MAX_SERIES)
        series[nseries++] = (request_series){route, status, 0};
    if (i < nseries)
        series[i].count++;
    pthread_mutex_unlock(&lock);
}

void metrics_observe(metrics_stage stage, double ms)
{
    pthread_mutex_lock(&lock);
    for (size_t b = 0; b < NBUCKETS; b++)
        if (ms <= bucket_ms[b])
            histograms[stage].buckets[b]++;
    histograms[stage].count++;
    histograms[stage].sum_ms += ms;
    pthread_mutex_unlock(&lock);
}

char *metrics_render(const metrics_gauges *g, const model_description *models, int nmodels)
{
    text_buffer o = {0};
    pthread_mutex_lock(&lock);
    text_printf(&o, "# HELP lookslike_requests_total HTTP requests by route and response status.\n"
                    "# TYPE lookslike_requests_total counter\n");
    for (int i = 0; i < nseries; i++)
        text_printf(&o, "lookslike_requests_total{route=\"%s\",status=\"%d\"} %llu\n", series[i].route,
                    series[i].status, series[i].count);
    text_printf(&o, "# HELP lookslike_stage_duration_seconds Time per stage of an inference, POST /predict's "
                    "and v2's (queue wait, image decode, crop+resize, inference, whole request).\n"
                    "# TYPE lookslike_stage_duration_seconds histogram\n");
    for (int s = 0; s < STAGE_COUNT; s++) {
        for (size_t b = 0; b < NBUCKETS; b++)
            text_printf(&o, "lookslike_stage_duration_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n", stage_names[s],
                        bucket_ms[b] / 1000.0, histograms[s].buckets[b]);
        text_printf(&o, "lookslike_stage_duration_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n", stage_names[s],
                    histograms[s].count);
        text_printf(&o, "lookslike_stage_duration_seconds_sum{stage=\"%s\"} %.6f\n", stage_names[s],
                    histograms[s].sum_ms / 1000.0);
        text_printf(&o, "lookslike_stage_duration_seconds_count{stage=\"%s\"} %llu\n", stage_names[s],
                    histograms[s].count);
    }
    const unsigned long long reloads_ok = reloads[1], reloads_failed = reloads[0];
    pthread_mutex_unlock(&lock);
    text_printf(&o, "# HELP lookslike_queue_depth Images waiting for an inference worker.\n"
                    "# TYPE lookslike_queue_depth gauge\nlookslike_queue_depth %d\n",
                g->queue_depth);
    text_printf(&o, "# HELP lookslike_in_flight_requests HTTP requests received and not yet answered.\n"
                    "# TYPE lookslike_in_flight_requests gauge\nlookslike_in_flight_requests %d\n",
                g->in_flight);
    text_printf(&o, "# HELP lookslike_busy_workers Inference workers running an image now.\n"
                    "# TYPE lookslike_busy_workers gauge\nlookslike_busy_workers %d\n",
                g->busy_workers);
    text_printf(&o, "# HELP lookslike_ready 1 when the models are loaded and the engines warm.\n"
                    "# TYPE lookslike_ready gauge\nlookslike_ready %d\n",
                g->ready);
    text_printf(&o, "# HELP lookslike_request_body_bytes Bytes of request bodies held in memory "
                    "(taken from the budget).\n"
                    "# TYPE lookslike_request_body_bytes gauge\nlookslike_request_body_bytes %.0f\n"
                    "# HELP lookslike_request_body_bytes_limit The budget for request bodies held at once "
                    "(--max-body-total).\n"
                    "# TYPE lookslike_request_body_bytes_limit gauge\nlookslike_request_body_bytes_limit %.0f\n",
                g->body_bytes, g->body_bytes_limit);
    text_printf(&o, "# HELP lookslike_connections_closed_total Connections the server closed: headers not in within "
                    "--header-timeout, a body slower than --min-upload-rate, past a client's share "
                    "(--per-ip-connections, half of them still sending headers), or shed for room near "
                    "--max-connections (the oldest still sending headers).\n"
                    "# TYPE lookslike_connections_closed_total counter\n"
                    "lookslike_connections_closed_total{reason=\"header_timeout\"} %ld\n"
                    "lookslike_connections_closed_total{reason=\"slow_body\"} %ld\n"
                    "lookslike_connections_closed_total{reason=\"client_limit\"} %ld\n"
                    "lookslike_connections_closed_total{reason=\"shed\"} %ld\n"
                    "# HELP lookslike_lingering_closes_total Connections answered before their request's body was read, "
                    "closed after reading and dropping what the client still sent (a lingering close).\n"
                    "# TYPE lookslike_lingering_closes_total counter\nlookslike_lingering_closes_total %ld\n"
                    "# HELP lookslike_abandoned_requests_total Requests whose client left while their images waited: "
                    "the queued ones were dropped.\n"
                    "# TYPE lookslike_abandoned_requests_total counter\nlookslike_abandoned_requests_total %ld\n"
                    "# HELP lookslike_dropped_images_total Images of abandoned requests taken out of the queue, "
                    "never run.\n"
                    "# TYPE lookslike_dropped_images_total counter\nlookslike_dropped_images_total %ld\n",
                g->watch.header_timeouts, g->watch.slow_bodies, g->watch.client_limit, g->watch.shed, g->watch.lingered,
                g->watch.gone,
                g->dropped_images);
    text_printf(&o, "# HELP lookslike_model_reload_total Reloads of the models (SIGHUP): swapped in, or failed "
                    "(the running ones serve on).\n# TYPE lookslike_model_reload_total counter\n"
                    "lookslike_model_reload_total{result=\"ok\"} %llu\nlookslike_model_reload_total{result=\"failed\"} %llu\n",
                reloads_ok, reloads_failed);
    text_printf(&o, "# HELP lookslike_model_info Served models.\n# TYPE lookslike_model_info gauge\n");
    for (int i = 0; i < nmodels; i++)
        text_printf(&o,
                    "lookslike_model_info{model=\"%s\",version=\"%s\",engine=\"%s\",precision=\"%s\","
                    "int8_kernels=\"%s\",input=\"%dx%dx%d\",classes=\"%d\",default=\"%s\"} 1\n",
                    models[i].name, models[i].version, models[i].engine, models[i].precision,
                    models[i].kernels ? models[i].kernels : "", models[i].width, models[i].height, models[i].channels,
                    models[i].classes, models[i].is_default ? "true" : "false");
    return text_take(&o);
}
