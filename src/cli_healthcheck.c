/* `lookslike healthcheck`: exits 0 when the server configured by the same
 * flags and LOOKSLIKE_* environment answers GET /readyz with 200 within two
 * seconds, 1 otherwise. For container HEALTHCHECKs, so that the image needs
 * no HTTP client of its own. A wildcard --bind (0.0.0.0, ::) is reached on
 * loopback. */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "cli.h"
#include "config.h"
#include "socket_address.h"

#define TIMEOUT_MS 2000

/* Waits for fd to become ready for `events` until the deadline. */
static int wait_for(int fd, short events, double deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    int left = (int)(deadline - clock_ms());
    return left > 0 && poll(&p, 1, left) == 1 && (p.revents & events) ? 0 : -1;
}

static int connect_to(const service_config *c, double deadline)
{
    struct sockaddr_storage addr;
    socklen_t len = socket_address_parse(c->bind, c->port, &addr);
    if (!len) {
        fprintf(stderr, "lookslike healthcheck: --bind %s is not an IPv4 or IPv6 address\n", c->bind);
        return -1;
    }
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr; /* a wildcard is reached on loopback */
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (addr.ss_family == AF_INET && v4->sin_addr.s_addr == htonl(INADDR_ANY))
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (addr.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr))
        v6->sin6_addr = in6addr_loopback;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = connect(fd, (struct sockaddr *)&addr, len), err = 0;
    socklen_t errlen = sizeof err;
    if (rc < 0 && (wait_for(fd, POLLOUT, deadline) < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0 ||
                   err != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

int cli_healthcheck(int argc, char **argv)
{
    service_config c;
    int rc = config_load(&c, COMMAND_HEALTHCHECK, argc, argv, NULL);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    double deadline = clock_ms() + TIMEOUT_MS;
    int fd = connect_to(&c, deadline);
    if (fd < 0) {
        fprintf(stderr, "lookslike healthcheck: nothing answers on %s port %d\n", c.bind, c.port);
        return 1;
    }
    static const char ask[] = "GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n";
    char answer[64] = "";
    size_t got = 0;
    int sent = wait_for(fd, POLLOUT, deadline) == 0 && send(fd, ask, sizeof ask - 1, MSG_NOSIGNAL) == sizeof ask - 1;
    while (sent && got < sizeof answer - 1 && !strchr(answer, '\n') && wait_for(fd, POLLIN, deadline) == 0) {
        ssize_t n = recv(fd, answer + got, sizeof answer - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        answer[got] = '\0';
    }
    close(fd);
    int status = 0;
    if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
        fprintf(stderr, "lookslike healthcheck: /readyz on port %d answered %s\n", c.port,
                status ? "not ready" : "nothing");
        return 1;
    }
    return 0;
}
