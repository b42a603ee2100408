internal import CMalloc

/// The room glibc's malloc adds each time a heap grows, and keeps when it trims one. By default
/// it grows and trims a thread's heap by what it needs at the time: a replay's framing thread
/// makes every element and frees it once the records thread is done with it, and so moved its
/// heap's end thousands of times (an `mprotect` call each, which takes the process's memory-map
/// lock from the other threads). With 16 MiB of room it does so a few dozen times; only pages
/// written count towards the resident size, so the peak stays what it was.
enum MallocTopPad {
    static let bytes = 16 << 20

    /// Sets the room for the whole process (before its threads start).
    static func apply() {
        _ = xmppscope_set_malloc_top_pad(Int32(bytes))
    }
}
