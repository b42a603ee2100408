// The C resolver (glibc's libresolv): SRV queries for `proxy --upstream DOMAIN`.
// Only XMPPProxy's SRVResolver imports this module.
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>

/// One SRV answer (RFC 2782), its target expanded to text.
typedef struct {
    unsigned short priority;
    unsigned short weight;
    unsigned short port;
    char target[NS_MAXDNAME];
} xmppscope_srv_record;

/// res_query for class IN (the name is a macro in resolv.h, which Swift cannot call).
static inline int xmppscope_res_query(const char *name, int type, unsigned char *answer, int length) {
    return res_query(name, ns_c_in, type, answer, length);
}

/// The SRV records of a DNS answer, parsed with libresolv's ns_parserr and dn_expand (the
/// accessors are macros). Returns how many were written, or -1 when the answer is malformed.
static inline int xmppscope_parse_srv(const unsigned char *answer, int length, xmppscope_srv_record *out, int capacity) {
    ns_msg message;
    if (ns_initparse(answer, length, &message) < 0) return -1;
    int count = ns_msg_count(message, ns_s_an);
    int written = 0;
    for (int index = 0; index < count && written < capacity; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, index, &record) < 0) return -1;
        if (ns_rr_type(record) != ns_t_srv || ns_rr_rdlen(record) < 7) continue;
        const unsigned char *data = ns_rr_rdata(record);
        out[written].priority = ns_get16(data);
        out[written].weight = ns_get16(data + 2);
        out[written].port = ns_get16(data + 4);
        if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 6, out[written].target, NS_MAXDNAME) < 0) return -1;
        written++;
    }
    return written;
}
