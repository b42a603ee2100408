// glibc's malloc tuning (mallopt) for a replay (see MallocTopPad in the xmppscope target, the only
// importer of this module). Other C libraries get a wrapper that does nothing.
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// Sets glibc's top pad and mmap threshold (bytes); returns 1 when both were set, 0 otherwise.
static inline int xmppscope_set_malloc_pad(int topPad, int mmapThreshold) {
#if defined(__GLIBC__)
    return mallopt(M_TOP_PAD, topPad) == 1 && mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1;
#else
    (void)topPad;
    (void)mmapThreshold;
    return 0;
#endif
}
