/*
 * synth-capture.c - synthetic plaintext XMPP (c2s) capture generator.
 *
 * Usage: synth-capture OUT.pcap --stanzas N [--conns C] [--tiny] [--seed S]
 *
 * Writes an Ethernet/IPv4/TCP capture of C client-to-server XMPP sessions
 * (clients 10.0.x.y:ephemeral, server 10.0.0.1:5222) interleaved in time.
 * The pcap file itself is written by libpcap (pcap_open_dead + pcap_dump);
 * this program only builds the frames.
 *
 * Each session: TCP 3-way handshake, stream header both ways, SASL PLAIN,
 * stream restart both ways (with a new <?xml ...?> declaration), resource
 * binding, then a bulk mix of iq (roster, disco#info, ping, vcard, with
 * some item-not-found errors), chat messages and presence, then
 * </stream:stream> both ways and a FIN handshake.
 *
 * "Stanzas" (N, and what is printed at the end) means every depth-1 element
 * of the XMPP streams, i.e. iq/message/presence plus the nonzas
 * <stream:features/>, <auth/> and <success/>.  That is exactly what a
 * streaming XML reader (see libxml2-baseline.c) counts, so the two numbers
 * can be compared directly.  Each session has 6 fixed depth-1 elements
 * (2 x features, auth, success, bind iq set + result); the rest of N is
 * spread over the sessions with random weights.
 *
 * Determinism and the --tiny invariant: three independent random streams
 * are derived from --seed:
 *   - a setup stream (addresses, ports, ISNs, per-session quotas),
 *   - one content stream per session (what the session says, in what order,
 *     which stanzas are written together),
 *   - a wire stream (interleaving of sessions, segmentation, pure ACKs,
 *     timestamps).
 * So for a given seed/N/C the per-session XMPP byte streams are identical
 * with and without --tiny; only the packetisation differs.
 */
#define _DEFAULT_SOURCE /* u_char & co. used by <pcap/pcap.h> */
#include <pcap/pcap.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Random numbers: splitmix64 (small, fast, good enough for test data).     */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (multiply-shift, bias is negligible here). */
static uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi], lo <= hi. */
static uint32_t rng_range(rng_t *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

/* True with probability pct percent. */
static int rng_pct(rng_t *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

static rng_t rng_derive(uint64_t seed, uint64_t stream)
{
    rng_t r = { seed ^ (stream * 0xD1B54A32D192ED03ULL) };
    rng_next(&r); /* stir */
    return r;
}

/* ------------------------------------------------------------------------ */
/* Growable byte buffer.                                                     */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fprintf(stderr, "synth-capture: out of memory\n");
        exit(1);
    }
    return q;
}

static void buf_reserve(buf_t *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + extra + 1 > cap)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
}

static void buf_put(buf_t *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void buf_puts(buf_t *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void buf_printf(buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    buf_reserve(b, 256);
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            fprintf(stderr, "synth-capture: vsnprintf failed\n");
            exit(1);
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        buf_reserve(b, (size_t)n + 1);
    }
}

/* ------------------------------------------------------------------------ */
/* Vocabulary for generated text.                                            */

static const char *const words_ascii[] = {
    "hello", "hi", "the", "meeting", "is", "at", "noon", "tomorrow", "can",
    "you", "send", "me", "that", "file", "please", "thanks", "ok", "sure",
    "I", "think", "we", "should", "deploy", "on", "Friday", "no", "way",
    "lunch", "coffee", "build", "failed", "again", "server", "logs", "look",
    "fine", "to", "me", "ping", "when", "back", "sorry", "late", "train",
    "delayed", "see", "you", "soon", "xmpp", "roster", "update", "works",
    "patch", "review", "merged", "branch", "release", "notes", "v2.3.1",
    "http://example.com/a/b?c=d", "42", "1337", "and", "or", "but", "so",
    "it&apos;s", "&lt;3", "R&amp;D", "&quot;quoted&quot;", "a&gt;b", "(-:",
};

/* Non-ASCII UTF-8 words (2-, 3- and 4-byte sequences). */
static const char *const words_utf8[] = {
    "h\xc3\xa9llo", "na\xc3\xafve", "caf\xc3\xa9", "\xc3\xbc" "ber",
    "Stra\xc3\x9f" "e", "se\xc3\xb1or",
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",             /* Привет */
    "\xce\xba\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1", /* καλημέρα */
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",                         /* 日本語 */
    "\xe4\xbd\xa0\xe5\xa5\xbd",                                     /* 你好 */
    "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85",                             /* سلام */
    "\xf0\x9f\x98\x80", "\xf0\x9f\x91\x8d", "\xf0\x9f\x8e\x89",     /* emoji */
    "\xe2\x82\xac" "10", "\xe2\x80\x94", "\xe2\x9c\x93",
};

static const char *const names[] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
    "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil",
    "trent", "victor", "walter", "zoe",
};

static const char *const domains[] = {
    "example.org", "example.org", "example.net", "jabber.example.com",
    "chat.example.de",
};

static const char *const resources[] = {
    "laptop", "phone", "Gajim.Xq3a", "Conversations.7Hx2", "desktop",
    "tablet", "work", "dino.4f1e",
};

static const char *const caps_nodes[] = {
    "https://gajim.org", "http://conversations.im", "https://dino.im",
    "http://psi-im.org", "https://profanity-im.github.io",
};

static const char *const shows[] = { "away", "chat", "dnd", "xa" };

