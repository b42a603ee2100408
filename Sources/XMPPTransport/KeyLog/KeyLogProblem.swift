/// A key log line that could not be used, with where it is: the rest of the file is still read.
public struct KeyLogProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the line.
    public enum Kind: Sendable, Hashable {
        /// A label the NSS format does not define (a typo, or a format xmppscope does not know).
        case unknownLabel(String)
        /// Not three fields separated by spaces: label, client random, secret.
        case fieldCount(Int)
        /// A field that is not hexadecimal.
        case notHexadecimal(field: String)
        /// A client random that is not 32 bytes.
        case clientRandomLength(Int)
        /// A secret whose length the label does not allow.
        case secretLength(label: KeyLogLabel, bytes: Int)
    }

    /// The file the line came from, as the user named it.
    public var source: String
    /// 1-based.
    public var line: Int
    public var kind: Kind

    public init(source: String, line: Int, kind: Kind) {
        self.source = source
        self.line = line
        self.kind = kind
    }

    public var description: String {
        let what: String
        switch kind {
        case .unknownLabel(let label):
            what = "unknown label '\(label.prefix(40))' (expected one of \(KeyLogLabel.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .fieldCount(let count):
            what = "\(count) field\(count == 1 ? "" : "s") where a key log line has 3: LABEL CLIENT_RANDOM SECRET"
        case .notHexadecimal(let field):
            what = "the \(field) is not hexadecimal"
        case .clientRandomLength(let bytes):
            what = "the client random is \(bytes) bytes, not 32"
        case .secretLength(let label, let bytes):
            let allowed = label.secretLengths.sorted().map(String.init).joined(separator: " or ")
            what = "a \(label.rawValue) secret of \(bytes) bytes (expected \(allowed))"
        }
        return "\(source):\(line): \(what); the line is skipped"
    }
}
