/*
 * Benchmarks/proxy/xmpp-load.c - the load generator and the minimal XMPP peer
 * used by Benchmarks/proxy/run.sh.  127.0.0.1 only.
 *
 *   xmpp-load serve  --port P [--cert F --key F]          minimal c2s server (the peer)
 *   xmpp-load ping   --port P [--tls --ca F] [--count N] [--warmup W]
 *   xmpp-load stream --port P [--tls --ca F] [--mb M] [--body B]
 *   xmpp-load hold   --port P [--tls --ca F] [--conns C] [--hold S]
 *   common: --domain D --user U --password PW --timeout S (per socket read/write)
 *
 * Every client mode opens a real session: stream header, features, optional
 * STARTTLS (OpenSSL; the server certificate is verified against --ca for the
 * name --domain), SASL PLAIN, restart, resource binding.  Then:
 *   ping    N serial iq pings (one outstanding at a time); prints round-trip
 *           percentiles in microseconds (the first W are warm-up, not counted)
 *   stream  M MB (10^6 bytes) of <message/> stanzas with B-byte bodies, then
 *           one iq; the peer answers it with the messages and bytes it counted,
 *           which must equal what was sent; prints MB/s from the first byte
 *           written to that answer
 *   hold    C sessions opened one after the other and kept open; prints
 *           "ready held=N" (stdout, flushed), sleeps S seconds, then sends one
 *           iq ping on every connection and counts the answers
 *
 * The peer (serve) answers the stream header and features (STARTTLS, optional,
 * when it has a certificate; PLAIN accepting anything; then bind), answers every
 * iq (a ping with an empty result, a bind with a JID, and any iq in stream
 * mode with <count messages='N' bytes='B'/> of what it received), and counts
 * messages.  One thread per connection, blocking I/O.
 *
 * Framing is a small depth counter over tags (quotes honoured), enough for the
 * traffic of this benchmark and Prosody's replies; not a general XML parser.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *opt_domain = "xmppscope.test";
static const char *opt_user = "alice";
static const char *opt_password = "xmppscope-test-password";
static const char *opt_ca, *opt_cert, *opt_key;
static int opt_port, opt_tls, opt_count = 3000, opt_warmup = 200, opt_body = 1000, opt_conns = 1000;
static double opt_mb = 100, opt_hold = 2, opt_timeout = 30;

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "xmpp-load: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ connection */

enum { U_NONE, U_HEADER, U_ELEMENT, U_CLOSE };

typedef struct {
    int fd;
    SSL *ssl;
    char *buf;
    size_t len, cap;
    size_t scan;       /* where the tag scanner resumes */
    size_t elem_start; /* start of the depth-1 element being read */
    int depth;
} conn;

static void conn_init(conn *c, int fd) {
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->cap = 256 * 1024;
    c->buf = malloc(c->cap);
    if (!c->buf) die("out of memory");
}

static void conn_free(conn *c) {
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->fd >= 0) close(c->fd);
    free(c->buf);
    c->buf = NULL;
    c->fd = -1;
    c->ssl = NULL;
}

/* Stream restart (after STARTTLS, after SASL success): a new header comes. */
static void conn_restart(conn *c) {
    c->depth = 0;
    memmove(c->buf, c->buf + c->scan, c->len - c->scan);
    c->len -= c->scan;
    c->scan = c->elem_start = 0;
}

