/*
 * libxml2-baseline.c - "libxml2 alone" baseline for the replay benchmark.
 *
 * Usage: libxml2-baseline FILE.pcap
 *
 * Reads an Ethernet/IPv4/TCP capture with libpcap and feeds the TCP payload
 * of every flow direction (4-tuple), in capture order, to its own libxml2
 * push parser.  The SAX callbacks do (almost) nothing: start/end element
 * only keep a depth counter so that depth-1 elements (stanzas and nonzas)
 * can be counted, characters is empty, and serror counts errors.  This is
 * the cost of XML tokenising alone, the lower bound for any XMPP reader
 * built on a streaming XML parser.
 *
 * Deliberate simplifications (fine for synth-capture output, which has no
 * loss, reordering, retransmission, IP options or fragments):
 *   - no TCP reassembly: payload is used in capture order, sequence
 *     numbers are not checked;
 *   - only Ethernet II + IPv4 + TCP, other frames are skipped.
 *
 * Stream restarts.  After SASL success (and STARTTLS, not used here) both
 * sides start a new XML stream on the same connection, normally beginning
 * with another "<?xml version='1.0'?>" declaration.  libxml2 rejects an XML
 * declaration after the start of a document with XML_ERR_RESERVED_XML_NAME;
 * it has then consumed the whole "<?xml ...?>" and stops parsing, leaving
 * the rest of the pushed data unparsed in its input buffer.  We take that
 * as the restart signal: copy the unparsed rest, reset the parser with
 * xmlCtxtResetPush() and push the rest again, so the new stream starts at
 * its root element.  (A restart without an XML declaration would be seen as
 * a nested <stream:stream>; real readers detect restarts from the protocol
 * state instead - not needed for this benchmark.)
 *
 * Output (stdout): stanzas=N bytes=B seconds=S MB/s=X
 *   stanzas = depth-1 elements over all streams, bytes = TCP payload bytes
 *   fed to the parsers, seconds = CLOCK_MONOTONIC around everything from
 *   pcap_open_offline() to the last parser being finished.  MB = 10^6 B.
 * Diagnostics (stderr): packets, flows, restarts, errors.
 */
#define _DEFAULT_SOURCE /* u_char & co. used by <pcap/pcap.h> */
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <pcap/pcap.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One TCP flow direction. */
typedef struct {
    uint32_t saddr, daddr;
    uint16_t sport, dport;
    xmlParserCtxtPtr ctxt; /* NULL until the first payload byte */
    int depth;             /* current element depth (root = 1) */
    int restart;           /* set by on_error: stream restart seen */
    int broken;            /* a real XML error: stop feeding this flow */
} flow_t;

static uint64_t g_stanzas, g_bytes, g_packets, g_errors, g_restarts;
static uint64_t g_flows;
static xmlSAXHandler g_sax;

/* ------------------------------------------------------------------------ */
/* SAX callbacks.                                                            */

static void on_start(void *ctx, const xmlChar *localname,
                     const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes)
{
    flow_t *f = ctx;
    (void)localname, (void)prefix, (void)uri, (void)nb_namespaces;
    (void)namespaces, (void)nb_attributes, (void)nb_defaulted;
    (void)attributes;
    if (++f->depth == 2) /* child of <stream:stream> */
        g_stanzas++;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri)
{
    flow_t *f = ctx;
    (void)localname, (void)prefix, (void)uri;
    f->depth--;
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
    (void)ctx, (void)ch, (void)len;
}

static void on_error(void *ctx, xmlErrorPtr err)
{
    flow_t *f = ctx;
    if (err->code == XML_ERR_RESERVED_XML_NAME) {
        f->restart = 1; /* "<?xml" mid-stream: stream restart */
        return;
    }
    if (err->level < XML_ERR_ERROR)
        return; /* warnings */
    f->broken = 1;
    if (++g_errors <= 5)
        fprintf(stderr, "libxml2-baseline: XML error %d: %s", err->code,
                err->message ? err->message : "?\n");
}

