/// Where a framer stands; each state carries what it needs.
enum FramerState {
    /// Between streams: waiting to see whether a real stream header comes (`nil`), or decided
    /// already: a stream header (`false`) or a stanza to parse under a header the framer supplies.
    case awaitingStart(synthetic: Bool?)
    /// A libxml2 context is open and fed.
    case parsing
    /// After an error: looking for the next stanza start.
    case hunting(Hunt)
    /// After TLS or compression began: bytes are counted, not decoded.
    case opaque
}

/// The hunting state's data: the error waiting for the resynchronisation point.
struct Hunt {
    /// The error to report once the skipped bytes are known (nil: nothing to report).
    var error: FramerError?
    /// Where the skipped bytes begin (the error holds those before).
    var skippedStart: Int
    /// Where to look for the next stanza start.
    var from: Int
}

/// What a libxml2 callback asks the framer's loop to do once the parser returns.
enum FramerControl {
    /// Start a new context at `at`: a new stream header, or a stanza under a supplied one.
    case restart(at: Int, synthetic: Bool)
    /// The stream was closed at `at`.
    case closed(at: Int)
    case failed(FramerError)
    /// TLS or compression begins at `at`.
    case opaque(at: Int)
}

/// An element past a limit, parsed to its end without being kept.
struct Discard {
    /// The limit error, with the skipped bytes copied into it so far.
    var error: FramerError
    var start: Int
    /// Bytes before this offset are in `error` already (the window lets them go while the
    /// element is parsed on, so they are copied first, as many as an error keeps).
    var skippedUpTo: Int
}