static int conn_write(conn *c, const void *data, size_t n) {
    const char *p = data;
    while (n > 0) {
        ssize_t w;
        if (c->ssl) {
            int r = SSL_write(c->ssl, p, n > 1 << 30 ? 1 << 30 : (int)n);
            w = r > 0 ? r : -1;
        } else {
            w = send(c->fd, p, n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
        }
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int conn_writef(conn *c, const char *fmt, ...) {
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) return -1;
    return conn_write(c, tmp, (size_t)n);
}

/* Reads more bytes; 0 on EOF/error/timeout. */
static int conn_fill(conn *c) {
    size_t keep = c->depth >= 2 ? c->elem_start : c->scan;
    if (keep > 0) {
        memmove(c->buf, c->buf + keep, c->len - keep);
        c->len -= keep;
        c->scan -= keep;
        if (c->elem_start >= keep) c->elem_start -= keep; else c->elem_start = 0;
    }
    if (c->cap - c->len < 64 * 1024) {
        c->cap *= 2;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf) die("out of memory");
    }
    ssize_t r;
    for (;;) {
        if (c->ssl) {
            int n = SSL_read(c->ssl, c->buf + c->len, (int)(c->cap - c->len));
            r = n > 0 ? n : -1;
        } else {
            r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
            if (r < 0 && errno == EINTR) continue;
        }
        break;
    }
    if (r <= 0) return 0;
    c->len += (size_t)r;
    return 1;
}

/* The next stream header, depth-1 element or stream close, or U_NONE at EOF. */
static int conn_next(conn *c, const char **s, size_t *n) {
    for (;;) {
        char *p = c->scan < c->len ? memchr(c->buf + c->scan, '<', c->len - c->scan) : NULL;
        if (!p) {
            c->scan = c->len;
            if (!conn_fill(c)) return U_NONE;
            continue;
        }
        size_t i = (size_t)(p - c->buf), j = i + 1;
        char q = 0;
        for (; j < c->len; j++) {
            char ch = c->buf[j];
            if (q) { if (ch == q) q = 0; }
            else if (ch == '"' || ch == '\'') q = ch;
            else if (ch == '>') break;
        }
        if (j >= c->len) {  /* tag incomplete */
            c->scan = i;
            if (!conn_fill(c)) return U_NONE;
            continue;
        }
        char *t = c->buf + i;
        size_t tl = j - i + 1;
        c->scan = j + 1;
        if (t[1] == '?' || t[1] == '!') continue;
        if (c->depth == 0) {
            if (tl > 14 && memcmp(t, "<stream:stream", 14) == 0) {
                c->depth = 1;
                *s = t; *n = tl;
                return U_HEADER;
            }
            continue;
        }
        if (t[1] == '/') {
            c->depth--;
            if (c->depth == 0) { *s = t; *n = tl; return U_CLOSE; }
            if (c->depth == 1) {
                *s = c->buf + c->elem_start;
                *n = j + 1 - c->elem_start;
                return U_ELEMENT;
            }
            continue;
        }
        if (c->depth == 1) c->elem_start = i;
        if (t[tl - 2] == '/') {
            if (c->depth == 1) { *s = t; *n = tl; return U_ELEMENT; }
            continue;
        }
        c->depth++;
    }
}

static int starts(const char *s, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0 && (n == k || s[k] == ' ' || s[k] == '>' || s[k] == '/');
}
static int contains(const char *s, size_t n, const char *needle) {
    return memmem(s, n, needle, strlen(needle)) != NULL;
}
/* The value of attribute `id` in the element's start tag, into out. */
static void get_id(const char *s, size_t n, char *out, size_t outn) {
    const char *e = memchr(s, '>', n);
    size_t lim = e ? (size_t)(e - s) : n;
    out[0] = 0;
    for (size_t i = 0; i + 4 < lim; i++) {
        if ((s[i] == ' ' || s[i] == '\t' || s[i] == '\n') && s[i + 1] == 'i' && s[i + 2] == 'd' && s[i + 3] == '=') {
            char q = s[i + 4];
            size_t k = i + 5, m = 0;
            while (k < lim && s[k] != q && m + 1 < outn) out[m++] = s[k++];
            out[m] = 0;
            return;
        }
    }
}

static void tune(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {(time_t)opt_timeout, (suseconds_t)((opt_timeout - (time_t)opt_timeout) * 1e6)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static const char *NS_STREAM_HEADER =
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'";

/* ------------------------------------------------------------ the peer */

static SSL_CTX *server_ctx;

static void *serve_one(void *arg) {
    conn c;
    conn_init(&c, (int)(intptr_t)arg);
    tune(c.fd);
    int stage = 0; /* 0 before TLS/auth, 1 TLS done, 2 authenticated */
    if (!server_ctx) stage = 1;
    unsigned long long messages = 0, bytes = 0;
    const char *s;
    size_t n;
    int u;
    char id[128];
    while ((u = conn_next(&c, &s, &n)) != U_NONE) {
        if (u == U_HEADER) {
            if (conn_writef(&c, "<?xml version='1.0'?><stream:stream %s from='%s' id='bench-%d'>", NS_STREAM_HEADER,
                            opt_domain, c.fd) < 0)
                break;
            const char *features =
                stage == 0 ? "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
                             "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
                : stage == 1 ? "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
                : "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
            if (conn_write(&c, features, strlen(features)) < 0) break;
        } else if (u == U_CLOSE) {
            conn_write(&c, "</stream:stream>", 16);
            break;
        } else if (starts(s, n, "<message")) {
            messages++;
            bytes += n;
        } else if (starts(s, n, "<iq")) {
            get_id(s, n, id, sizeof id);
            int r;
            if (contains(s, n, "urn:ietf:params:xml:ns:xmpp-bind"))
                r = conn_writef(&c, "<iq type='result' id='%s'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>%s@%s/bench</jid></bind></iq>",
                                id, opt_user, opt_domain);
            else if (contains(s, n, "urn:xmpp:ping"))
                r = conn_writef(&c, "<iq type='result' id='%s'/>", id);
            else
                r = conn_writef(&c, "<iq type='result' id='%s'><count xmlns='urn:xmppscope:bench' messages='%llu' bytes='%llu'/></iq>",
                                id, messages, bytes);
            if (r < 0) break;
        } else if (starts(s, n, "<starttls") && server_ctx && stage == 0) {
            if (conn_write(&c, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 50) < 0) break;
            c.ssl = SSL_new(server_ctx);
            SSL_set_fd(c.ssl, c.fd);
            if (SSL_accept(c.ssl) != 1) break;
            stage = 1;
            conn_restart(&c);
        } else if (starts(s, n, "<auth")) {
            if (conn_write(&c, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", 51) < 0) break;
            stage = 2;
            conn_restart(&c);
        }
    }
    conn_free(&c);
    return NULL;
}

static void serve(void) {
    if (opt_cert) {
        server_ctx = SSL_CTX_new(TLS_server_method());
        if (!server_ctx || SSL_CTX_use_certificate_chain_file(server_ctx, opt_cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(server_ctx, opt_key, SSL_FILETYPE_PEM) != 1)
            die("cannot load %s / %s", opt_cert, opt_key ? opt_key : "(no --key)");
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0) die("cannot listen on 127.0.0.1:%d: %s", opt_port, strerror(errno));
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    printf("listening 127.0.0.1:%d%s\n", opt_port, server_ctx ? " (STARTTLS offered, optional)" : "");
    fflush(stdout);
    for (;;) {
        int cfd = accept(fd, NULL, NULL);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) { usleep(10000); continue; }
            die("accept: %s", strerror(errno));
        }
        pthread_t t;
        if (pthread_create(&t, &attr, serve_one, (void *)(intptr_t)cfd) != 0) close(cfd);
    }
}

/* ------------------------------------------------------------ clients */

static SSL_CTX *client_ctx;

static void b64(const unsigned char *in, size_t n, char *out) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
}

/* Next element; NULL (with why) at EOF or on a stream error. */
static int expect(conn *c, const char *prefix, const char **s, size_t *n, char *why, size_t whyn) {
    for (;;) {
        int u = conn_next(c, s, n);
        if (u == U_NONE) { snprintf(why, whyn, "connection closed or timed out waiting for %s", prefix); return 0; }
        if (u == U_CLOSE) { snprintf(why, whyn, "stream closed waiting for %s", prefix); return 0; }
        if (u == U_HEADER && strcmp(prefix, "<stream:stream") == 0) return 1;
        if (u != U_ELEMENT) continue;
        if (starts(*s, *n, prefix)) return 1;
        if (starts(*s, *n, "<stream:error") || starts(*s, *n, "<failure")) {
            snprintf(why, whyn, "waiting for %s got: %.*s", prefix, (int)(*n > 300 ? 300 : *n), *s);
            return 0;
        }
    }
}

static int open_stream(conn *c, const char **s, size_t *n, char *why, size_t whyn) {
    if (conn_writef(c, "<?xml version='1.0'?><stream:stream to='%s' %s>", opt_domain, NS_STREAM_HEADER) < 0) {
        snprintf(why, whyn, "write failed: %s", strerror(errno));
        return 0;
    }
    return expect(c, "<stream:stream", s, n, why, whyn) && expect(c, "<stream:features", s, n, why, whyn);
}

/* Connect and log in; 1 on success, else 0 with why. */
static int session(conn *c, int k, char *why, size_t whyn) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { snprintf(why, whyn, "socket: %s", strerror(errno)); return 0; }
    conn_init(c, fd);
    tune(fd);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { snprintf(why, whyn, "connect: %s", strerror(errno)); return 0; }
    const char *s;
    size_t n;
    if (!open_stream(c, &s, &n, why, whyn)) return 0;
    if (opt_tls) {
        if (!contains(s, n, "urn:ietf:params:xml:ns:xmpp-tls")) { snprintf(why, whyn, "no STARTTLS offered: %.*s", (int)n, s); return 0; }
        if (conn_write(c, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", 51) < 0 ||
            !expect(c, "<proceed", &s, &n, why, whyn))
            return 0;
        c->ssl = SSL_new(client_ctx);
        SSL_set_fd(c->ssl, fd);
        SSL_set_tlsext_host_name(c->ssl, opt_domain);
        SSL_set1_host(c->ssl, opt_domain);
        if (SSL_connect(c->ssl) != 1) {
            unsigned long e = ERR_get_error();
            long v = SSL_get_verify_result(c->ssl);
            snprintf(why, whyn, "TLS handshake failed: %s (verify: %s)", e ? ERR_error_string(e, NULL) : "?",
                     X509_verify_cert_error_string(v));
            return 0;
        }
        conn_restart(c);
        if (!open_stream(c, &s, &n, why, whyn)) return 0;
    }
    unsigned char plain[512];
    size_t ul = strlen(opt_user), pl = strlen(opt_password);
    if (ul + pl + 2 > sizeof plain) die("user/password too long");
    plain[0] = 0;
    memcpy(plain + 1, opt_user, ul);
    plain[1 + ul] = 0;
    memcpy(plain + 2 + ul, opt_password, pl);
    char enc[800];
    b64(plain, ul + pl + 2, enc);
    if (conn_writef(c, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", enc) < 0 ||
        !expect(c, "<success", &s, &n, why, whyn))
        return 0;
    conn_restart(c);
    if (!open_stream(c, &s, &n, why, whyn)) return 0;
    if (conn_writef(c, "<iq type='set' id='bind-%d'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench-%d</resource></bind></iq>", k, k) < 0 ||
        !expect(c, "<iq", &s, &n, why, whyn))
        return 0;
    if (!contains(s, n, "result")) { snprintf(why, whyn, "bind failed: %.*s", (int)n, s); return 0; }
    return 1;
}

/* One iq ping, answered (1) or not (0). */
static int ping(conn *c, const char *id) {
    if (conn_writef(c, "<iq type='get' id='%s' to='%s'><ping xmlns='urn:xmpp:ping'/></iq>", id, opt_domain) < 0) return 0;
    const char *s;
    size_t n;
    char got[128], why[256];
    for (;;) {
        if (!expect(c, "<iq", &s, &n, why, sizeof why)) return 0;
        get_id(s, n, got, sizeof got);
        if (strcmp(got, id) == 0) return 1;
    }
}

static void close_stream(conn *c) {
    conn_write(c, "</stream:stream>", 16);
    conn_free(c);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double pct(const double *sorted, int n, double p) { /* nearest rank */
    int k = (int)(p * n + 0.999999) - 1;
    if (k < 0) k = 0;
    if (k >= n) k = n - 1;
    return sorted[k];
}

static void do_ping(void) {
    conn c;
    char why[512];
    if (!session(&c, 0, why, sizeof why)) die("session: %s", why);
    int total = opt_warmup + opt_count;
    double *rtt = malloc(sizeof(double) * (size_t)opt_count);
    char id[64];
    for (int i = 0; i < total; i++) {
        snprintf(id, sizeof id, "ping-%d", i);
        double t0 = now();
        if (!ping(&c, id)) die("ping %d (%s) not answered", i, id);
        double t = (now() - t0) * 1e6;
        if (i >= opt_warmup) rtt[i - opt_warmup] = t;
    }
    close_stream(&c);
    double sum = 0;
    for (int i = 0; i < opt_count; i++) sum += rtt[i];
    qsort(rtt, (size_t)opt_count, sizeof(double), cmp_double);
    printf("pings=%d warmup=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f\n", opt_count, opt_warmup,
           pct(rtt, opt_count, 0.50), pct(rtt, opt_count, 0.90), pct(rtt, opt_count, 0.99), rtt[opt_count - 1],
           sum / opt_count);
    free(rtt);
}

static void do_stream(void) {
    conn c;
    char why[512];
    if (!session(&c, 0, why, sizeof why)) die("session: %s", why);
    /* One chunk of 64 messages, ids rewritten in place (fixed width). */
    char *body = malloc((size_t)opt_body + 1);
    unsigned seed = 12345;
    for (int i = 0; i < opt_body; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 32;
        body[i] = r < 5 ? ' ' : (char)('a' + r % 26);
    }
    body[opt_body] = 0;
    enum { PER_CHUNK = 64 };
    size_t one = (size_t)snprintf(NULL, 0, "<message to='bob@%s/bench' type='chat' id='m%010d'><body>%s</body></message>", opt_domain, 0, body);
    char *chunk = malloc(one * PER_CHUNK + 1);
    size_t idoff[PER_CHUNK];
    for (int i = 0; i < PER_CHUNK; i++) {
        char *m = chunk + one * (size_t)i;
        snprintf(m, one + 1, "<message to='bob@%s/bench' type='chat' id='m%010d'><body>%s</body></message>", opt_domain, i, body);
        idoff[i] = (size_t)(strstr(m, " id='m") - chunk) + 6;
    }
    unsigned long long target = (unsigned long long)(opt_mb * 1e6), sent = 0, msgs = 0;
    double t0 = now();
    while (sent < target) {
        for (int i = 0; i < PER_CHUNK; i++) {
            char digits[16];
            snprintf(digits, sizeof digits, "%010llu", msgs + (unsigned long long)i);
            memcpy(chunk + idoff[i], digits, 10);
        }
        if (conn_write(&c, chunk, one * PER_CHUNK) < 0) die("write failed after %llu bytes: %s", sent, strerror(errno));
        sent += one * PER_CHUNK;
        msgs += PER_CHUNK;
    }
    double t_written = now();
    if (conn_writef(&c, "<iq type='get' id='count'><query xmlns='urn:xmppscope:bench'/></iq>") < 0) die("write failed (count)");
    const char *s;
    size_t n;
    if (!expect(&c, "<iq", &s, &n, why, sizeof why)) die("no count: %s", why);
    double t1 = now();
    unsigned long long got_m = 0, got_b = 0;
    const char *p = memmem(s, n, "messages='", 10), *q = memmem(s, n, "bytes='", 7);
    if (p) got_m = strtoull(p + 10, NULL, 10);
    if (q) got_b = strtoull(q + 7, NULL, 10);
    close_stream(&c);
    printf("bytes=%llu messages=%llu seconds=%.4f MBps=%.2f write_s=%.4f peer_messages=%llu peer_bytes=%llu %s\n", sent, msgs,
           t1 - t0, sent / 1e6 / (t1 - t0), t_written - t0, got_m, got_b,
           got_m == msgs && got_b == sent ? "match" : "MISMATCH");
    if (got_m != msgs || got_b != sent) exit(3);
}

static void do_hold(void) {
    conn *cs = calloc((size_t)opt_conns, sizeof(conn));
    char why[512];
    int held = 0;
    double t0 = now();
    for (int k = 0; k < opt_conns; k++) {
        if (!session(&cs[k], k, why, sizeof why)) {
            fprintf(stderr, "xmpp-load: connection %d: %s\n", k, why);
            conn_free(&cs[k]);
            cs[k].fd = -1;
            continue;
        }
        held++;
    }
    double t_open = now() - t0;
    printf("ready held=%d of %d open_s=%.3f\n", held, opt_conns, t_open);
    fflush(stdout);
    struct timespec ts = {(time_t)opt_hold, (long)((opt_hold - (time_t)opt_hold) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
    int answered = 0, first_bad = -1;
    char id[64];
    for (int k = 0; k < opt_conns; k++) {
        if (cs[k].fd < 0) continue;
        snprintf(id, sizeof id, "hold-%d", k);
        if (ping(&cs[k], id)) answered++;
        else if (first_bad < 0) first_bad = k;
    }
    for (int k = 0; k < opt_conns; k++)
        if (cs[k].fd >= 0) close_stream(&cs[k]);
    printf("answered=%d of %d held%s\n", answered, held, first_bad >= 0 ? " (first unanswered: see stderr)" : "");
    if (first_bad >= 0) fprintf(stderr, "xmpp-load: connection %d did not answer its ping\n", first_bad);
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage: xmpp-load serve|ping|stream|hold --port P [options] (see the source)");
    const char *mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (strcmp(a, "--tls") == 0) opt_tls = 1;
        else if (OPT("--port")) opt_port = atoi(v);
        else if (OPT("--domain")) opt_domain = v;
        else if (OPT("--user")) opt_user = v;
        else if (OPT("--password")) opt_password = v;
        else if (OPT("--ca")) opt_ca = v;
        else if (OPT("--cert")) opt_cert = v;
        else if (OPT("--key")) opt_key = v;
        else if (OPT("--count")) opt_count = atoi(v);
        else if (OPT("--warmup")) opt_warmup = atoi(v);
        else if (OPT("--mb")) opt_mb = atof(v);
        else if (OPT("--body")) opt_body = atoi(v);
        else if (OPT("--conns")) opt_conns = atoi(v);
        else if (OPT("--hold")) opt_hold = atof(v);
        else if (OPT("--timeout")) opt_timeout = atof(v);
        else die("unknown option %s", a);
#undef OPT
    }
    if (opt_port <= 0 || opt_port > 65535) die("--port is required");
    if (opt_count < 1 || opt_warmup < 0 || opt_body < 1 || opt_conns < 1 || opt_mb <= 0 || opt_timeout <= 0) die("bad numbers");
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(mode, "serve") == 0) {
        serve();
        return 0;
    }
    if (opt_tls) {
        client_ctx = SSL_CTX_new(TLS_client_method());
        if (!opt_ca || SSL_CTX_load_verify_locations(client_ctx, opt_ca, NULL) != 1) die("--tls needs a readable --ca FILE");
        SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
    }
    if (strcmp(mode, "ping") == 0) do_ping();
    else if (strcmp(mode, "stream") == 0) do_stream();
    else if (strcmp(mode, "hold") == 0) do_hold();
    else die("unknown mode %s", mode);
    return 0;
}
