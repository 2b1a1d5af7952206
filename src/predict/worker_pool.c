#include "worker_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clock.h"

typedef struct {
    worker_pool *pool;
    pthread_t thread;
    int index, busy;
    int max_threads; /* threads_per_worker for the first worker, else 1 */
} worker;

struct worker_pool {
    model_set *first; /* the set the workers warm up on; only during worker_pool_start */
    worker_pool_config cfg;
    pthread_mutex_t lock;
    pthread_cond_t wake, started;
    inference_job *head, *tail; /* the submissions waiting, each by its first queued job (next_group) */
    int depth, busy, stopping, closed, running, failed;
    int completing; /* done() callbacks running now */
    int cores_used; /* by the jobs running now */
    int warm; /* workers that finished warming up */
    worker *workers;
    char *err;
    size_t errlen;
};

/* Whether w may take the next job now: there is one, a core is free, and
 * every worker before it is busy. Preferring the lowest-numbered idle worker
 * keeps a light load on one warm worker (its engine's weights and buffers
 * stay in cache) instead of alternating between all of them. */
static int may_take(const worker_pool *p, const worker *w)
{
    if (!p->head || p->cores_used >= p->cfg.cores)
        return 0;
    for (int i = 0; i < w->index; i++)
        if (!p->workers[i].busy)
            return 0;
    return 1;
}

/* How many threads the job just taken by w runs on: all w may use when they
 * are free and no idle worker could serve a waiting job, else one. */
static int threads_for_job(const worker_pool *p, const worker *w)
{
    int idle = p->running - p->busy;
    int want = w->max_threads;
    return (!p->head || idle == 0) && p->cores_used + want <= p->cfg.cores ? want : 1;
}

/* Appends a submission (by its first queued job) to the turn order. Locked. */
static void append_group(worker_pool *p, inference_job *first)
{
    first->next_group = NULL;
    if (p->tail)
        p->tail->next_group = first;
    else
        p->head = first;
    p->tail = first;
}

/* The first job of the submission whose turn it is; the rest of that
 * submission goes to the back of the line. Locked. */
static inference_job *take_next(worker_pool *p)
{
    inference_job *job = p->head;
    if (!job)
        return NULL;
    p->head = job->next_group;
    if (!p->head)
        p->tail = NULL;
    if (job->next)
        append_group(p, job->next);
    p->depth--;
    return job;
}

int worker_pool_complete_cancelled(inference_job *job, const char *why)
{
    int n = 0;
    for (inference_job *next; job; job = next, n++) {
        next = job->next; /* done() may free the job */
        model_set *set = job->set;
        job->status = OUTCOME_SHUTTING_DOWN;
        snprintf(job->error, sizeof job->error, "%s", why);
        job->done(job, job->done_arg);
        model_set_release(set);
    }
    return n;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    worker_pool *p = w->pool;
    char err[NN_ERR_LEN];
    int rc = model_set_warm(p->first, w->index, err, sizeof err); /* on this thread */
    pthread_mutex_lock(&p->lock);
    if (rc < 0 && !p->failed) {
        p->failed = 1;
        snprintf(p->err, p->errlen, "%s", err);
    }
    p->warm++;
    pthread_cond_broadcast(&p->started);
    pthread_mutex_unlock(&p->lock);
    if (rc < 0)
        return NULL;

    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (!may_take(p, w) && !(p->stopping && !p->head))
            pthread_cond_wait(&p->wake, &p->lock);
        inference_job *job = take_next(p);
        if (!job) { /* stopping and drained */
            pthread_mutex_unlock(&p->lock);
            break;
        }
        p->busy++;
        w->busy = 1;
        int threads = threads_for_job(p, w);
        p->cores_used += threads;
        pthread_mutex_unlock(&p->lock);

        job->queue_ms = clock_ms() - job->enqueued_at;
        job->error[0] = '\0';
        predictor *pr = job->set->predictors[w->index];
        predictor_set_threads(pr, threads);
        if (job->boxes)
            predictor_set_detection(pr, &job->detection);
        if (job->pixels)
            job->status = predictor_run_rgb(pr, job->model, job->pixels, job->width, job->height, job->crop,
                                            job->k, &job->result, job->error, sizeof job->error);
        else
            job->status = predictor_run_image(pr, job->model, job->image, job->len, job->crop, job->k,
                                              &p->cfg.limits, &job->result, job->error, sizeof job->error);
        if (job->status == OUTCOME_OK && job->probabilities)
            memcpy(job->probabilities, job->result.outputs,
                   nn_model_outputs(&job->model->network) * sizeof *job->probabilities);
        if (job->status == OUTCOME_OK && job->features &&
            predictor_features(pr, job->model, job->features) < 0) {
            job->status = OUTCOME_INTERNAL;
            snprintf(job->error, sizeof job->error, "the engine gave no features for model '%s'", job->model->name);
        }
        if (job->status == OUTCOME_OK && job->heatmaps &&
            predictor_explain(pr, job->model, job->crop, &job->result, job->heatmaps) < 0) {
            job->status = OUTCOME_INTERNAL;
            snprintf(job->error, sizeof job->error, "the engine gave no class map for model '%s'", job->model->name);
        }
        if (job->status == OUTCOME_OK && job->boxes)
            memcpy(job->boxes, job->result.boxes, (size_t)job->result.nboxes * sizeof *job->boxes);
        job->result.boxes = job->boxes;
        job->result.outputs = NULL; /* the predictor's, about to be reused */

        /* The cores are free before the client hears back (its next request
         * may have them all); the callback is counted until it has returned,
         * so that worker_pool_idle() means no callback is still running. */
        pthread_mutex_lock(&p->lock);
        p->busy--;
        w->busy = 0;
        p->cores_used -= threads;
        p->completing++;
        pthread_cond_broadcast(&p->wake); /* a waiting job may start now */
        pthread_mutex_unlock(&p->lock);
        model_set *set = job->set;
        job->done(job, job->done_arg); /* the job may be freed from here on */
        model_set_release(set); /* held since the job was queued */
        pthread_mutex_lock(&p->lock);
        p->completing--;
        pthread_mutex_unlock(&p->lock);
    }
    return NULL;
}

