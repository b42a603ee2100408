import XMPPBase

/// Parses the filter language (docs/filters.md) into a ``FilterExpression``.
///
///     expression := or
///     or         := and (("or" | "||") and)*
///     and        := unary (("and" | "&&") unary)*
///     unary      := ("not" | "!") unary | "(" expression ")" | "has" "(" path ")" | test
///     test       := flag | operand [operator value | "in" "{" value* "}"]
///     operand    := field | path          path := name ("/" name)* ["@" name] | "@" name
public struct FilterParser {
    private enum Token: Equatable {
        case word(String)       // identifiers, field names, paths, bare values, numbers, durations
        case string(String)     // quoted
        case symbol(String)     // == != < <= > >= ~ ! && || ( ) { }
        case end
    }

    private let source: String
    private var tokens: [(Token, Int)] = []
    private var index = 0

    /// Parses `source`; throws a ``FilterError`` pointing at the first problem.
    public static func parse(_ source: String) throws(FilterError) -> FilterExpression {
        var parser = FilterParser(source: source)
        try parser.tokenize()
        guard parser.tokens.first?.0 != .end else {
            throw FilterError(message: "empty filter", column: 1, expression: source)
        }
        let expression = try parser.parseOr()
        guard case .end = parser.current else {
            throw parser.error("unexpected \(parser.describe(parser.current)) — expected 'and', 'or' or the end")
        }
        return expression
    }

    private init(source: String) { self.source = source }

    // MARK: Tokens

