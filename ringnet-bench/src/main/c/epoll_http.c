/*
 * epoll_http.c: bin/bench's C reference server ("c-epoll"). One thread, edge-triggered epoll,
 * non-blocking sockets, nothing else: the floor the Java servers are compared with.
 *
 *   epoll_http [--host 127.0.0.1] [--port 8080] [--mode http|echo]
 *
 * http: /plaintext -> "Hello, World!" (text/plain), /json -> {"message":"Hello, World!"}
 *   (application/json), any other path 404; each with Server, Date, Content-Type and
 *   Content-Length, like the benchmark's Java servers. The responses are encoded again when the
 *   second changes (checked on each wake-up, so Date is always current). Keep-alive (HTTP/1.0:
 *   only when asked). Pipelining-tolerant: every complete request in the bytes one read returned
 *   is answered, and the answers go out with one write per read; a request cut across reads
 *   waits for its rest. A malformed request gets 400 and the connection is closed.
 * echo: writes back what each read returned, one write per read.
 * Both: an error closes the connection; output the socket does not take at once waits for
 *   EPOLLOUT (reading pauses above 4 MiB of it).
 *
 * Prints "listening on HOST:PORT server c-epoll transport epoll pid PID" once it accepts
 * connections (port 0: the kernel picks one), then serves until SIGTERM or SIGINT; exit 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE   (64 * 1024)        /* what one read may return; the buffer is shared */
#define MAX_HEAD    (16 * 1024)        /* an unfinished request longer than this is refused */
#define OUT_SIZE    (256 * 1024)       /* shared output buffer, written once per read */
#define MAX_PENDING (4 * 1024 * 1024)  /* unsent output above which reading pauses */
#define MAX_EVENTS  256

struct conn {
    int fd;
    int read_paused;                   /* stopped reading for MAX_PENDING; resume on EPOLLOUT */
    char *partial;                     /* an unfinished request, kept between reads */
    size_t partial_len;
    char *pending;                     /* output the socket did not take yet */
    size_t pending_len;
};

struct response { char bytes[256]; size_t len; };

static int echo_mode, ep, lfd;
static volatile sig_atomic_t stopping;
static unsigned long accepted;
static char rbuf[MAX_HEAD + READ_SIZE];
static char wbuf[OUT_SIZE];
static struct response plaintext, json, not_found;
static time_t encoded_second = -1;
static const char BAD_REQUEST[] =
    "HTTP/1.1 400 Bad Request\r\nServer: c-epoll\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

static void encode(struct response *r, const char *date, const char *status, const char *type,
                   const char *body) {
    r->len = (size_t)snprintf(r->bytes, sizeof r->bytes,
                              "HTTP/1.1 %s\r\nServer: c-epoll\r\nDate: %s\r\nContent-Type: %s\r\n"
                              "Content-Length: %zu\r\n\r\n%s", status, date, type, strlen(body), body);
}

static void refresh_responses(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    if (now.tv_sec == encoded_second) return;
    encoded_second = now.tv_sec;
    struct tm tm;
    char date[64];
    gmtime_r(&now.tv_sec, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm); /* C locale: English names */
    encode(&plaintext, date, "200 OK", "text/plain", "Hello, World!");
    encode(&json, date, "200 OK", "application/json", "{\"message\":\"Hello, World!\"}");
    encode(&not_found, date, "404 Not Found", "text/plain", "Not Found");
}

static void close_conn(struct conn *c) {
    close(c->fd);                      /* also leaves the epoll set: the fd is not shared */
    free(c->partial);
    free(c->pending);
    free(c);
}