static const char *const statuses[] = {
    "In a meeting", "Working from home", "Back in 5",
    "Vacances \xc3\xa0 la plage \xf0\x9f\x8f\x96", "\xe5\xbf\x99",
    "Busy - ping me if urgent", "Listening to music", "",
};

static const char *const disco_features[] = {
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "http://jabber.org/protocol/caps",
    "http://jabber.org/protocol/chatstates",
    "urn:xmpp:ping", "urn:xmpp:receipts", "urn:xmpp:time", "jabber:iq:version",
    "urn:xmpp:carbons:2", "urn:xmpp:mam:2", "urn:xmpp:blocking",
    "urn:xmpp:sid:0", "urn:xmpp:message-correct:0",
    "http://jabber.org/protocol/muc", "urn:xmpp:jingle:1",
    "urn:xmpp:avatar:metadata+notify", "http://jabber.org/protocol/nick+notify",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rng_below((r), (uint32_t)COUNT(a))])

/* ------------------------------------------------------------------------ */
/* Sessions.                                                                 */

enum { SIDE_C = 0, SIDE_S = 1 };

/* TCP flags */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

#define MSS 1448           /* max payload bytes per segment */
#define WINDOW 65535       /* constant advertised window (no scaling) */
#define ACK_FORCE 16384    /* receiver ACKs at least this often (bytes) */
#define SERVER_IP 0x0A000001u
#define SERVER_PORT 5222
#define NCONTACTS 8
#define FIXED_PER_SESSION 6 /* features x2, auth, success, bind set/result */

typedef struct {
    uint32_t snd_nxt;  /* next sequence number this side sends */
    uint32_t last_ack; /* last acknowledgement number this side sent */
    uint16_t ip_id;
    uint8_t ack_pending; /* wants to send a pure ACK at the next turn */
} side_t;

/* One queued TCP segment of the current "unit" (or a control packet). */
typedef struct {
    uint32_t off, len;
    uint8_t side, flags;
} seg_t;

/* An iq request waiting for its response. */
enum { REQ_ROSTER, REQ_PING, REQ_DISCO, REQ_VCARD };
typedef struct {
    uint8_t kind;
    uint8_t responder; /* side that will answer */
    uint8_t error;     /* answer with item-not-found */
    int8_t countdown;  /* units of this session until the answer is due */
    int8_t peer;       /* contact index, or -1 for the server itself */
    char id[24];
} pending_t;

enum {
    P_HANDSHAKE, P_C_OPEN, P_S_OPEN, P_S_FEAT1, P_C_AUTH, P_S_SUCCESS,
    P_C_REOPEN, P_S_REOPEN, P_S_FEAT2, P_C_BIND, P_S_BIND, P_BULK,
    P_C_CLOSE, P_S_CLOSE, P_FIN, P_DONE
};

typedef struct {
    uint32_t cli_ip;
    uint16_t cli_port;
    side_t side[2];
    rng_t crng;          /* content stream for this session */
    int phase;
    uint64_t remaining;  /* bulk depth-1 elements not yet committed */
    pending_t pend[16];
    int npend;
    uint32_t next_id;
    char user[24];
    char resource[24];
    char contacts[NCONTACTS][48]; /* full JIDs */
    buf_t unit;          /* payload bytes referenced by the queue */
    seg_t *q;
    size_t qhead, qlen, qcap;
} conn_t;

/* Global generator state. */
typedef struct {
    pcap_dumper_t *dumper;
    rng_t wrng; /* wire stream */
    int tiny;
    uint64_t now_us;
    uint8_t frame[2048];
    /* statistics */
    uint64_t packets, payload_bytes;
    uint64_t n_iq, n_msg, n_pres, n_nonza;
} gen_t;

static void q_push(conn_t *c, int side, uint8_t flags, uint32_t off,
                   uint32_t len)
{
    if (c->qlen == c->qcap) {
        c->qcap = c->qcap ? c->qcap * 2 : 64;
        c->q = xrealloc(c->q, c->qcap * sizeof(seg_t));
    }
    seg_t *s = &c->q[c->qlen++];
    s->off = off;
    s->len = len;
    s->side = (uint8_t)side;
    s->flags = flags;
}

/* Queue bytes [from, to) of the unit as MSS-sized segments, PSH on last. */
static void q_push_mss(conn_t *c, int side, uint32_t from, uint32_t to)
{
    while (from < to) {
        uint32_t n = to - from > MSS ? MSS : to - from;
        q_push(c, side, (uint8_t)(TH_ACK | (from + n == to ? TH_PSH : 0)),
               from, n);
        from += n;
    }
}

/* Cut the freshly generated unit (all of c->unit) into segments. */
static void segment_unit(gen_t *g, conn_t *c, int side)
{
    uint32_t len = (uint32_t)c->unit.len;
    if (g->tiny) {
        /* Every payload is cut into 1..7-byte segments. */
        for (uint32_t off = 0; off < len;) {
            uint32_t n = rng_range(&g->wrng, 1, 7);
            if (n > len - off)
                n = len - off;
            q_push(c, side,
                   (uint8_t)(TH_ACK | (off + n == len ? TH_PSH : 0)), off, n);
            off += n;
        }
        return;
    }
    /* ~10%: the unit is split at a random byte across two writes. */
    if (len >= 2 && rng_pct(&g->wrng, 10)) {
        uint32_t cut = 1 + rng_below(&g->wrng, len - 1);
        q_push_mss(c, side, 0, cut);
        q_push_mss(c, side, cut, len);
    } else {
        q_push_mss(c, side, 0, len);
    }
}

