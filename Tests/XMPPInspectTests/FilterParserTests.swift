import Testing
@testable import XMPPInspect

@Suite("Filter language: parsing")
struct FilterParserTests {
    func parse(_ text: String) throws -> FilterExpression { try FilterParser.parse(text) }

    @Test("precedence: not binds tighter than and, and tighter than or")
    func precedence() throws {
        #expect(try parse("iq or message and presence") == .or(.flag(.iq), .and(.flag(.message), .flag(.presence))))
        #expect(try parse("not iq and message") == .and(.not(.flag(.iq)), .flag(.message)))
        #expect(try parse("(iq or message) and presence") == .and(.or(.flag(.iq), .flag(.message)), .flag(.presence)))
        #expect(try parse("!iq && message || presence") == .or(.and(.not(.flag(.iq)), .flag(.message)), .flag(.presence)))
        #expect(try parse("not not iq") == .not(.not(.flag(.iq))))
    }

    @Test("every operator", arguments: [
        ("type == error", FilterOperator.equal), ("type != error", .notEqual), ("size < 5", .less),
        ("size <= 5", .lessOrEqual), ("size > 5", .greater), ("size >= 5", .greaterOrEqual),
        ("body contains hi", .contains), ("body matches '^h.*'", .matches), ("body ~ 'h'", .matches),
    ])
    func operators(text: String, expected: FilterOperator) throws {
        guard case .compare(_, let op, _) = try parse(text) else { Issue.record("not a comparison"); return }
        #expect(op == expected)
    }

    @Test("every field and flag parses")
    func allNames() throws {
        for field in FilterField.allCases {
            #expect(try parse(field.rawValue) == .exists(.field(field)))
            #expect(try parse("\(field.rawValue) == '1'") == .compare(.field(field), .equal, field.isNumeric ? .string("1") : .string("1")))
        }
        for flag in FilterFlag.allCases { #expect(try parse(flag.rawValue) == .flag(flag)) }
    }

    @Test("values: quotes, escapes, numbers, durations, sets")
    func values() throws {
        #expect(try parse(#"body == "say \"hi\"""#) == .compare(.field(.body), .equal, .string(#"say "hi""#)))
        #expect(try parse(#"body == 'it\'s'"#) == .compare(.field(.body), .equal, .string("it's")))
        #expect(try parse("to == 'a@b/c'") == .compare(.field(.to), .equal, .string("a@b/c")))
        #expect(try parse("rtt > 250ms") == .compare(.field(.rtt), .greater, .number(250)))
        #expect(try parse("rtt > 1.5s") == .compare(.field(.rtt), .greater, .number(1500)))
        #expect(try parse("rtt > 800us") == .compare(.field(.rtt), .greater, .number(0.8)))
        #expect(try parse("size >= 1024") == .compare(.field(.size), .greaterOrEqual, .number(1024)))
        #expect(try parse("type in {get set 'result'}") == .member(.field(.type), [.string("get"), .string("set"), .string("result")]))
        #expect(try parse("ns == disco#info") == .compare(.field(.ns), .equal, .string("disco#info")))
    }

    @Test("paths and has()")
    func paths() throws {
        #expect(try parse("query/item@jid == 'b@x'") == .compare(.path(steps: ["query", "item"], attribute: "jid"), .equal, .string("b@x")))
        #expect(try parse("has(pubsub/publish)") == .exists(.path(steps: ["pubsub", "publish"], attribute: nil)))
        #expect(try parse("has(body)") == .exists(.path(steps: ["body"], attribute: nil)))
        #expect(try parse("@xml:lang == en") == .compare(.path(steps: [], attribute: "xml:lang"), .equal, .string("en")))
        #expect(try parse("*/x@xmlns") == .exists(.path(steps: ["*", "x"], attribute: "xmlns")))
    }

    static let errors: [(String, String, Int)] = [
        ("eror.condition == 'x'", "unknown field 'eror.condition' — did you mean 'error.condition'?", 1),
        ("iq and tpye == get", "unknown field 'tpye' — did you mean 'type'?", 8),
        ("iq and zzzzzzzzzzzz", "unknown field 'zzzzzzzzzzzz' — see 'xmppscope help filters' for the fields", 8),
        ("type = get", "'=' is not an operator — write '=='", 6),
        ("body == 'hi", "string not closed: add '", 9),
        ("(iq or message", "'(' at column 1 is not closed — add ')'", 15),
        ("type in {get set", "the set is not closed — add '}'", 17),
        ("type ==", "'==' needs a value after it", 8),
        ("iq == 1", "'iq' is a kind, not a field — compare 'kind' or 'type' instead", 1),
        ("rtt > slow", "'slow' is not a number or a duration (250ms, 1.5s, 800us)", 7),
        ("body ~ '('", "not a valid regular expression: (", 8),
        ("", "empty filter", 1),
        ("iq $ message", "unexpected character '$'", 4),
        ("iq message", "unexpected 'message' — expected 'and', 'or' or the end", 4),
        ("iq and", "the filter ends too early — expected a field, a kind or '('", 7),
        ("has pubsub", "has needs a path in parentheses: has(pubsub/publish)", 5),
        ("query/@jid", "empty step in path 'query/@jid'", 1),
    ]

    @Test("every error names the problem and its column", arguments: 0..<17)
    func errorMessages(index: Int) {
        let (text, message, column) = Self.errors[index]
        do {
            _ = try FilterParser.parse(text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.message == message)
            #expect(error.column == column, "\(text)")
            let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3)
            #expect(lines[2] == "  " + String(repeating: " ", count: column - 1) + "^")
        }
    }

    @Test("numbers only on number fields; backslashes kept for regexes; @attr is a path, @name a named filter")
    func reviewFixes() throws {
        #expect(try parse("id == 2s") == .compare(.field(.id), .equal, .string("2s")))
        #expect(try parse("id == 42") == .compare(.field(.id), .equal, .string("42")))
        #expect(throws: FilterError.self) { try FilterParser.parse("size == 0x85") }
        #expect(try parse(#"body ~ "\d+ \"x\" \\\\""#) == .compare(.field(.body), .matches, .string(#"\d+ "x" \\"#)))
        #expect(try NamedFilters.resolve("@xml:lang == en", extra: nil).expression
            == .compare(.path(steps: [], attribute: "xml:lang"), .equal, .string("en")))
        #expect(throws: FilterError.self) { try NamedFilters.resolve("@no-such-name", extra: nil) }
        #expect(try RecordFilter("type == \"é\"").requiredLiterals.isEmpty)
        #expect(try RecordFilter("iq and type == error").requiredLiterals.count == 2)
    }
}