/* Writes what is pending; -1 on an error. */
static int flush_pending(struct conn *c) {
    while (c->pending_len > 0) {
        ssize_t n = send(c->fd, c->pending, c->pending_len, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
        memmove(c->pending, c->pending + n, c->pending_len - (size_t)n);
        c->pending_len -= (size_t)n;
    }
    return 0;
}

/* One write of out[0..len); what the socket does not take is kept for EPOLLOUT. -1 on an error. */
static int send_out(struct conn *c, const char *out, size_t len) {
    size_t done = 0;
    if (c->pending_len == 0) {         /* else the new bytes queue behind the old ones */
        ssize_t n = send(c->fd, out, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
        done = n < 0 ? 0 : (size_t)n;
    }
    if (done == len) return 0;
    char *p = realloc(c->pending, c->pending_len + len - done);
    if (!p) return -1;
    memcpy(p + c->pending_len, out + done, len - done);
    c->pending = p;
    c->pending_len += len - done;
    return 0;
}

static int header_is(const char *line, size_t len, const char *name) {
    size_t n = strlen(name);
    return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

/* Parses one request head h[0..len) (it ends with CRLF CRLF). -1 if malformed. */
static int parse_head(const char *h, size_t len, const struct response **answer, size_t *body,
                      int *last) {
    const char *eol = memmem(h, len, "\r\n", 2);
    const char *sp1 = memchr(h, ' ', (size_t)(eol - h));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || eol - sp2 - 1 != 8 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) return -1;
    const char *q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
    size_t path_len = (size_t)((q ? q : sp2) - sp1 - 1);
    if (path_len == 10 && memcmp(sp1 + 1, "/plaintext", 10) == 0) *answer = &plaintext;
    else if (path_len == 5 && memcmp(sp1 + 1, "/json", 5) == 0) *answer = &json;
    else *answer = &not_found;
    *last = sp2[8] == '0';            /* HTTP/1.0 closes unless it asks to keep alive */
    *body = 0;
    for (const char *line = eol + 2; line < h + len - 2; ) {
        const char *end = memmem(line, (size_t)(h + len - line), "\r\n", 2);
        size_t n = (size_t)(end - line);
        const char *v = memchr(line, ':', n);
        for (v = v ? v + 1 : end; v < end && (*v == ' ' || *v == '\t'); v++) {}
        if (header_is(line, n, "content-length")) {
            char *stop;
            unsigned long cl = strtoul(v, &stop, 10);
            if (stop == v || cl > MAX_HEAD) return -1;  /* no body this large is expected here */
            *body = cl;
        } else if (header_is(line, n, "transfer-encoding")) {
            return -1;                 /* chunked bodies are not supported */
        } else if (header_is(line, n, "connection")) {
            if (end - v >= 5 && strncasecmp(v, "close", 5) == 0) *last = 1;
            else if (end - v >= 10 && strncasecmp(v, "keep-alive", 10) == 0) *last = 0;
        }
        line = end + 2;
    }
    return 0;
}

/* Answers every complete request in buf[0..len) with one write, keeps the unfinished rest.
   -1: close the connection (after an error, a bad request or "Connection: close"). */
static int serve_http(struct conn *c, const char *buf, size_t len) {
    size_t pos = 0, out = 0;
    int close_after = 0, status = 0;
    refresh_responses();
    while (pos < len) {
        const char *end = memmem(buf + pos, len - pos, "\r\n\r\n", 4);
        if (!end) break;
        size_t head = (size_t)(end + 4 - (buf + pos)), body;
        const struct response *r;
        int last = 1;              /* Connection: close, or HTTP/1.0 without keep-alive */
        if (parse_head(buf + pos, head, &r, &body, &last) < 0) {
            r = NULL;                  /* 400, then close */
        } else if (body > len - pos - head) {
            break;                     /* the body is not all here yet */
        }
        close_after = last;
        const char *bytes = r ? r->bytes : BAD_REQUEST;
        size_t n = r ? r->len : sizeof BAD_REQUEST - 1;
        if (out + n > sizeof wbuf) {   /* a huge batch: more than one write after all */
            if (send_out(c, wbuf, out) < 0) return -1;
            out = 0;
        }
        memcpy(wbuf + out, bytes, n);
        out += n;
        pos += head + (r ? body : 0);
        if (close_after) break;
    }
    if (out > 0) status = send_out(c, wbuf, out);
    if (status < 0 || close_after) return -1;
    size_t rest = len - pos;
    if (rest > MAX_HEAD) return -1;    /* a request head (or body) too large for this server */
    if (rest > 0) {
        char *p = realloc(c->partial, rest);
        if (!p) return -1;
        memcpy(p, buf + pos, rest);
        c->partial = p;
    }
    c->partial_len = rest;
    return 0;
}

static void on_conn_event(struct conn *c, uint32_t events) {
    if (c->pending_len > 0 && flush_pending(c) < 0) { close_conn(c); return; }
    int readable = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    if (!readable && !c->read_paused) return;        /* EPOLLOUT only */
    c->read_paused = 0;
    for (;;) {
        if (c->pending_len > MAX_PENDING) { c->read_paused = 1; return; }
        size_t keep = c->partial_len;
        if (keep > 0) memcpy(rbuf, c->partial, keep);
        ssize_t n = recv(c->fd, rbuf + keep, READ_SIZE, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) { close_conn(c); return; }          /* error or end of stream */
        int r = echo_mode ? send_out(c, rbuf, (size_t)n) : serve_http(c, rbuf, keep + (size_t)n);
        if (r < 0) { close_conn(c); return; }
        /* A short read drained the socket: newer bytes raise a new edge. Not so for a hang-up
           already reported with this event: read on until the end of stream. */
        if (n < READ_SIZE && !(events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
    }
}

static int listener_paused;
static struct timespec paused_at;

static void on_accept(void) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN) {     /* out of fds or memory: pause accepting for 100 ms */
                fprintf(stderr, "c-epoll: accept: %s; pausing accepts for 100 ms\n", strerror(errno));
                epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
                clock_gettime(CLOCK_MONOTONIC, &paused_at);
                listener_paused = 1;
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (!c || (c->fd = fd, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)) {
            close(fd);
            free(c);
            continue;
        }
        accepted++;
    }
}

static int watch_listener(void) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = NULL};
    return epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);   /* pending connections report at once */
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 8080;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--host") && v) host = argv[++i];
        else if (!strcmp(argv[i], "--port") && v) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--mode") && v && (!strcmp(v, "http") || !strcmp(v, "echo")))
            echo_mode = !strcmp(argv[++i], "echo");
        else {
            fprintf(stderr, "usage: epoll_http [--host 127.0.0.1] [--port 8080] [--mode http|echo]\n");
            return 2;
        }
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "c-epoll: not an IPv4 address: %s\n", host);
        return 2;
    }
    /* SIGTERM/SIGINT are blocked except inside epoll_pwait, so a signal cannot slip in between
       the check of `stopping` and the wait. */
    sigset_t blocked, during_wait;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &during_wait);
    struct sigaction sa = {.sa_handler = on_signal};  /* no SA_RESTART: the wait returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int one = 1;
    socklen_t alen = sizeof addr;
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (lfd < 0 || ep < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 8192) < 0
        || getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0 || watch_listener() < 0) {
        fprintf(stderr, "c-epoll: cannot listen on %s:%d: %s\n", host, port, strerror(errno));
        return 1;
    }
    refresh_responses();
    printf("listening on %s:%d server c-epoll transport epoll pid %ld\n", host, ntohs(addr.sin_port),
           (long)getpid());
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    while (!stopping) {
        int n = epoll_pwait(ep, events, MAX_EVENTS, listener_paused ? 100 : -1, &during_wait);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("c-epoll: epoll_wait");
            return 1;
        }
        if (listener_paused) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            long ms = (now.tv_sec - paused_at.tv_sec) * 1000 + (now.tv_nsec - paused_at.tv_nsec) / 1000000;
            if (ms >= 100 && watch_listener() == 0) listener_paused = 0;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL) on_accept();
            else on_conn_event(events[i].data.ptr, events[i].events);
        }
    }
    fprintf(stderr, "c-epoll stopped: %lu connections accepted\n", accepted);
    return 0;                          /* the kernel closes the sockets */
}