/* ------------------------------------------------------------------------ */
/* XMPP content.                                                             */

static const char *own_jid_bare(conn_t *c, char *out, size_t n)
{
    snprintf(out, n, "%s@example.org", c->user);
    return out;
}

static void new_id(conn_t *c, int side, char *out, size_t n)
{
    uint32_t x = (uint32_t)rng_next(&c->crng);
    if (side == SIDE_C)
        snprintf(out, n, "%08" PRIx32 "-%" PRIu32, x, c->next_id++);
    else
        snprintf(out, n, "s2c-%" PRIu32 "-%04" PRIx32, c->next_id++,
                 x & 0xffff);
}

/* Append a message body of 20 B .. ~2 KB, sometimes with non-ASCII text. */
static void gen_body_text(buf_t *b, rng_t *r)
{
    uint32_t u = rng_below(r, 100), target;
    if (u < 65)
        target = rng_range(r, 20, 120);
    else if (u < 92)
        target = rng_range(r, 120, 600);
    else
        target = rng_range(r, 600, 2040);
    unsigned intl = rng_pct(r, 30) ? 25 : 0; /* % of non-ASCII words */
    size_t start = b->len;
    int first = 1;
    while (b->len - start < target) {
        if (!first)
            buf_puts(b, rng_pct(r, 6) ? ". " : " ");
        first = 0;
        buf_puts(b, intl && rng_pct(r, intl) ? PICK(r, words_utf8)
                                              : PICK(r, words_ascii));
    }
}

static void gen_caps(buf_t *b, rng_t *r)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char ver[29];
    for (int i = 0; i < 27; i++)
        ver[i] = b64[rng_below(r, 64)];
    ver[27] = '=';
    ver[28] = 0;
    buf_printf(b,
               "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
               "node='%s' ver='%s'/>",
               PICK(r, caps_nodes), ver);
}

static void gen_disco_result_payload(buf_t *b, rng_t *r, int server)
{
    buf_puts(b, "<query xmlns='http://jabber.org/protocol/disco#info'>");
    if (server)
        buf_puts(b, "<identity category='server' type='im' name='Prosody'/>"
                    "<identity category='pubsub' type='pep'/>");
    else
        buf_puts(b, "<identity category='client' type='pc' name='Gajim'/>");
    uint32_t n = rng_range(r, 6, (uint32_t)COUNT(disco_features));
    uint32_t start = rng_below(r, (uint32_t)COUNT(disco_features));
    for (uint32_t i = 0; i < n; i++)
        buf_printf(b, "<feature var='%s'/>",
                   disco_features[(start + i) % COUNT(disco_features)]);
    buf_puts(b, "</query>");
}

