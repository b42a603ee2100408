/// Bytes from hexadecimal text as RFCs print it: pairs of digits, any whitespace between them.
func hex(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.filter { !$0.properties.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var iterator = digits.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        guard let value = UInt8(String(high) + String(low), radix: 16) else { preconditionFailure("not hex: \(high)\(low)") }
        bytes.append(value)
    }
    return bytes
}

extension Array where Element == UInt8 {
    /// Lowercase hex, for readable failure messages.
    var hexString: String { map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
}