/* ------------------------------------------------------------------------ */
/* Parsers.                                                                  */

static const int parse_options =
    XML_PARSE_NONET |
    XML_PARSE_HUGE; /* an XMPP stream is one unbounded document */

static void flow_start_parser(flow_t *f)
{
    f->ctxt = xmlCreatePushParserCtxt(&g_sax, f, NULL, 0, NULL);
    if (!f->ctxt) {
        fprintf(stderr, "libxml2-baseline: cannot create parser\n");
        exit(1);
    }
    xmlCtxtUseOptions(f->ctxt, parse_options);
    f->depth = 0;
}

static void flow_feed(flow_t *f, const uint8_t *p, size_t n)
{
    static char *rest;
    static size_t rest_cap;

    if (f->broken)
        return;
    if (!f->ctxt)
        flow_start_parser(f);
    xmlParseChunk(f->ctxt, (const char *)p, (int)n, 0);
    while (f->restart && !f->broken) {
        /* The parser stopped right after the "<?xml ...?>"; what follows
         * is still in its input buffer.  Save it, reset, push it again. */
        xmlParserInputPtr in = f->ctxt->input;
        size_t len = in && in->cur && in->end > in->cur
                         ? (size_t)(in->end - in->cur) : 0;
        if (len > rest_cap) {
            rest_cap = len * 2;
            rest = realloc(rest, rest_cap);
            if (!rest) {
                fprintf(stderr, "libxml2-baseline: out of memory\n");
                exit(1);
            }
        }
        if (len)
            memcpy(rest, in->cur, len);
        f->restart = 0;
        f->depth = 0;
        g_restarts++;
        xmlCtxtResetPush(f->ctxt, NULL, 0, NULL, NULL);
        f->ctxt->userData = f; /* keep our callback context */
        xmlCtxtUseOptions(f->ctxt, parse_options);
        if (len)
            xmlParseChunk(f->ctxt, rest, (int)len, 0);
    }
}

static void flow_finish(flow_t *f)
{
    if (!f->ctxt)
        return;
    if (!f->broken)
        xmlParseChunk(f->ctxt, NULL, 0, 1);
    xmlFreeParserCtxt(f->ctxt);
    f->ctxt = NULL;
}

/* ------------------------------------------------------------------------ */
/* Flow table: open addressing on the 4-tuple, flows allocated separately
 * (parsers keep a pointer to them). */

static flow_t **g_tab;
static size_t g_tab_cap;

static size_t flow_hash(uint32_t sa, uint32_t da, uint16_t sp, uint16_t dp)
{
    uint64_t h = ((uint64_t)sa << 32 | da) * 0x9E3779B97F4A7C15ULL;
    h ^= ((uint64_t)sp << 16 | dp) * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h ^ (h >> 29));
}

static flow_t **flow_slot(flow_t **tab, size_t cap, uint32_t sa, uint32_t da,
                          uint16_t sp, uint16_t dp)
{
    size_t i = flow_hash(sa, da, sp, dp) & (cap - 1);
    for (;; i = (i + 1) & (cap - 1)) {
        flow_t *f = tab[i];
        if (!f || (f->saddr == sa && f->daddr == da && f->sport == sp &&
                   f->dport == dp))
            return &tab[i];
    }
}

static flow_t *flow_get(uint32_t sa, uint32_t da, uint16_t sp, uint16_t dp,
                        int create)
{
    if (2 * (g_flows + 1) > g_tab_cap) {
        size_t cap = g_tab_cap ? g_tab_cap * 2 : 1024;
        flow_t **tab = calloc(cap, sizeof(flow_t *));
        if (!tab) {
            fprintf(stderr, "libxml2-baseline: out of memory\n");
            exit(1);
        }
        for (size_t i = 0; i < g_tab_cap; i++) {
            flow_t *f = g_tab[i];
            if (f)
                *flow_slot(tab, cap, f->saddr, f->daddr, f->sport,
                           f->dport) = f;
        }
        free(g_tab);
        g_tab = tab;
        g_tab_cap = cap;
    }
    flow_t **slot = flow_slot(g_tab, g_tab_cap, sa, da, sp, dp);
    if (!*slot && create) {
        flow_t *f = calloc(1, sizeof(flow_t));
        if (!f) {
            fprintf(stderr, "libxml2-baseline: out of memory\n");
            exit(1);
        }
        f->saddr = sa;
        f->daddr = da;
        f->sport = sp;
        f->dport = dp;
        *slot = f;
        g_flows++;
    }
    return *slot;
}

