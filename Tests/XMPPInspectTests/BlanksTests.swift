import Testing
@testable import XMPPInspect

@Suite("Blanks: spaces for a column, written straight into an interpolation")
struct BlanksTests {
    @Test("writes exactly as many spaces as asked, none for zero or less, past its 32-space run too",
          arguments: [-3, 0, 1, 5, 31, 32, 33, 70])
    func spaces(count: Int) {
        let text = "[\(Blanks(count))]"
        #expect(text == "[" + String(repeating: " ", count: max(count, 0)) + "]")
        #expect(Blanks(count).description.utf8.count == max(count, 0))
    }
}
