/// Reads the NSS key log format line by line, from bytes fed in any pieces (a file that grows
/// while a capture or the proxy runs is fed as it grows). Blank lines and `#` comments are
/// skipped, CRLF and LF both end a line, labels of other tools' formats that carry nothing
/// usable are skipped; every other line that is not a well-formed entry is a ``KeyLogProblem``
/// naming its line, and reading goes on. No I/O: the caller reads the file.
public struct KeyLogParser: Sendable {
    /// What the file is called in problems.
    public let source: String
    /// The bytes of a line not yet ended.
    private var pending: [UInt8] = []
    /// The number of the line `pending` belongs to.
    private var lineNumber = 1
    /// Lines longer than this are not key log lines (the longest real one is under 250 bytes);
    /// their bytes are not kept.
    static let longestLine = 1024
    private var pendingOverflowed = false

    public init(source: String) {
        self.source = source
    }

    /// Parses the lines `bytes` complete; `entry` and `problem` are called in line order.
    public mutating func feed(_ bytes: some Collection<UInt8>, entry: (KeyLogEntry) -> Void, problem: (KeyLogProblem) -> Void) {
        let copy = Array(bytes)
        copy.withUnsafeBytes { feed($0, entry: entry, problem: problem) }
    }

    /// Parses the lines `bytes` complete, a line's bytes appended at once (a key log of thousands
    /// of sessions is read when a replay starts).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, entry: (KeyLogEntry) -> Void, problem: (KeyLogProblem) -> Void) {
        let buffer = bytes.bindMemory(to: UInt8.self)
        var start = 0
        while start < buffer.count {
            let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? buffer.count
            let room = Self.longestLine - pending.count
            if end - start > room {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<(start + max(room, 0))]))
                pendingOverflowed = true
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
            }
            guard let newline else { return }
            endLine(entry: entry, problem: problem)
            start = newline + 1
        }
    }

    /// The input has ended: a last line without a newline is parsed too.
    public mutating func finish(entry: (KeyLogEntry) -> Void, problem: (KeyLogProblem) -> Void) {
        if !pending.isEmpty || pendingOverflowed { endLine(entry: entry, problem: problem) }
    }

    private mutating func endLine(entry: (KeyLogEntry) -> Void, problem: (KeyLogProblem) -> Void) {
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingOverflowed = false
            lineNumber += 1
        }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        if pendingOverflowed {
            problem(KeyLogProblem(source: source, line: lineNumber, kind: .fieldCount(Fields(pending).count)))
            return
        }
        switch Self.parse(pending) {
        case .skip: break
        case .entry(let parsed): entry(parsed)
        case .problem(let kind): problem(KeyLogProblem(source: source, line: lineNumber, kind: kind))
        }
    }

    enum LineResult: Equatable {
        case skip
        case entry(KeyLogEntry)
        case problem(KeyLogProblem.Kind)
    }

    /// One line, without its line end. Its fields are found in place (a key log of thousands of
    /// sessions is read before a replay starts: splitting each line into an array, building the
    /// label's string and a set of allowed lengths took about 10,000 instructions a line).
    static func parse(_ line: [UInt8]) -> LineResult {
        let fields = Fields(line)
        guard let first = fields.first, line[first.lowerBound] != UInt8(ascii: "#") else { return .skip }
        guard let label = KeyLogLabel(utf8: line[first]) else {
            let labelText = String(decoding: line[first], as: UTF8.self)
            return KeyLogLabel.ignored.contains(labelText) ? .skip : .problem(.unknownLabel(labelText))
        }
        guard fields.count == 3, let randomField = fields.second, let secretField = fields.third else {
            return .problem(.fieldCount(fields.count))
        }
        guard let clientRandom = hexadecimal(line[randomField]) else { return .problem(.notHexadecimal(field: "client random")) }
        guard clientRandom.count == 32 else { return .problem(.clientRandomLength(clientRandom.count)) }
        guard let secret = hexadecimal(line[secretField]) else { return .problem(.notHexadecimal(field: "secret")) }
        guard label.secretLengths.contains(secret.count) else {
            return .problem(.secretLength(label: label, bytes: secret.count))
        }
        return .entry(KeyLogEntry(label: label, clientRandom: clientRandom, secret: secret))
    }

    /// How many fields (runs of bytes between spaces and tabs) a line has, and where its first
    /// three are.
    struct Fields {
        private(set) var count = 0
        private(set) var first: Range<Int>?
        private(set) var second: Range<Int>?
        private(set) var third: Range<Int>?

        init(_ line: [UInt8]) {
            var start: Int?
            for index in 0...line.count {
                let separates = index == line.count || line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t")
                if !separates {
                    if start == nil { start = index }
                    continue
                }
                guard let fieldStart = start else { continue }
                start = nil
                let field = fieldStart..<index
                switch count {
                case 0: first = field
                case 1: second = field
                case 2: third = field
                default: break
                }
                count += 1
            }
        }
    }

    /// Bytes from an even number of hexadecimal digits, either case; written in place, two digits
    /// a byte (appending digit by digit cost about 26 instructions a digit).
    static func hexadecimal(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var valid = true
        let length = text.count / 2
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            // The buffer may be larger than asked for: write `length` bytes.
            var digit = text.startIndex
            for index in 0..<length {
                guard let high = nibble(text[digit]), let low = nibble(text[digit + 1]) else {
                    valid = false
                    initialized = index
                    return
                }
                buffer[index] = high << 4 | low
                digit += 2
            }
            initialized = length
        }
        return valid ? bytes : nil
    }

    /// The value of one hexadecimal digit, either case.
    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