static void emit_error_child(buf_t *b)
{
    buf_puts(b, "<error type='cancel'><item-not-found "
                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
}

/* Response to pending request p (sent by p->responder). */
static void emit_response(gen_t *g, conn_t *c, const pending_t *p)
{
    buf_t *b = &c->unit;
    rng_t *r = &c->crng;
    char me[64];
    snprintf(me, sizeof me, "%s@example.org/%s", c->user, c->resource);
    g->n_iq++;

    if (p->responder == SIDE_S) {
        /* Answer from the server (or relayed from a contact) to us. */
        const char *from = p->peer >= 0 ? c->contacts[(int)p->peer] : NULL;
        if (p->error) {
            buf_printf(b, "<iq type='error' id='%s'%s%s%s to='%s'>", p->id,
                       from ? " from='" : "", from ? from : "",
                       from ? "'" : "", me);
            if (p->kind == REQ_VCARD)
                buf_puts(b, "<vCard xmlns='vcard-temp'/>");
            else
                buf_puts(b, "<query xmlns='http://jabber.org/protocol/"
                            "disco#info'/>");
            emit_error_child(b);
            buf_puts(b, "</iq>");
            return;
        }
        buf_printf(b, "<iq type='result' id='%s'%s%s%s to='%s'", p->id,
                   from ? " from='" : "", from ? from : "", from ? "'" : "",
                   me);
        switch (p->kind) {
        case REQ_ROSTER: {
            static const char *const subs[] = { "both", "both", "to",
                                                "from", "none" };
            static const char *const groups[] = { "Friends", "Work",
                                                  "Family",
                                                  "Coll\xc3\xa8gues" };
            buf_puts(b, "><query xmlns='jabber:iq:roster' ver='ver");
            buf_printf(b, "%" PRIu32 "'>", rng_below(r, 100000));
            uint32_t n = rng_range(r, 3, NCONTACTS);
            for (uint32_t i = 0; i < n; i++) {
                char bare[48];
                snprintf(bare, sizeof bare, "%s", c->contacts[i]);
                char *slash = strchr(bare, '/');
                if (slash)
                    *slash = 0;
                char nick[48];
                snprintf(nick, sizeof nick, "%s", bare);
                char *at = strchr(nick, '@');
                if (at)
                    *at = 0;
                if (nick[0] >= 'a' && nick[0] <= 'z')
                    nick[0] = (char)(nick[0] - 'a' + 'A');
                buf_printf(b,
                           "<item jid='%s' name='%s' subscription='%s'>"
                           "<group>%s</group></item>",
                           bare, nick, PICK(r, subs), PICK(r, groups));
            }
            buf_puts(b, "</query></iq>");
            break;
        }
        case REQ_PING:
            buf_puts(b, "/>");
            break;
        case REQ_DISCO:
            buf_puts(b, ">");
            gen_disco_result_payload(b, r, p->peer < 0);
            buf_puts(b, "</iq>");
            break;
        case REQ_VCARD:
            buf_printf(b,
                       "><vCard xmlns='vcard-temp'><FN>%s</FN>"
                       "<NICKNAME>%s</NICKNAME><URL>https://%s/~%s</URL>"
                       "<DESC>",
                       c->contacts[(int)p->peer], PICK(r, names),
                       PICK(r, domains), PICK(r, names));
            gen_body_text(b, r);
            buf_puts(b, "</DESC></vCard></iq>");
            break;
        }
        return;
    }

    /* Answer from our client to a request the server relayed to us. */
    const char *to = p->peer >= 0 ? c->contacts[(int)p->peer] : "example.org";
    if (p->kind == REQ_PING) {
        buf_printf(b, "<iq type='result' id='%s' to='%s'/>", p->id, to);
    } else {
        buf_printf(b, "<iq type='result' id='%s' to='%s'>", p->id, to);
        gen_disco_result_payload(b, r, 0);
        buf_puts(b, "</iq>");
    }
}

static void add_pending(conn_t *c, int kind, int responder, int error,
                        int peer, const char *id)
{
    pending_t *p = &c->pend[c->npend++];
    p->kind = (uint8_t)kind;
    p->responder = (uint8_t)responder;
    p->error = (uint8_t)error;
    p->peer = (int8_t)peer;
    p->countdown = (int8_t)rng_below(&c->crng, 4); /* answered 0..3 units on */
    snprintf(p->id, sizeof p->id, "%s", id);
}

static void emit_message(gen_t *g, conn_t *c, int sender)
{
    buf_t *b = &c->unit;
    rng_t *r = &c->crng;
    char id[24], me[64];
    int peer = (int)rng_below(r, NCONTACTS);
    new_id(c, sender, id, sizeof id);
    g->n_msg++;
    if (sender == SIDE_C) {
        buf_printf(b, "<message type='chat' to='%s' id='%s'>",
                   c->contacts[peer], id);
        buf_puts(b, "<body>");
        gen_body_text(b, r);
        buf_puts(b, "</body>");
        if (rng_pct(r, 60))
            buf_puts(b, "<active xmlns='http://jabber.org/protocol/"
                        "chatstates'/>");
        if (rng_pct(r, 40))
            buf_puts(b, "<request xmlns='urn:xmpp:receipts'/>");
        if (rng_pct(r, 50))
            buf_printf(b, "<origin-id xmlns='urn:xmpp:sid:0' id='%s'/>", id);
        buf_puts(b, "</message>");
    } else {
        snprintf(me, sizeof me, "%s@example.org/%s", c->user, c->resource);
        buf_printf(b, "<message from='%s' to='%s' type='chat' id='%s'>",
                   c->contacts[peer], me, id);
        buf_puts(b, "<body>");
        gen_body_text(b, r);
        buf_puts(b, "</body>");
        if (rng_pct(r, 50))
            buf_puts(b, "<active xmlns='http://jabber.org/protocol/"
                        "chatstates'/>");
        buf_printf(b,
                   "<stanza-id xmlns='urn:xmpp:sid:0' by='%s@example.org' "
                   "id='%016" PRIx64 "'/></message>",
                   c->user, rng_next(r));
    }
}

static void emit_presence(gen_t *g, conn_t *c, int sender)
{
    buf_t *b = &c->unit;
    rng_t *r = &c->crng;
    char me[64];
    g->n_pres++;
    if (sender == SIDE_C) {
        buf_puts(b, "<presence>");
    } else {
        int peer = (int)rng_below(r, NCONTACTS);
        snprintf(me, sizeof me, "%s@example.org/%s", c->user, c->resource);
        if (rng_pct(r, 15)) {
            buf_printf(b, "<presence from='%s' to='%s' type='unavailable'/>",
                       c->contacts[peer], me);
            return;
        }
        buf_printf(b, "<presence from='%s' to='%s'>", c->contacts[peer], me);
    }
    if (rng_pct(r, 60))
        buf_printf(b, "<show>%s</show>", PICK(r, shows));
    if (rng_pct(r, 50)) {
        const char *st = PICK(r, statuses);
        if (*st)
            buf_printf(b, "<status>%s</status>", st);
    }
    buf_printf(b, "<priority>%" PRIu32 "</priority>", rng_below(r, 50));
    gen_caps(b, r);
    if (sender == SIDE_S && rng_pct(r, 30))
        buf_printf(b, "<x xmlns='vcard-temp:x:update'><photo>%016" PRIx64
                      "%016" PRIx64 "</photo></x>",
                   rng_next(r), rng_next(r));
    buf_puts(b, "</presence>");
}

/* A new (non-response) stanza from `sender`, within the session's quota. */
static void emit_new(gen_t *g, conn_t *c, int sender)
{
    buf_t *b = &c->unit;
    rng_t *r = &c->crng;
    uint32_t roll = rng_below(r, 100);
    int can_iq = c->remaining >= 2 && c->npend < (int)COUNT(c->pend);
    char id[24];

    if (sender == SIDE_C) {
        if (!can_iq || roll < 55) {
            c->remaining--;
            emit_message(g, c, sender);
        } else if (roll < 75) {
            c->remaining--;
            emit_presence(g, c, sender);
        } else {
            c->remaining -= 2; /* request now + reserved response */
            g->n_iq++;
            new_id(c, sender, id, sizeof id);
            if (roll < 78) {
                buf_printf(b, "<iq type='get' id='%s'><query "
                              "xmlns='jabber:iq:roster'/></iq>", id);
                add_pending(c, REQ_ROSTER, SIDE_S, 0, -1, id);
            } else if (roll < 86) {
                buf_printf(b, "<iq type='get' id='%s' to='example.org'><ping "
                              "xmlns='urn:xmpp:ping'/></iq>", id);
                add_pending(c, REQ_PING, SIDE_S, 0, -1, id);
            } else if (roll < 95) {
                int peer = rng_pct(r, 50) ? -1 : (int)rng_below(r, NCONTACTS);
                int err = peer >= 0 && rng_pct(r, 25);
                buf_printf(b, "<iq type='get' id='%s' to='%s'><query "
                              "xmlns='http://jabber.org/protocol/disco#info'"
                              "/></iq>",
                           id, peer >= 0 ? c->contacts[peer] : "example.org");
                add_pending(c, REQ_DISCO, SIDE_S, err, peer, id);
            } else {
                int peer = (int)rng_below(r, NCONTACTS);
                int err = rng_pct(r, 40);
                buf_printf(b, "<iq type='get' id='%s' to='%s'><vCard "
                              "xmlns='vcard-temp'/></iq>",
                           id, c->contacts[peer]);
                add_pending(c, REQ_VCARD, SIDE_S, err, peer, id);
            }
        }
        return;
    }

    /* From the server. */
    if (!can_iq || roll < 50) {
        c->remaining--;
        emit_message(g, c, sender);
    } else if (roll < 93) {
        c->remaining--;
        emit_presence(g, c, sender);
    } else {
        char me[64];
        snprintf(me, sizeof me, "%s@example.org/%s", c->user, c->resource);
        c->remaining -= 2;
        g->n_iq++;
        new_id(c, sender, id, sizeof id);
        if (roll < 97) {
            buf_printf(b, "<iq from='example.org' to='%s' type='get' id='%s'>"
                          "<ping xmlns='urn:xmpp:ping'/></iq>", me, id);
            add_pending(c, REQ_PING, SIDE_C, 0, -1, id);
        } else {
            int peer = (int)rng_below(r, NCONTACTS);
            buf_printf(b, "<iq from='%s' to='%s' type='get' id='%s'><query "
                          "xmlns='http://jabber.org/protocol/disco#info'/>"
                          "</iq>", c->contacts[peer], me, id);
            add_pending(c, REQ_DISCO, SIDE_C, 0, peer, id);
        }
    }
}

static int find_due(const conn_t *c, int responder)
{
    for (int i = 0; i < c->npend; i++)
        if (c->pend[i].countdown == 0 &&
            (responder < 0 || c->pend[i].responder == responder))
            return i;
    return -1;
}

static void remove_pending(conn_t *c, int i)
{
    memmove(&c->pend[i], &c->pend[i + 1],
            (size_t)(c->npend - i - 1) * sizeof(pending_t));
    c->npend--;
}

/* One bulk unit: 1 stanza, or (~15% of units) 2-4 stanzas written together,
 * all from the same side.  Returns the sending side. */
static int gen_bulk_unit(gen_t *g, conn_t *c)
{
    rng_t *r = &c->crng;
    for (int i = 0; i < c->npend; i++)
        if (c->pend[i].countdown > 0)
            c->pend[i].countdown--;
    int due = find_due(c, -1);
    if (due < 0 && c->remaining == 0) {
        /* Quota used up: answer what is still outstanding. */
        c->pend[0].countdown = 0;
        due = 0;
    }
    int sender;
    if (due >= 0)
        sender = c->pend[due].responder;
    else
        sender = rng_pct(r, 50) ? SIDE_C : SIDE_S;
    int k = rng_pct(r, 15) ? (int)rng_range(r, 2, 4) : 1;
    for (int i = 0; i < k; i++) {
        int d = find_due(c, sender);
        if (d >= 0) {
            pending_t p = c->pend[d];
            remove_pending(c, d);
            emit_response(g, c, &p);
            continue;
        }
        if (c->remaining == 0)
            break;
        emit_new(g, c, sender);
    }
    return sender;
}

static const char stream_ns[] =
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'";

static void emit_server_header(conn_t *c)
{
    buf_printf(&c->unit,
               "<?xml version='1.0'?><stream:stream %s id='%016" PRIx64
               "' from='example.org' version='1.0' xml:lang='en'>",
               stream_ns, rng_next(&c->crng));
}

static void emit_client_header(conn_t *c)
{
    buf_printf(&c->unit,
               "<?xml version='1.0'?><stream:stream %s to='example.org' "
               "version='1.0'>",
               stream_ns);
}

static void base64(const unsigned char *in, size_t n, char *out)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = t[v >> 18];
        *out++ = t[(v >> 12) & 63];
        *out++ = t[(v >> 6) & 63];
        *out++ = t[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        *out++ = t[v >> 18];
        *out++ = t[(v >> 12) & 63];
        *out++ = i + 1 < n ? t[(v >> 6) & 63] : '=';
        *out++ = '=';
    }
    *out = 0;
}

