#ifndef XMPPSCOPE_CPCAP_SHIM_H
#define XMPPSCOPE_CPCAP_SHIM_H
#include <pcap/pcap.h>

/* Link types as constants Swift can import (some are macros libpcap defines per platform). */
static const int xmppscope_dlt_null = DLT_NULL;
static const int xmppscope_dlt_en10mb = DLT_EN10MB;
static const int xmppscope_dlt_raw = DLT_RAW;
static const int xmppscope_dlt_loop = DLT_LOOP;
static const int xmppscope_dlt_linux_sll = DLT_LINUX_SLL;
#ifdef DLT_LINUX_SLL2
static const int xmppscope_dlt_linux_sll2 = DLT_LINUX_SLL2;
#else
static const int xmppscope_dlt_linux_sll2 = 276;
#endif
#ifdef DLT_IPV4
static const int xmppscope_dlt_ipv4 = DLT_IPV4;
static const int xmppscope_dlt_ipv6 = DLT_IPV6;
#else
static const int xmppscope_dlt_ipv4 = 228;
static const int xmppscope_dlt_ipv6 = 229;
#endif
#endif
