import Testing
@testable import XMPPInspect

/// An input the parser must refuse, with the problem and the byte (from 0) it must name.
struct JSONRefusal: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let problem: JSONSyntaxError.Problem
    let offset: Int
    init(_ name: String, _ input: String, _ problem: JSONSyntaxError.Problem, at offset: Int) {
        self.name = name
        self.input = input
        self.problem = problem
        self.offset = offset
    }
    var testDescription: String { name }
}

/// An input the parser must take, with the value it must read.
struct JSONAcceptance: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let value: JSONValue
    init(_ name: String, _ input: String, _ value: JSONValue) {
        self.name = name
        self.input = input
        self.value = value
    }
    var testDescription: String { name }
}

private func parse(_ input: String) -> Result<JSONValue, JSONSyntaxError> {
    Array(input.utf8).withUnsafeBufferPointer { bytes in
        Result { () throws(JSONSyntaxError) -> JSONValue in try JSONParser.parse(bytes) }
    }
}

@Suite("JSON parser (RFC 8259)")
struct JSONParserTests {
    static let refused: [JSONRefusal] = [
        // Numbers (RFC 8259 §6).
        JSONRefusal("a leading plus", "+1", .plusSign, at: 0),
        JSONRefusal("a leading plus inside an array", "[+1]", .plusSign, at: 1),
        JSONRefusal("a leading zero", "01", .leadingZero, at: 0),
        JSONRefusal("a leading zero after a minus", "-01", .leadingZero, at: 1),
        JSONRefusal("two zeros", "00", .leadingZero, at: 0),
        JSONRefusal("a point with no digit after it", "1.", .missingDigit(.fraction), at: 2),
        JSONRefusal("a point then an exponent", "1.e5", .missingDigit(.fraction), at: 2),
        JSONRefusal("a point with no digit before it", ".5", .notAValue, at: 0),
        JSONRefusal("a minus alone", "-", .missingDigit(.integer), at: 1),
        JSONRefusal("a minus then a space", "- 1", .missingDigit(.integer), at: 1),
        JSONRefusal("an exponent with no digit", "1e", .missingDigit(.exponent), at: 2),
        JSONRefusal("an exponent sign with no digit", "1e+", .missingDigit(.exponent), at: 3),
        JSONRefusal("two points", "1.2.3", .trailingBytes, at: 3),
        JSONRefusal("hexadecimal", "0x10", .trailingBytes, at: 1),
        JSONRefusal("Infinity", "Infinity", .notAValue, at: 0),
        JSONRefusal("-Infinity", "-Infinity", .missingDigit(.integer), at: 1),
        JSONRefusal("NaN", "NaN", .notAValue, at: 0),
        JSONRefusal("a number then a letter in an object", #"{"a":1x}"#, .missingCommaOrBrace, at: 6),
        // Strings (§7).
        JSONRefusal("a raw NUL in a string", "\"a\u{0}b\"", .controlCharacter(0x00), at: 2),
        JSONRefusal("a raw newline in a string", "\"a\nb\"", .controlCharacter(0x0A), at: 2),
        JSONRefusal("a raw tab in a string", "\"\t\"", .controlCharacter(0x09), at: 1),
        JSONRefusal("a raw U+001F after an escape", "\"a\\\"\u{1F}\"", .controlCharacter(0x1F), at: 4),
        JSONRefusal("a raw control character in a key", "{\"a\u{7}\":1}", .controlCharacter(0x07), at: 3),
        JSONRefusal("an unknown escape", #""\x""#, .badEscape, at: 2),
        JSONRefusal("a \\u escape with a letter that is not hex", #""\u12G4""#, .badUnicodeEscape, at: 5),
        JSONRefusal("a \\u escape with a plus sign", #""\u+123""#, .badUnicodeEscape, at: 3),
        JSONRefusal("a \\u escape with a minus sign", #""\u-000""#, .badUnicodeEscape, at: 3),
        JSONRefusal("a \\u escape with two digits", #""\u12""#, .badUnicodeEscape, at: 5),
        JSONRefusal("a bad \\u escape after a high surrogate", #""\ud800\u12""#, .badUnicodeEscape, at: 11),
        JSONRefusal("single quotes", "'a'", .notAValue, at: 0),
        JSONRefusal("a string not closed", #""abc"#, .unclosedString, at: 4),
        JSONRefusal("a backslash at the end", #""abc\"#, .unclosedString, at: 5),
        JSONRefusal("a \\u escape at the end", #""\u12"#, .badUnicodeEscape, at: 5),
        // Literals (§3).
        JSONRefusal("true cut short", "tru", .badLiteral("true"), at: 3),
        JSONRefusal("null misspelled", "nul1", .badLiteral("null"), at: 3),
        JSONRefusal("True capitalised", "True", .notAValue, at: 0),
        JSONRefusal("true then a letter", "truex", .trailingBytes, at: 4),
        // Objects and arrays (§4, §5).
        JSONRefusal("a comma before the closing brace", #"{"a":1,}"#, .missingKey, at: 7),
        JSONRefusal("a comma before the closing bracket", "[1,]", .notAValue, at: 3),
        JSONRefusal("array elements without a comma", "[1 2]", .missingCommaOrBracket, at: 3),
        JSONRefusal("a key without a colon", #"{"a" 1}"#, .missingColon, at: 5),
        JSONRefusal("a key without quotes", "{a:1}", .missingKey, at: 1),
        JSONRefusal("members without a comma", #"{"a":1 "b":2}"#, .missingCommaOrBrace, at: 7),
        JSONRefusal("an object not closed", #"{"a":1"#, .unclosedObject, at: 6),
        JSONRefusal("an array not closed", "[1", .unclosedArray, at: 2),
        JSONRefusal("nested one level too deep", String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
                    .nestedTooDeeply, at: 64),
        // The text around the value (§2).
        JSONRefusal("nothing", "", .missingValue, at: 0),
        JSONRefusal("whitespace only", " \t\r\n", .missingValue, at: 4),
        JSONRefusal("two values", "{} {}", .trailingBytes, at: 3),
        JSONRefusal("two numbers", "1 2", .trailingBytes, at: 2),
        JSONRefusal("a NUL after the value", "{}\u{0}", .trailingBytes, at: 2),
        JSONRefusal("a byte order mark", "\u{FEFF}{}", .notAValue, at: 0),
        JSONRefusal("a vertical tab as whitespace", "\u{0B}1", .notAValue, at: 0),
        JSONRefusal("a no-break space after the value", "1\u{A0}", .trailingBytes, at: 1),
    ]

    @Test("refuses what RFC 8259 does not allow, naming the problem and the byte", arguments: refused)
    func refuses(_ refusal: JSONRefusal) {
        switch parse(refusal.input) {
        case .success(let value):
            Issue.record("\(refusal.name): read as \(value)")
        case .failure(let error):
            #expect(error.problem == refusal.problem)
            #expect(error.offset == refusal.offset)
        }
    }

    static let accepted: [JSONAcceptance] = [
        JSONAcceptance("zero", "0", .number(0)),
        JSONAcceptance("minus zero", "-0", .number(-0.0)),
        JSONAcceptance("an integer", "10", .number(10)),
        JSONAcceptance("a negative integer", "-12", .number(-12)),
        JSONAcceptance("a fraction", "-0.5", .number(-0.5)),
        JSONAcceptance("an exponent", "1e5", .number(1e5)),
        JSONAcceptance("a capital exponent with a plus", "1.25E+2", .number(125)),
        JSONAcceptance("a negative exponent", "5e-1", .number(0.5)),
        JSONAcceptance("zero with a fraction and an exponent", "0.0e-0", .number(0)),
        JSONAcceptance("a number too large for a double", "1e999", .number(.infinity)),
        JSONAcceptance("true", "true", .bool(true)),
        JSONAcceptance("false", "false", .bool(false)),
        JSONAcceptance("null", "null", .null),
        JSONAcceptance("an empty string", #""""#, .string("")),
        JSONAcceptance("every short escape", #""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{8}\u{C}\n\r\t")),
        JSONAcceptance("\\u escapes in both cases", #""\u00e9\u00C9\u0000""#, .string("éÉ\u{0}")),
        JSONAcceptance("a surrogate pair", #""\ud83d\ude00""#, .string("😀")),
        JSONAcceptance("raw UTF-8 and DEL", "\"é😀\u{7F}\"", .string("é😀\u{7F}")),
        JSONAcceptance("a lone high surrogate", #""a\ud800b""#, .string("a\u{FFFD}b")),
        JSONAcceptance("a lone low surrogate", #""\udc00""#, .string("\u{FFFD}")),
        JSONAcceptance("a high surrogate at the end", #""\ud800""#, .string("\u{FFFD}")),
        JSONAcceptance("a lone high surrogate before a pair", #""\ud800\ud83d\ude00""#, .string("\u{FFFD}😀")),
        JSONAcceptance("a lone high surrogate before an escape", #""\ud800\u0041""#, .string("\u{FFFD}A")),
        JSONAcceptance("whitespace everywhere it is allowed", " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\n ",
                       .object(["a": .array([.number(1), .number(2)]), "b": .object([:])])),
        JSONAcceptance("the deepest nesting allowed", String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
                       (0..<63).reduce(JSONValue.array([])) { inner, _ in .array([inner]) }),
        JSONAcceptance("a duplicate key: the last wins", #"{"a":1,"a":2}"#, .object(["a": .number(2)])),
    ]

    @Test("reads what RFC 8259 allows", arguments: accepted)
    func accepts(_ acceptance: JSONAcceptance) throws {
        let value = try parse(acceptance.input).get()
        #expect(value == acceptance.value)
    }

    @Test("bytes that are not UTF-8 inside a string become U+FFFD, with or without an escape before them")
    func invalidUTF8() throws {
        func parse(_ input: [UInt8]) throws -> JSONValue {
            try input.withUnsafeBufferPointer { bytes throws(JSONSyntaxError) in try JSONParser.parse(bytes) }
        }
        #expect(try parse([0x22, 0x61, 0xFF, 0x62, 0x22]) == .string("a\u{FFFD}b"))  // "a<FF>b"
        #expect(try parse([0x22, 0x5C, 0x6E, 0xC3, 0x22]) == .string("\n\u{FFFD}"))  // "\n<C3>"
    }

    @Test("minus zero keeps its sign")
    func minusZero() throws {
        let value = try parse("-0").get()
        #expect(value.number?.sign == .minus)
    }

    @Test("the message says what and where, 1-based, as grep prints it for a bad log line")
    func messages() {
        let cases: [(String, String)] = [
            (#"{"v":+1}"#, "not JSON (a plus sign before a number at byte 6)"),
            ("{\"v\":\"a\nb\"}", "not JSON (an unescaped control character U+000A in a string at byte 8)"),
            (#"{"v":01}"#, "not JSON (a leading zero in a number at byte 6)"),
            (#"{"v":1.}"#, "not JSON (no digit after a number's '.' at byte 8)"),
            (#"{"v":1e}"#, "not JSON (no digit in a number's exponent at byte 8)"),
            (#"{"v":1} x"#, "not JSON (unexpected bytes after the value at byte 9)"),
            (#"{"v" 1}"#, "not JSON (expected ':' at byte 6)"),
        ]
        var checked = 0
        for (line, message) in cases {
            let result = Array(line.utf8).withUnsafeBufferPointer { bytes in
                Result { () throws(RecordDecodingError) -> Record in try RecordDecoder.decode(bytes) }
            }
            guard case .failure(let error) = result else { Issue.record("\(line) was read"); continue }
            #expect(error.message == message)
            checked += 1
        }
        #expect(checked == cases.count)
    }
}
