import Testing
@testable import XMPPCore

/// Where a context starts, the framer asks whether the bytes open a stream (a stream header or
/// an XML declaration; a BOSH `<body>` where bodies are read) or a stanza, or whether too few
/// bytes are in to say.
@Suite("Byte window: does a stream start here")
struct ByteWindowStreamStartTests {
    static let bom = "\u{FEFF}"
    static let cases: [(String, Bool, Bool?)] = [
        // Input, BOSH bodies read, verdict.
        ("<stream:stream xmlns='jabber:client'>", false, true), ("<stream>", false, true), ("<x:stream/>", false, true),
        ("<?xml version='1.0'?>", false, true), ("\(bom)<stream:stream ", false, true), ("<body rid='1'>", true, true),
        ("<body rid='1'>", false, false), ("<bodyx>", true, false), ("<message to='a'>", false, false), ("<stream:streams>", false, false),
        ("<iq\tid='1'>", false, false), ("</stream:stream>", false, false), ("< stream>", false, false), ("<>", false, false),
        ("text", false, false), ("\(bom)text", false, false),
        ("<" + String(repeating: "a", count: 57) + ":stream>", false, true),
        ("<" + String(repeating: "a", count: 58) + ":stream>", false, false),
        ("<" + String(repeating: "a", count: 65), false, false),
        // Too few bytes to say.
        ("", false, nil), ("\u{FEFF}", false, nil), ("<", false, nil), ("<stream:stre", false, nil),
        ("<" + String(repeating: "a", count: 64), false, nil),
    ]

    @Test("the verdict for each start, also past bytes before it")
    func verdicts() {
        var checked = 0
        for (text, bodies, expected) in Self.cases {
            for prefix in ["", "<presence/> "] {
                let window = ByteWindow()
                let bytes = Array((prefix + text).utf8)
                bytes.withUnsafeBytes { window.append($0) }
                let at = prefix.utf8.count
                #expect(window.startsStream(at: at, alsoBody: bodies) == expected, "\(prefix)\(text) bodies=\(bodies)")
                checked += 1
            }
        }
        #expect(checked == Self.cases.count * 2)
    }
}
