/* Prometheus metrics: request counts by route and status, latency histograms
 * per pipeline stage, and gauges read at scrape time. Thread-safe. */
#ifndef LOOKSLIKE_HTTP_METRICS_H
#define LOOKSLIKE_HTTP_METRICS_H

typedef enum {
    STAGE_QUEUE,
    STAGE_DECODE,
    STAGE_PREPROCESS,
    STAGE_INFERENCE,
    STAGE_TOTAL, /* whole /predict request, receipt to response */
    STAGE_COUNT,
} metrics_stage;

typedef struct {
    int queue_depth, in_flight, busy_workers, ready;
    double body_bytes, body_bytes_limit; /* request bodies held in memory, and their budget */
} metrics_gauges;

void metrics_count_request(const char *route, int status);
void metrics_observe(metrics_stage stage, double ms);
/* Appends one model_info line per served model at render time. */
typedef struct {
    const char *model, *engine;
    int width, height, channels, classes;
} metrics_model;
/* Returns a malloc'd exposition text. */
char *metrics_render(const metrics_gauges *g, const metrics_model *models, int nmodels);

#endif
