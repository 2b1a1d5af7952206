/* Files of the UI, served from the static directory only. A path is resolved
 * with realpath() and must still lie inside the directory afterwards, which
 * rules out "..", encoded dots and symlinks pointing outside; dotfiles and
 * directories are never served (no listings). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_request.h"
#include "responses.h"

static const struct {
    const char *ext, *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".webm", "video/webm"},
    {".mp4", "video/mp4"},
    {".woff2", "font/woff2"},
};

static const char *content_type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof content_types / sizeof *content_types; i++)
        if (!strcasecmp(dot, content_types[i].ext))
            return content_types[i].type;
    return "application/octet-stream";
}

/* Every segment must be a plain name: not empty-dot, not "..", not hidden. */
static int safe_url(const char *url)
{
    if (url[0] != '/' || strlen(url) >= 1024 || strchr(url, '\\'))
        return 0;
    for (const char *seg = url + 1; *seg;) {
        if (seg[0] == '.')
            return 0;
        const char *slash = strchr(seg, '/');
        if (!slash)
            break;
        seg = slash + 1;
    }
    return 1;
}

/* Resolves url to a regular file inside the static root; fills real. */
static int resolve(http_server *s, const char *url, char *real, struct stat *st)
{
    const char *root = server_config(s)->static_dir;
    char wanted[PATH_MAX];
    size_t n = strlen(url);
    if (!safe_url(url))
        return -1;
    if (snprintf(wanted, sizeof wanted, "%s%s%s", root, url, url[n - 1] == '/' ? "index.html" : "") >=
        (int)sizeof wanted)
        return -1;
    if (!realpath(wanted, real))
        return -1;
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/')
        return -1; /* a symlink led outside */
    if (stat(real, st) < 0 || !S_ISREG(st->st_mode))
        return -1;
    return 0;
}

int static_file_exists(http_server *s, const char *url)
{
    char real[PATH_MAX];
    struct stat st;
    return resolve(s, url, real, &st) == 0;
}

/* Also answers HEAD: libmicrohttpd leaves out the body itself. */
enum MHD_Result static_route(http_request *r, const route_call *call)
{
    const char *url = call->url;
    char real[PATH_MAX], etag[64], modified[64];
    struct stat st;
    if (resolve(r->server, url, real, &st) < 0)
        return respond_not_found(r, url);
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec);
    struct tm tm;
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    strftime(modified, sizeof modified, "%a, %d %b %Y %H:%M:%S GMT", &tm);

    struct MHD_Response *resp;
    unsigned status = MHD_HTTP_OK;
    const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && strstr(inm, etag)) {
        status = MHD_HTTP_NOT_MODIFIED;
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            return respond_not_found(r, url);
        resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd); /* takes the descriptor */
        if (!resp)
            close(fd);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type_of(real));
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, modified);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    return respond_queue(r, status, resp);
}