/* ------------------------------------------------------------------------ */

static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: libxml2-baseline FILE.pcap\n");
        return 2;
    }
    LIBXML_TEST_VERSION
    xmlInitParser();

    memset(&g_sax, 0, sizeof g_sax);
    g_sax.initialized = XML_SAX2_MAGIC;
    g_sax.startElementNs = on_start;
    g_sax.endElementNs = on_end;
    g_sax.characters = on_characters;
    g_sax.serror = on_error;

    double t0 = now_s();

    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(argv[1], errbuf);
    if (!pc) {
        fprintf(stderr, "libxml2-baseline: %s\n", errbuf);
        return 1;
    }
    if (pcap_datalink(pc) != DLT_EN10MB) {
        fprintf(stderr, "libxml2-baseline: only Ethernet captures supported\n");
        return 1;
    }

    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
        g_packets++;
        const uint8_t *end = d + h->caplen;
        if (h->caplen < 14 + 20 || get16(d + 12) != 0x0800)
            continue;
        const uint8_t *ip = d + 14;
        uint32_t ihl = (uint32_t)(ip[0] & 15) * 4;
        uint32_t ip_len = get16(ip + 2);
        if ((ip[0] >> 4) != 4 || ip[9] != 6 || ihl < 20 ||
            (get16(ip + 6) & 0x3fff) != 0 /* fragment */)
            continue;
        if (ip + ip_len > end) /* truncated: use what was captured */
            ip_len = (uint32_t)(end - ip);
        if (ip_len < ihl + 20)
            continue;
        const uint8_t *tcp = ip + ihl;
        uint32_t thl = (uint32_t)(tcp[12] >> 4) * 4;
        if (thl < 20 || ihl + thl > ip_len)
            continue;
        uint32_t plen = ip_len - ihl - thl;
        uint8_t flags = tcp[13];
        uint32_t sa = get32(ip + 12), da = get32(ip + 16);
        uint16_t sp = (uint16_t)get16(tcp), dp = (uint16_t)get16(tcp + 2);

        if (plen > 0) {
            flow_t *f = flow_get(sa, da, sp, dp, 1);
            g_bytes += plen;
            flow_feed(f, tcp + thl, plen);
        }
        if (flags & 0x05) { /* FIN or RST: this direction is over */
            flow_t *f = flow_get(sa, da, sp, dp, 0);
            if (f)
                flow_finish(f); /* a later payload starts a new parser */
        }
    }
    if (rc == -1)
        fprintf(stderr, "libxml2-baseline: pcap: %s\n", pcap_geterr(pc));
    pcap_close(pc);
    for (size_t i = 0; i < g_tab_cap; i++)
        if (g_tab[i])
            flow_finish(g_tab[i]);

    double secs = now_s() - t0;

    printf("stanzas=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f MB/s=%.2f\n",
           g_stanzas, g_bytes, secs, secs > 0 ? (double)g_bytes / 1e6 / secs : 0.0);
    fprintf(stderr,
            "libxml2-baseline: packets=%" PRIu64 " flows=%" PRIu64
            " restarts=%" PRIu64 " errors=%" PRIu64 " libxml2=%s\n",
            g_packets, g_flows, g_restarts, g_errors, xmlParserVersion);

    for (size_t i = 0; i < g_tab_cap; i++)
        free(g_tab[i]);
    free(g_tab);
    xmlCleanupParser();
    return g_errors ? 3 : 0;
}
