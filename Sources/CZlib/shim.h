#ifndef XMPPSCOPE_CZLIB_SHIM_H
#define XMPPSCOPE_CZLIB_SHIM_H
#include <zlib.h>
#endif
