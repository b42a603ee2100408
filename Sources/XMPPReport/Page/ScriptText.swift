/// JSON made safe inside a `<script>` element: a `<` can only stand inside a JSON string, where
/// `\u003c` means the same, so no `</script>` or `<!--` in a stanza can end the block early.
enum ScriptText {
    /// Appends `json` with every `<` written as `\u003c`.
    static func append(_ json: [UInt8], to out: inout [UInt8]) {
        out.reserveCapacity(out.count + json.count)
        var start = 0
        for index in json.indices where json[index] == UInt8(ascii: "<") {
            out.append(contentsOf: json[start..<index])
            out.append(contentsOf: #"\u003c"#.utf8)
            start = index + 1
        }
        out.append(contentsOf: json[start...])
    }
}
