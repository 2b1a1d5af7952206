/* Prometheus metrics: request counts by route and status, latency histograms
 * per pipeline stage, and gauges read at scrape time. Thread-safe. */
#ifndef LOOKSLIKE_HTTP_METRICS_H
#define LOOKSLIKE_HTTP_METRICS_H

#include "../predict/model_registry.h"
#include "connection_watch.h"

typedef enum {
    STAGE_QUEUE,
    STAGE_DECODE,
    STAGE_PREPROCESS,
    STAGE_INFERENCE,
    STAGE_TOTAL, /* a whole inference request (/predict, v2 infer), receipt to response */
    STAGE_COUNT,
} metrics_stage;

typedef struct {
    int queue_depth, in_flight, busy_workers, ready;
    double body_bytes, body_bytes_limit; /* request bodies held in memory, and their budget */
    connection_watch_stats watch; /* the connection watch's counts (connection_watch.h) */
    long dropped_images; /* of those clients gone: their images taken out of the queue, never run */
} metrics_gauges;

void metrics_count_request(const char *route, int status);
/* A reload of the models: swapped in (ok) or failed. */
void metrics_count_reload(int ok);
void metrics_observe(metrics_stage stage, double ms);
/* Returns a malloc'd exposition text, with one model_info line per served model. */
char *metrics_render(const metrics_gauges *g, const model_description *models, int nmodels);

#endif
