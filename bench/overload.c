/* overload: an open-loop HTTP load generator for bench/report.py's overload
 * rows. Request k is sent at start + k / RATE whatever became of the ones
 * before it (open loop: a slow server does not slow the offered load), each
 * on a new connection from one of ADDRESSES loopback source addresses
 * (127.0.0.2 on), as POST /predict with the image and Connection: close.
 * Latency runs from a request's planned start to its answer's end, so a
 * generator that falls behind counts against the server, not for it.
 * Prints one JSON object: offered, answered 2xx / 503 / other, failed
 * (connect, reset, timeout), goodput per second, p50 / p99 of the 2xx and p50
 * of the 503 (ms).
 * usage: overload PORT IMAGE RATE SECONDS [ADDRESSES=8] */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPEN 4000
#define TIMEOUT_S 10.0

typedef struct {
    int fd;
    double planned; /* s since start */
    size_t sent;
    char head[16];
    size_t got;
} request;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: overload PORT IMAGE RATE SECONDS [ADDRESSES]\n");
        return 2;
    }
    int port = atoi(argv[1]), addresses = argc > 5 ? atoi(argv[5]) : 8;
    double rate = atof(argv[3]), seconds = atof(argv[4]);
    FILE *f = fopen(argv[2], "rb");
    if (!f || rate <= 0 || seconds <= 0 || addresses < 1 || addresses > 250) {
        fprintf(stderr, "overload: bad arguments\n");
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long image_len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char head[256];
    int head_len = snprintf(head, sizeof head,
                            "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
                            "Content-Length: %ld\r\nConnection: close\r\n\r\n",
                            image_len);
    size_t total = (size_t)head_len + (size_t)image_len;
    char *msg = malloc(total);
    if (!msg || fread(msg + head_len, 1, (size_t)image_len, f) != (size_t)image_len)
        return 2;
    fclose(f);
    memcpy(msg, head, (size_t)head_len);

    size_t planned_total = (size_t)(rate * seconds);
    double *ok_ms = malloc(planned_total * sizeof *ok_ms), *busy_ms = malloc(planned_total * sizeof *busy_ms);
    request *reqs = calloc(planned_total, sizeof *reqs);
    int ep = epoll_create1(0);
    if (!ok_ms || !busy_ms || !reqs || ep < 0)
        return 2;
    size_t next = 0, open_now = 0, n_ok = 0, n_busy = 0, n_other = 0, n_failed = 0, n_skipped = 0;
    double start = now_s(), swept = 0;
    size_t first_open = 0;
    struct epoll_event events[256];
    while (next < planned_total || open_now > 0) {
        double t = now_s() - start;
        for (; next < planned_total && (double)next / rate <= t; next++) {
            request *r = &reqs[next];
            r->planned = (double)next / rate;
            if (open_now >= MAX_OPEN) {
                n_skipped++;
                continue;
            }
            r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            struct sockaddr_in src = {.sin_family = AF_INET};
            src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(next % (size_t)addresses));
            struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
            dst.sin_addr.s_addr = htonl(0x7f000001u);
            if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&src, sizeof src) != 0 ||
                (connect(r->fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS)) {
                if (r->fd >= 0)
                    close(r->fd);
                r->fd = -1;
                n_failed++;
                continue;
            }
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP, .data.ptr = r};
            epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev);
            open_now++;
        }
        double wait = next < planned_total ? (double)next / rate - (now_s() - start) : 0.05;
        int n = epoll_wait(ep, events, 256, wait > 0 ? (int)(wait * 1000) + 1 : 0);
        double done_at = now_s() - start;
        for (int i = 0; i < n; i++) {
            request *r = events[i].data.ptr;
            int finished = 0, failed = 0;
            if ((events[i].events & EPOLLOUT) && r->sent < total) {
                ssize_t w = send(r->fd, msg + r->sent, total - r->sent, MSG_NOSIGNAL);
                if (w > 0)
                    r->sent += (size_t)w;
                else if (errno != EAGAIN)
                    failed = 1;
                if (r->sent == total) {
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = r};
                    epoll_ctl(ep, EPOLL_CTL_MOD, r->fd, &ev);
                }
            }
            if (!failed && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                char buf[16384];
                ssize_t got;
                while ((got = recv(r->fd, buf, sizeof buf, 0)) > 0) {
                    size_t keep = sizeof r->head - 1 - r->got;
                    if (keep > (size_t)got)
                        keep = (size_t)got;
                    memcpy(r->head + r->got, buf, keep);
                    r->got += keep;
                }
                if (got == 0)
                    finished = 1;
                else if (errno != EAGAIN)
                    failed = 1;
            }
            if (!finished && !failed && done_at - r->planned > TIMEOUT_S)
                failed = 1;
            if (finished || failed) {
                int status = r->got >= 12 && !memcmp(r->head, "HTTP/1.", 7) ? atoi(r->head + 9) : 0;
                double ms = (done_at - r->planned) * 1000;
                if (status >= 200 && status < 300)
                    ok_ms[n_ok++] = ms;
                else if (status == 503)
                    busy_ms[n_busy++] = ms;
                else if (status)
                    n_other++;
                else
                    n_failed++;
                epoll_ctl(ep, EPOLL_CTL_DEL, r->fd, NULL);
                close(r->fd);
                r->fd = -1;
                open_now--;
            }
        }
        if (done_at - swept > 0.5) { /* requests that heard nothing for TIMEOUT_S */
            swept = done_at;
            while (first_open < next && reqs[first_open].fd <= 0)
                first_open++;
            for (size_t k = first_open; k < next; k++)
                if (reqs[k].fd > 0 && done_at - reqs[k].planned > TIMEOUT_S) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, reqs[k].fd, NULL);
                    close(reqs[k].fd);
                    reqs[k].fd = -1;
                    n_failed++;
                    open_now--;
                }
        }
    }
    double elapsed = now_s() - start;
    printf("{\"rate\": %.1f, \"seconds\": %.2f, \"offered\": %zu, \"ok\": %zu, \"busy\": %zu, \"other\": %zu, "
           "\"failed\": %zu, \"skipped\": %zu, \"goodput\": %.1f, \"ok_p50\": %.2f, \"ok_p99\": %.2f, "
           "\"busy_p50\": %.2f}\n",
           rate, elapsed, planned_total, n_ok, n_busy, n_other, n_failed, n_skipped, (double)n_ok / seconds,
           percentile(ok_ms, n_ok, 0.5), percentile(ok_ms, n_ok, 0.99), percentile(busy_ms, n_busy, 0.5));
    return 0;
}
