// glibc's malloc tuning (mallopt): the replay's heap room (see MallocTopPad in the xmppscope
// target, the only importer of this module). Not every libc has it.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
#ifdef M_TOP_PAD
static const int xmppscope_has_mallopt_top_pad = 1;
static inline int xmppscope_set_malloc_top_pad(int bytes) { return mallopt(M_TOP_PAD, bytes); }
#else
static const int xmppscope_has_mallopt_top_pad = 0;
static inline int xmppscope_set_malloc_top_pad(int bytes) { (void)bytes; return 0; }
#endif
