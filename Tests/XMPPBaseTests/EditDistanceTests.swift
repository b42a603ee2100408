import Testing
import XMPPBase

/// `editDistance(to:)`, behind the filter parser's "did you mean" (and the framer's `xmlns` typo check).
@Suite("Edit distance")
struct EditDistanceTests {
    @Test("Levenshtein distances on Strings, by Character", arguments: [
        ("kitten", "sitting", 3),
        ("", "abc", 3),
        ("abc", "", 3),
        ("", "", 0),
        ("type", "type", 0),
        ("eror.condition", "error.condition", 1),  // one insertion
        ("xmnls", "xmlns", 2),  // a transposition is two edits
        ("café", "cafe", 1),  // é is one Character
        ("flaw", "lawn", 2),
    ])
    func strings(a: String, b: String, distance: Int) {
        #expect(a.editDistance(to: b) == distance)
        #expect(b.editDistance(to: a) == distance)
    }

    @Test("on bytes and other collections alike")
    func otherCollections() {
        #expect(Array("cmlns".utf8).editDistance(to: Array("xmlns".utf8)) == 1)
        #expect("café".utf8.editDistance(to: "cafe".utf8) == 2)  // é is two UTF-8 bytes
        #expect([1, 2, 3, 4].editDistance(to: [1, 3, 4]) == 1)
        #expect("abc".dropFirst().editDistance(to: "bc") == 0)
    }
}
