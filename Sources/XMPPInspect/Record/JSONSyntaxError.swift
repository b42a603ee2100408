/// Why bytes are not JSON (RFC 8259): what is wrong, and the byte where it is.
struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    enum Problem: Hashable, Sendable {
        /// The input ends where a value should begin.
        case missingValue
        /// A byte that begins no JSON value (`'`, `.`, `x`).
        case notAValue
        /// A number written with `+` (`+1`): JSON numbers take only `-`.
        case plusSign
        /// A number with a leading zero (`01`, `-00`).
        case leadingZero
        /// A number with no digit where one is needed (`-`, `1.`, `1e+`).
        case missingDigit(NumberPart)
        /// `true`, `false` or `null` misspelled or cut short.
        case badLiteral(String)
        /// An object member that does not begin with a string.
        case missingKey
        /// An object key not followed by `:`.
        case missingColon
        /// An object member followed by something other than `,` or `}`.
        case missingCommaOrBrace
        /// An array element followed by something other than `,` or `]`.
        case missingCommaOrBracket
        case unclosedObject
        case unclosedArray
        case unclosedString
        /// A byte below 0x20 inside a string: JSON needs it escaped (`\n`, `\u0001`).
        case controlCharacter(UInt8)
        /// A backslash followed by something other than `"`, `\`, `/`, `b`, `f`, `n`, `r`, `t`, `u`.
        case badEscape
        /// `\u` not followed by four hex digits.
        case badUnicodeEscape
        /// Arrays and objects nested deeper than ``JSONParser/maximumDepth``.
        case nestedTooDeeply
        /// Something after the value other than whitespace.
        case trailingBytes
    }

    /// The part of a number that lacks its digits.
    enum NumberPart: Hashable, Sendable { case integer, fraction, exponent }

    var problem: Problem
    /// The byte at fault, counted from 0; the input's length when the input ended too soon.
    var offset: Int

    /// The problem in words.
    var message: String {
        switch problem {
        case .missingValue: return "the line ends where a value should be"
        case .notAValue: return "not a value"
        case .plusSign: return "a plus sign before a number"
        case .leadingZero: return "a leading zero in a number"
        case .missingDigit(.integer): return "no digit after '-'"
        case .missingDigit(.fraction): return "no digit after a number's '.'"
        case .missingDigit(.exponent): return "no digit in a number's exponent"
        case .badLiteral(let word): return "expected \(word)"
        case .missingKey: return "expected a key"
        case .missingColon: return "expected ':'"
        case .missingCommaOrBrace: return "expected ',' or '}'"
        case .missingCommaOrBracket: return "expected ',' or ']'"
        case .unclosedObject: return "object not closed"
        case .unclosedArray: return "array not closed"
        case .unclosedString: return "string not closed"
        case .controlCharacter(let byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "an unescaped control character U+\(hex.count < 2 ? "000" : "00")\(hex) in a string"
        case .badEscape: return "bad escape"
        case .badUnicodeEscape: return "bad \\u escape"
        case .nestedTooDeeply: return "nested too deeply"
        case .trailingBytes: return "unexpected bytes after the value"
        }
    }

    /// The message and the 1-based byte: `expected ':' at byte 12`.
    var description: String { "\(message) at byte \(offset + 1)" }
}