void worker_pool_clamp(worker_pool_config *c)
{
    if (c->threads_per_worker < 1)
        c->threads_per_worker = 1;
    if (c->cores < c->workers)
        c->cores = c->workers;
    if (c->threads_per_worker > c->cores)
        c->threads_per_worker = c->cores;
}

worker_pool *worker_pool_start(model_set *first, const worker_pool_config *cfg, char *err, size_t errlen)
{
    worker_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)cfg->workers, sizeof *p->workers))) {
        snprintf(err, errlen, "out of memory");
        free(p);
        return NULL;
    }
    p->first = first;
    p->cfg = *cfg;
    worker_pool_clamp(&p->cfg);
    p->err = err;
    p->errlen = errlen;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->started, NULL);
    for (int i = 0; i < cfg->workers; i++) {
        p->workers[i].pool = p;
        p->workers[i].index = i;
        p->workers[i].max_threads = i == 0 ? p->cfg.threads_per_worker : 1;
        if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0) {
            snprintf(err, errlen, "cannot start worker thread %d", i);
            p->failed = 1;
            break;
        }
        p->running++;
    }
    /* Wait for every started worker to be warm (or to have failed). */
    pthread_mutex_lock(&p->lock);
    while (p->warm < p->running)
        pthread_cond_wait(&p->started, &p->lock);
    int failed = p->failed;
    pthread_mutex_unlock(&p->lock);
    if (failed) {
        worker_pool_stop(p);
        return NULL;
    }
    p->err = NULL;
    p->first = NULL; /* the workers are warm */
    return p;
}

int worker_pool_submit_all(worker_pool *p, inference_job *jobs, int n)
{
    pthread_mutex_lock(&p->lock);
    if (p->stopping || p->closed || n > p->cfg.queue_capacity - p->depth) {
        pthread_mutex_unlock(&p->lock);
        return -1;
    }
    double now = clock_ms();
    for (int i = 0; i < n; i++) {
        jobs[i].next = i + 1 < n ? &jobs[i + 1] : NULL;
        jobs[i].enqueued_at = now;
        model_set_hold(jobs[i].set); /* until its done() has run */
    }
    if (n > 0)
        append_group(p, &jobs[0]);
    p->depth += n;
    pthread_cond_broadcast(&p->wake); /* only some workers may take them (may_take) */
    pthread_mutex_unlock(&p->lock);
    return 0;
}

int worker_pool_idle(worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int idle = !p->head && !p->busy && !p->completing;
    pthread_mutex_unlock(&p->lock);
    return idle;
}

int worker_pool_cancel_queued(worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->closed = 1;
    inference_job *all = NULL, **end = &all; /* every submission's queued jobs, one list */
    for (inference_job *g = p->head; g; g = g->next_group) {
        *end = g;
        while (*end)
            end = &(*end)->next;
    }
    p->head = p->tail = NULL;
    p->depth = 0;
    pthread_mutex_unlock(&p->lock);
    return worker_pool_complete_cancelled(all, "the server is shutting down");
}

inference_job *worker_pool_withdraw(worker_pool *p, inference_job *jobs, int n)
{
    pthread_mutex_lock(&p->lock);
    inference_job *prev = NULL, *g = p->head;
    while (g && !(g >= jobs && g < jobs + n)) /* a submission's queued jobs are the last ones of its array */
        prev = g, g = g->next_group;
    if (g) {
        if (prev)
            prev->next_group = g->next_group;
        else
            p->head = g->next_group;
        if (p->tail == g)
            p->tail = prev;
        for (inference_job *j = g; j; j = j->next)
            p->depth--;
    }
    pthread_mutex_unlock(&p->lock);
    return g;
}

int worker_pool_ready(worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int ready = !p->stopping && !p->closed && !p->failed && p->warm == p->cfg.workers;
    pthread_mutex_unlock(&p->lock);
    return ready;
}

int worker_pool_queue_depth(worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int d = p->depth;
    pthread_mutex_unlock(&p->lock);
    return d;
}

int worker_pool_busy(worker_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int b = p->busy;
    pthread_mutex_unlock(&p->lock);
    return b;
}

void worker_pool_stop(worker_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->running; i++)
        pthread_join(p->workers[i].thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->started);
    free(p->workers);
    free(p);
}