    private mutating func tokenize() throws(FilterError) {
        let characters = Array(source)
        var position = 0
        func isWordCharacter(_ character: Character) -> Bool {
            character.isLetter || character.isNumber || "_-.:/@#*+".contains(character)
        }
        while position < characters.count {
            let character = characters[position]
            let column = position + 1
            if character.isWhitespace { position += 1; continue }
            if character == "\"" || character == "'" {
                var value = ""
                var cursor = position + 1
                var closed = false
                while cursor < characters.count {
                    let next = characters[cursor]
                    if next == "\\" && cursor + 1 < characters.count {
                        // \\, \" and \' stand for themselves; any other backslash stays (regexes: "\d+").
                        let escaped = characters[cursor + 1]
                        if escaped != "\\" && escaped != "\"" && escaped != "'" { value.append("\\") }
                        value.append(escaped)
                        cursor += 2
                        continue
                    }
                    if next == character { closed = true; break }
                    value.append(next)
                    cursor += 1
                }
                guard closed else { throw FilterError(message: "string not closed: add \(character)", column: column, expression: source) }
                tokens.append((.string(value), column))
                position = cursor + 1
                continue
            }
            let two = position + 1 < characters.count ? String(characters[position...(position + 1)]) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                tokens.append((.symbol(two), column))
                position += 2
                continue
            }
            if "<>~!(){}".contains(character) {
                tokens.append((.symbol(String(character)), column))
                position += 1
                continue
            }
            if character == "=" {
                throw FilterError(message: "'=' is not an operator — write '=='", column: column, expression: source)
            }
            guard isWordCharacter(character) else {
                throw FilterError(message: "unexpected character '\(character)'", column: column, expression: source)
            }
            var word = ""
            while position < characters.count, isWordCharacter(characters[position]) {
                word.append(characters[position])
                position += 1
            }
            tokens.append((.word(word), column))
        }
        tokens.append((.end, characters.count + 1))
    }

    private var current: Token { tokens[index].0 }
    private var column: Int { tokens[index].1 }
    private mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    private func error(_ message: String, at column: Int? = nil) -> FilterError {
        FilterError(message: message, column: column ?? self.column, expression: source)
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): return "'\(word)'"
        case .string(let value): return "\"\(value)\""
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "end of filter"
        }
    }

    // MARK: Grammar

    private mutating func parseOr() throws(FilterError) -> FilterExpression {
        var left = try parseAnd()
        while current == .word("or") || current == .symbol("||") {
            advance()
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(FilterError) -> FilterExpression {
        var left = try parseUnary()
        while current == .word("and") || current == .symbol("&&") {
            advance()
            left = .and(left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(FilterError) -> FilterExpression {
        switch current {
        case .word("not"), .symbol("!"):
            advance()
            return .not(try parseUnary())
        case .symbol("("):
            let open = column
            advance()
            let inner = try parseOr()
            guard current == .symbol(")") else { throw error("'(' at column \(open) is not closed — add ')'") }
            advance()
            return inner
        case .word("has"):
            advance()
            guard current == .symbol("(") else { throw error("has needs a path in parentheses: has(pubsub/publish)") }
            advance()
            guard case .word(let text) = current else { throw error("has needs a path: has(pubsub/publish)") }
            let path = try parsePath(text, at: column)
            advance()
            guard current == .symbol(")") else { throw error("add ')' after the path") }
            advance()
            return .exists(path)
        case .word(let word):
            return try parseTest(word)
        case .end:
            throw error("the filter ends too early — expected a field, a kind or '('")
        default:
            throw error("unexpected \(describe(current)) — expected a field, a kind or '('")
        }
    }

    private mutating func parseTest(_ word: String) throws(FilterError) -> FilterExpression {
        let start = column
        let operand: FilterOperand
        if word.contains("/") || word.hasPrefix("@") || word.contains("@") {
            operand = try parsePath(word, at: start)
        } else if let field = FilterField(rawValue: word) {
            operand = .field(field)
        } else if let flag = FilterFlag(rawValue: word) {
            advance()
            if isOperatorAhead { throw error("'\(word)' is a kind, not a field — compare 'kind' or 'type' instead", at: start) }
            return .flag(flag)
        } else {
            throw unknownName(word, at: start)
        }
        advance()
        if current == .word("in") {
            advance()
            guard current == .symbol("{") else { throw error("'in' needs a set: in {a b c}") }
            advance()
            var values: [FilterValue] = []
            while current != .symbol("}") {
                guard current != .end else { throw error("the set is not closed — add '}'") }
                values.append(try parseValue(for: operand))
                advance()
            }
            advance()
            return .member(operand, values)
        }
        guard let operatorToken = currentOperator else { return .exists(operand) }
        let operatorColumn = column
        advance()
        if case .end = current { throw error("'\(operatorToken.rawValue)' needs a value after it") }
        let value = try parseValue(for: operand)
        if case .string = value, case .field(let field) = operand, field.isNumeric,
           [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(operatorToken) {
            throw error("'\(field.rawValue)' is a number: compare it with a number\(field == .rtt ? " or a duration (250ms)" : "")")
        }
        if operatorToken == .matches, case .string(let pattern) = value, (try? Regex(pattern)) == nil {
            throw error("not a valid regular expression: \(pattern)")
        }
        _ = operatorColumn
        advance()
        return .compare(operand, operatorToken, value)
    }

    private var isOperatorAhead: Bool { currentOperator != nil || current == .word("in") }

    private var currentOperator: FilterOperator? {
        switch current {
        case .symbol("=="): return .equal
        case .symbol("!="): return .notEqual
        case .symbol("<"): return .less
        case .symbol("<="): return .lessOrEqual
        case .symbol(">"): return .greater
        case .symbol(">="): return .greaterOrEqual
        case .symbol("~"), .word("matches"): return .matches
        case .word("contains"): return .contains
        default: return nil
        }
    }

    private func parseValue(for operand: FilterOperand) throws(FilterError) -> FilterValue {
        switch current {
        case .string(let value):
            return .string(value)
        case .word(let word):
            // Numbers and durations only where the field is a number: `id == 2s` is the text "2s".
            guard case .field(let field) = operand, field.isNumeric else { return .string(word) }
            if let duration = FilterParser.duration(word) { return .number(duration) }
            if let number = Double(word), word.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" }) {
                return .number(number)
            }
            throw error("'\(word)' is not a number\(field == .rtt ? " or a duration (250ms, 1.5s, 800us)" : "")")
        default:
            throw error("expected a value, found \(describe(current))")
        }
    }

    /// `250ms`, `1.5s`, `800us` in milliseconds.
    static func duration(_ word: String) -> Double? {
        for (suffix, scale) in [("ms", 1.0), ("us", 0.001), ("µs", 0.001), ("s", 1000.0)] where word.hasSuffix(suffix) {
            if let value = Double(word.dropLast(suffix.count)) { return value * scale }
        }
        return nil
    }

    private func parsePath(_ text: String, at column: Int) throws(FilterError) -> FilterOperand {
        var body = Substring(text)
        var attribute: String?
        if let at = body.firstIndex(of: "@") {
            attribute = String(body[body.index(after: at)...])
            body = body[..<at]
            if attribute?.isEmpty != false { throw error("'@' needs an attribute name: query/item@jid", at: column) }
        }
        let steps = body.isEmpty ? [] : body.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if steps.contains(where: \.isEmpty) { throw error("empty step in path '\(text)'", at: column) }
        return .path(steps: steps, attribute: attribute)
    }

    private func unknownName(_ word: String, at column: Int) -> FilterError {
        let known = FilterField.allCases.map(\.rawValue) + FilterFlag.allCases.map(\.rawValue)
        let best = known.min { word.editDistance(to: $0) < word.editDistance(to: $1) }
        var message = "unknown field '\(word)'"
        if let best, word.editDistance(to: best) <= max(2, word.count / 3) { message += " — did you mean '\(best)'?" }
        else { message += " — see 'xmppscope help filters' for the fields" }
        return error(message, at: column)
    }
}
