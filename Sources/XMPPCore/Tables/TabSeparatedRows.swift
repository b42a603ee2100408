/// The rows of a compiled-in tab-separated table, each as its fields (empty ones kept): the
/// first line (the header) and empty lines left out.
///
/// Split on the UTF-8 bytes: splitting the `String` itself walks it by grapheme clusters, which
/// made building the namespace table (683 rows) cost about 50 M instructions, some 12 ms, the
/// first time an output labelled a namespace. Tab and LF are ASCII and never inside a UTF-8
/// sequence, so the fields are the same.
enum TabSeparatedRows {
    static func rows(of table: String) -> [[String]] {
        var table = table
        return table.withUTF8 { bytes in
            bytes.split(separator: UInt8(ascii: "\n")).dropFirst().map { line in
                line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map {
                    String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self)
                }
            }
        }
    }
}