/* Fill the session's queue with its next unit of traffic. */
static void gen_next(gen_t *g, conn_t *c)
{
    buf_t *b = &c->unit;
    rng_t *r = &c->crng;
    int side = SIDE_C;
    char tmp[128];

    switch (c->phase) {
    case P_HANDSHAKE:
        q_push(c, SIDE_C, TH_SYN, 0, 0);
        q_push(c, SIDE_S, TH_SYN | TH_ACK, 0, 0);
        q_push(c, SIDE_C, TH_ACK, 0, 0);
        c->phase = P_C_OPEN;
        return;
    case P_C_OPEN:
        emit_client_header(c);
        c->phase = P_S_OPEN;
        break;
    case P_S_OPEN:
        side = SIDE_S;
        emit_server_header(c);
        c->phase = P_S_FEAT1;
        if (!rng_pct(r, 50))
            break;
        /* else: header and features written together */
        /* fall through */
    case P_S_FEAT1:
        side = SIDE_S;
        buf_puts(b, "<stream:features><mechanisms "
                    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                    "<mechanism>SCRAM-SHA-1</mechanism>"
                    "<mechanism>PLAIN</mechanism></mechanisms>"
                    "<register xmlns='http://jabber.org/features/iq-register'/>"
                    "</stream:features>");
        g->n_nonza++;
        c->phase = P_C_AUTH;
        break;
    case P_C_AUTH: {
        unsigned char cred[96];
        char b64[140];
        int n = snprintf((char *)cred + 1, sizeof cred - 1, "%s", c->user);
        cred[0] = 0;
        cred[n + 1] = 0;
        int m = snprintf((char *)cred + n + 2, sizeof cred - (size_t)n - 2,
                         "pw%08" PRIx32, (uint32_t)rng_next(r));
        base64(cred, (size_t)(n + 2 + m), b64);
        buf_printf(b, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                      "mechanism='PLAIN'>%s</auth>", b64);
        g->n_nonza++;
        c->phase = P_S_SUCCESS;
        break;
    }
    case P_S_SUCCESS:
        side = SIDE_S;
        buf_puts(b, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        g->n_nonza++;
        c->phase = P_C_REOPEN;
        break;
    case P_C_REOPEN:
        emit_client_header(c);
        c->phase = P_S_REOPEN;
        break;
    case P_S_REOPEN:
        side = SIDE_S;
        emit_server_header(c);
        c->phase = P_S_FEAT2;
        if (!rng_pct(r, 50))
            break;
        /* fall through */
    case P_S_FEAT2:
        side = SIDE_S;
        buf_puts(b, "<stream:features>"
                    "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                    "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'>"
                    "<optional/></session><sm xmlns='urn:xmpp:sm:3'/>"
                    "<csi xmlns='urn:xmpp:csi:0'/>");
        gen_caps(b, r);
        buf_puts(b, "</stream:features>");
        g->n_nonza++;
        c->phase = P_C_BIND;
        break;
    case P_C_BIND:
        buf_printf(b, "<iq type='set' id='bind_%" PRIu32 "'><bind "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
                      "%s</resource></bind></iq>",
                   c->next_id, c->resource);
        g->n_iq++;
        c->phase = P_S_BIND;
        break;
    case P_S_BIND:
        side = SIDE_S;
        buf_printf(b, "<iq type='result' id='bind_%" PRIu32 "'><bind "
                      "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>"
                      "%s/%s</jid></bind></iq>",
                   c->next_id++, own_jid_bare(c, tmp, sizeof tmp),
                   c->resource);
        g->n_iq++;
        c->phase = P_BULK;
        break;
    case P_BULK:
        if (c->remaining > 0 || c->npend > 0) {
            side = gen_bulk_unit(g, c);
            break;
        }
        c->phase = P_C_CLOSE;
        /* fall through */
    case P_C_CLOSE:
        buf_puts(b, "</stream:stream>");
        c->phase = P_S_CLOSE;
        break;
    case P_S_CLOSE:
        side = SIDE_S;
        buf_puts(b, "</stream:stream>");
        c->phase = P_FIN;
        break;
    case P_FIN:
        q_push(c, SIDE_C, TH_FIN | TH_ACK, 0, 0);
        q_push(c, SIDE_S, TH_FIN | TH_ACK, 0, 0);
        q_push(c, SIDE_C, TH_ACK, 0, 0);
        c->phase = P_DONE;
        return;
    default:
        return;
    }
    segment_unit(g, c, side);
}

/* ------------------------------------------------------------------------ */
/* Frames.                                                                   */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Internet checksum helpers (RFC 1071). */
static uint32_t csum_add(uint32_t acc, const uint8_t *p, size_t n)
{
    while (n > 1) {
        acc += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t csum_fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

static void put_mac(uint8_t *p, uint32_t ip)
{
    p[0] = 0x02; /* locally administered */
    p[1] = 0x00;
    put32(p + 2, ip);
}

/* Build one Ethernet/IPv4/TCP frame from side `s` and hand it to libpcap.
 * Sequence numbers come from the sides' state, so they are always exact;
 * every non-SYN packet acknowledges everything the peer has sent so far
 * (the capture point sees both directions in order, no loss). */
static void write_packet(gen_t *g, conn_t *c, int s, uint8_t flags,
                         const uint8_t *payload, uint32_t len)
{
    side_t *me = &c->side[s], *peer = &c->side[!s];
    uint32_t src = s == SIDE_C ? c->cli_ip : SERVER_IP;
    uint32_t dst = s == SIDE_C ? SERVER_IP : c->cli_ip;
    uint16_t sport = s == SIDE_C ? c->cli_port : SERVER_PORT;
    uint16_t dport = s == SIDE_C ? SERVER_PORT : c->cli_port;
    uint32_t tcp_hlen = (flags & TH_SYN) ? 24 : 20; /* SYNs carry MSS */
    uint32_t ip_len = 20 + tcp_hlen + len;
    uint8_t *f = g->frame, *ip = f + 14, *tcp = ip + 20;

    /* Ethernet */
    put_mac(f, dst);
    put_mac(f + 6, src);
    put16(f + 12, 0x0800);

    /* IPv4 */
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, ip_len);
    put16(ip + 4, me->ip_id++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = 6;
    put16(ip + 10, 0);
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

    /* TCP */
    uint32_t ack = (flags & TH_ACK) ? peer->snd_nxt : 0;
    put16(tcp, sport);
    put16(tcp + 2, dport);
    put32(tcp + 4, me->snd_nxt);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)((tcp_hlen / 4) << 4);
    tcp[13] = flags;
    put16(tcp + 14, WINDOW);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (flags & TH_SYN) {
        tcp[20] = 2; /* MSS option */
        tcp[21] = 4;
        put16(tcp + 22, MSS + 12);
    }
    if (len)
        memcpy(tcp + tcp_hlen, payload, len);
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, tcp_hlen + len);
    uint32_t acc = csum_add(0, pseudo, 12);
    acc = csum_add(acc, tcp, tcp_hlen + len);
    put16(tcp + 16, csum_fold(acc));

    if (flags & TH_ACK)
        me->last_ack = ack;
    me->snd_nxt += len + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);

    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(g->now_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(g->now_us % 1000000);
    h.caplen = h.len = 14 + ip_len;
    pcap_dump((u_char *)g->dumper, &h, f);
    g->now_us += rng_range(&g->wrng, 30, 70); /* ~50 us per packet */
    g->packets++;
    g->payload_bytes += len;
}

/* Send this session's next packet.  Returns 0 once the session is over. */
static int conn_step(gen_t *g, conn_t *c)
{
    /* A receiver that decided to ACK sends a pure ACK first, unless it has
     * piggybacked the ACK on data meanwhile (a pure ACK repeating the last
     * ack number would be a duplicate ACK). */
    for (int s = 0; s < 2; s++) {
        if (!c->side[s].ack_pending)
            continue;
        c->side[s].ack_pending = 0;
        if (c->side[s].last_ack != c->side[!s].snd_nxt) {
            write_packet(g, c, s, TH_ACK, NULL, 0);
            return 1;
        }
    }
    if (c->qhead == c->qlen) {
        c->qhead = c->qlen = 0;
        c->unit.len = 0;
        if (c->phase == P_DONE)
            return 0;
        gen_next(g, c);
    }
    seg_t sg = c->q[c->qhead++];
    write_packet(g, c, sg.side, sg.flags, (const uint8_t *)c->unit.p + sg.off,
                 sg.len);
    if (sg.len > 0) {
        /* Receiver ACKs now and then, and always before ACK_FORCE bytes
         * are outstanding, unless its own data comes next anyway. */
        int o = !sg.side;
        int other_next = c->qhead < c->qlen && c->q[c->qhead].side == o;
        uint32_t unacked = c->side[sg.side].snd_nxt - c->side[o].last_ack;
        if (!other_next &&
            (unacked > ACK_FORCE || rng_pct(&g->wrng, g->tiny ? 10 : 30)))
            c->side[o].ack_pending = 1;
    }
    return !(c->phase == P_DONE && c->qhead == c->qlen &&
             !c->side[0].ack_pending && !c->side[1].ack_pending);
}

/* ------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: synth-capture OUT.pcap --stanzas N [--conns C] [--tiny] "
            "[--seed S]\n"
            "  N: depth-1 XMPP elements to write in total (stanzas plus the\n"
            "     nonzas features/auth/success), at least 6 per connection\n"
            "  C: connections (default 200)\n"
            "  --tiny: cut every payload into 1..7-byte segments\n");
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s) {
        fprintf(stderr, "synth-capture: bad %s: %s\n", what, s);
        exit(2);
    }
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    uint64_t n_total = 0, seed = 1, n_conns = 200;
    int tiny = 0, have_n = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--stanzas") && i + 1 < argc) {
            n_total = parse_u64(argv[++i], "--stanzas");
            have_n = 1;
        } else if (!strcmp(argv[i], "--conns") && i + 1 < argc) {
            n_conns = parse_u64(argv[++i], "--conns");
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = parse_u64(argv[++i], "--seed");
        } else if (!strcmp(argv[i], "--tiny")) {
            tiny = 1;
        } else if (argv[i][0] == '-' || out) {
            usage();
        } else {
            out = argv[i];
        }
    }
    if (!out || !have_n)
        usage();
    if (n_total < FIXED_PER_SESSION) {
        fprintf(stderr, "synth-capture: --stanzas must be >= %d\n",
                FIXED_PER_SESSION);
        return 2;
    }
    if (n_conns < 1)
        n_conns = 1;
    if (n_conns > 254 * 254)
        n_conns = 254 * 254;
    if (n_conns * FIXED_PER_SESSION > n_total) {
        n_conns = n_total / FIXED_PER_SESSION;
        fprintf(stderr, "synth-capture: only %" PRIu64 " connections fit in "
                        "%" PRIu64 " stanzas\n", n_conns, n_total);
    }

    /* ---- sessions (setup stream) ---- */
    rng_t setup = rng_derive(seed, 1);
    conn_t *conns = calloc(n_conns, sizeof(conn_t));
    double *w = calloc(n_conns, sizeof(double));
    if (!conns || !w) {
        fprintf(stderr, "synth-capture: out of memory\n");
        return 1;
    }
    double wsum = 0;
    for (uint64_t i = 0; i < n_conns; i++) {
        w[i] = 0.5 + rng_below(&setup, 1001) / 1000.0;
        wsum += w[i];
    }
    uint64_t bulk = n_total - n_conns * FIXED_PER_SESSION, given = 0;
    for (uint64_t i = 0; i < n_conns; i++) {
        conn_t *c = &conns[i];
        c->remaining = (uint64_t)((double)bulk * w[i] / wsum);
        given += c->remaining;
        c->cli_ip = 0x0A000000u | (uint32_t)(1 + i / 254) << 8 |
                    (uint32_t)(1 + i % 254);
        c->cli_port = (uint16_t)rng_range(&setup, 32768, 60999);
        for (int s = 0; s < 2; s++) {
            /* ~15% of ISNs just below 2^32 so the sequence numbers wrap */
            uint32_t isn = rng_pct(&setup, 15)
                               ? (uint32_t)(0u - rng_range(&setup, 1, 20000))
                               : (uint32_t)rng_next(&setup);
            c->side[s].snd_nxt = isn;
            c->side[s].last_ack = 0;
            c->side[s].ip_id = (uint16_t)rng_next(&setup);
        }
        c->crng = rng_derive(seed, 1000 + i);
        rng_t *r = &c->crng;
        snprintf(c->user, sizeof c->user, "%s%" PRIu64, PICK(r, names), i);
        snprintf(c->resource, sizeof c->resource, "%s", PICK(r, resources));
        for (int k = 0; k < NCONTACTS; k++)
            snprintf(c->contacts[k], sizeof c->contacts[k], "%s%" PRIu32 "@%s/%s",
                     PICK(r, names), rng_below(r, 1000), PICK(r, domains),
                     PICK(r, resources));
        c->phase = P_HANDSHAKE;
    }
    for (uint64_t i = 0; given < bulk; i = (i + 1) % n_conns, given++)
        conns[i].remaining++;
    free(w);

    /* ---- output ---- */
    FILE *fp = fopen(out, "wb");
    if (!fp) {
        fprintf(stderr, "synth-capture: %s: %s\n", out, strerror(errno));
        return 1;
    }
    setvbuf(fp, NULL, _IOFBF, 1 << 20);
    pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *dumper = pcap_dump_fopen(pd, fp);
    if (!dumper) {
        fprintf(stderr, "synth-capture: pcap_dump_fopen: %s\n", pcap_geterr(pd));
        return 1;
    }

    gen_t *g = calloc(1, sizeof(gen_t));
    if (!g) {
        fprintf(stderr, "synth-capture: out of memory\n");
        return 1;
    }
    g->dumper = dumper;
    g->wrng = rng_derive(seed, 2);
    g->tiny = tiny;
    g->now_us = 1704067200ULL * 1000000ULL; /* 2024-01-01T00:00:00Z */

    /* ---- interleave: each step, a random active session sends one packet.
     * Sessions start staggered over roughly the first fifth of the run. */
    uint64_t *active = malloc(n_conns * sizeof(uint64_t));
    if (!active) {
        fprintf(stderr, "synth-capture: out of memory\n");
        return 1;
    }
    uint64_t nactive = 0, started = 0;
    uint64_t per_stanza = tiny ? 80 : 2; /* rough packets per stanza */
    uint64_t spacing = n_total * per_stanza / n_conns / 5;
    if (spacing < 1)
        spacing = 1;
    for (uint64_t step = 0;; step++) {
        while (started < n_conns && (nactive == 0 || step >= started * spacing))
            active[nactive++] = started++;
        if (nactive == 0)
            break;
        uint64_t k = rng_below(&g->wrng, (uint32_t)nactive);
        conn_t *c = &conns[active[k]];
        if (!conn_step(g, c)) {
            free(c->unit.p);
            free(c->q);
            active[k] = active[--nactive];
        }
    }
    free(active);

    if (pcap_dump_flush(dumper) != 0 || ferror(fp)) {
        fprintf(stderr, "synth-capture: write error on %s\n", out);
        return 1;
    }
    pcap_dump_close(dumper);
    pcap_close(pd);

    uint64_t written = g->n_iq + g->n_msg + g->n_pres + g->n_nonza;
    fprintf(stderr,
            "synth-capture: %s: stanzas=%" PRIu64 " packets=%" PRIu64
            " payload_bytes=%" PRIu64 " connections=%" PRIu64 "%s\n",
            out, written, g->packets, g->payload_bytes, n_conns,
            tiny ? " (tiny segments)" : "");
    fprintf(stderr,
            "synth-capture:   stanzas = depth-1 elements = iq %" PRIu64
            " + message %" PRIu64 " + presence %" PRIu64
            " + nonzas (features/auth/success) %" PRIu64 "\n",
            g->n_iq, g->n_msg, g->n_pres, g->n_nonza);
    if (written != n_total) {
        fprintf(stderr, "synth-capture: internal error: wrote %" PRIu64
                        " depth-1 elements, wanted %" PRIu64 "\n",
                written, n_total);
        return 1;
    }
    free(conns);
    free(g);
    return 0;
}
