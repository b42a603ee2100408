/// The rows of a compiled-in tab-separated table, header left out, each as its fields.
///
/// Split on the UTF-8 bytes: splitting the `String` itself walks it by grapheme clusters, which
/// made building the namespace table (700 rows) cost about 50 M instructions, some 12 ms, the
/// first time an output labelled a namespace.
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
