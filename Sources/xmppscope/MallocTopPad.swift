internal import CMalloc

/// glibc's malloc settings for a replay. A thread's heap is a reserved region made writable as it
/// grows: past its previous peak glibc makes room a little at a time, an `mprotect` call each, and
/// each takes the process's memory-map lock from the other threads. A replay's framing thread,
/// which makes every element and frees it once the records thread is done with it, made 2,585
/// such calls on a 100,000-stanza capture. With 16 MiB of top pad a heap starts with that much
/// room and trims keep it: a few dozen calls. Only pages written count towards the resident size.
///
/// Setting the pad also fixes glibc's mmap threshold, which otherwise rises from 128 KiB as large
/// blocks are freed: it is set to 4 MiB, so blocks under that (a large stanza's storage, a batch)
/// come from the heap and are used again, instead of being mapped and unmapped each time.
enum MallocTopPad {
    static let topPad = 16 << 20
    static let mmapThreshold = 4 << 20

    /// Sets both for the whole process (before its threads start). Does nothing on a C library
    /// other than glibc.
    static func apply() {
        _ = xmppscope_set_malloc_pad(Int32(topPad), Int32(mmapThreshold))
    }
}
