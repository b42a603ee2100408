import XMPPCore

/// A compiled filter: tests records. Not `Sendable`: its compiled regular expressions are not.
public struct RecordFilter {
    public let expression: FilterExpression
    public let source: String
    /// The filter's regular expressions, compiled once.
    private let regexes: RegexCache

    /// Parses `source`; throws a ``FilterError`` with the column of the problem.
    public init(_ source: String) throws(FilterError) {
        self.source = source
        expression = try FilterParser.parse(source)
        regexes = RegexCache(RecordFilter.patterns(expression))
    }

    /// Byte strings every matching record's log line contains (the writer puts these fields in
    /// verbatim, e.g. `"kind":"iq"`): a line without one of them cannot match and need not be
    /// parsed. Empty when the filter requires none.
    public var requiredLiterals: [[UInt8]] { RecordFilter.literals(expression) }

    /// Whether `record` matches.
    public func matches(_ record: Record) -> Bool {
        var context = Context(record: record, regexes: regexes)
        return context.evaluate(expression)
    }

    private static func patterns(_ expression: FilterExpression) -> [String] {
        switch expression {
        case .and(let a, let b), .or(let a, let b): return patterns(a) + patterns(b)
        case .not(let a): return patterns(a)
        case .compare(_, .matches, .string(let pattern)): return [pattern]
        default: return []
        }
    }

    private static func literals(_ expression: FilterExpression) -> [[UInt8]] {
        func pair(_ key: some LogKey, _ value: String) -> [UInt8] {
            var bytes = key.keyBytes
            JSONLinesWriter.appendString(value, to: &bytes)
            return bytes
        }
        switch expression {
        case .and(let a, let b):
            return literals(a) + literals(b)
        case .flag(let flag):
            switch flag {
            case .iq, .message, .presence: return [pair(LogField.kind, flag.rawValue)]
            case .request, .response: return [pair(LogField.kind, "iq")]
            case .nonza: return [pair(LogField.event, Record.Event.nonza.rawValue)]
            case .gap: return [pair(LogField.event, Record.Event.gap.rawValue)]
            case .tls: return [pair(LogField.kind, "tls")]
            case .decrypted: return [LogField.decrypted.keyBytes + Array("true".utf8)]
            case .parseError: return [pair(LogField.event, Record.Event.parseError.rawValue)]
            case .unanswered: return [LogField.unanswered.keyBytes + Array("true".utf8)]
            case .stream, .error, .finding: return []
            }
        case .compare(.field(let field), .equal, .string(let value)):
            // Only ASCII: text compares by Unicode canonical equivalence, bytes would not.
            guard value.utf8.allSatisfy({ $0 < 0x80 }) else { return [] }
            switch field {
            case .type: return [pair(LogField.type, value)]
            case .id: return [pair(LogField.id, value)]
            case .from: return [pair(LogField.from, value)]
            case .to: return [pair(LogField.to, value)]
            case .kind: return [pair(LogField.kind, value)]
            case .event: return [pair(LogField.event, value)]
            case .dir: return [pair(LogField.direction, value)]
            case .transport: return [pair(LogField.transport, value)]
            case .errorCondition: return [pair(LogField.ErrorKey.condition, value)]
            case .errorType: return [pair(LogField.ErrorKey.type, value)]
            case .errorText: return [pair(LogField.ErrorKey.text, value)]
            default: return []
            }
        default:
            return []
        }
    }
}

/// Evaluation of one record; the element tree is rebuilt from `xml` at most once, when needed.
private struct Context {
    let record: Record
    let regexes: RegexCache
    private var parsed: Element??

    init(record: Record, regexes: RegexCache) {
        self.record = record
        self.regexes = regexes
    }

    mutating func element() -> Element? {
        if let parsed { return parsed }
        var element = record.element
        if element == nil, let xml = record.xmlBytes {
            // A stream header is logged as an open start tag.
            element = record.event == .streamOpen ? Element.parseStreamHeader(xml) : Element.parse(xml)
        }
        parsed = .some(element)
        return element
    }

    mutating func evaluate(_ expression: FilterExpression) -> Bool {
        switch expression {
        case .and(let a, let b): return evaluate(a) && evaluate(b)
        case .or(let a, let b): return evaluate(a) || evaluate(b)
        case .not(let a): return !evaluate(a)
        case .flag(let flag): return test(flag)
        case .exists(let operand): return !values(of: operand).isEmpty
        case .compare(let operand, let op, let value):
            let found = values(of: operand)
            guard !found.isEmpty else { return false }
            if op == .notEqual { return !found.contains { compare($0, .equal, value, operand) } }
            return found.contains { compare($0, op, value, operand) }
        case .member(let operand, let set):
            let found = values(of: operand)
            return found.contains { candidate in set.contains { compare(candidate, .equal, $0, operand) } }
        }
    }

    private func test(_ flag: FilterFlag) -> Bool {
        switch flag {
        case .iq, .message, .presence: return record.event == .stanza && record.kind == flag.rawValue
        case .nonza: return record.event == .nonza
        case .stream: return [.streamOpen, .streamClose, .streamError].contains(record.event)
        case .error: return record.error != nil || record.type == "error"
        case .unanswered: return record.unanswered
        case .request: return record.isRequest && !record.unanswered
        case .response: return record.isResponse
        case .gap: return record.event == .gap
        case .tls: return [.tlsStart, .tlsEstablished, .tls, .tlsError].contains(record.event)
        case .decrypted: return record.decrypted == true
        case .parseError: return record.event == .parseError
        case .finding: return record.event == .finding || !record.findingIDs.isEmpty
        }
    }

    /// A field's value(s): several for `ns` and paths, none when absent.
    private mutating func values(of operand: FilterOperand) -> [FieldValue] {
        switch operand {
        case .path(let steps, let attribute):
            guard let root = element() else { return [] }
            var level = [root]
            for step in steps {
                level = level.flatMap { $0.elements.filter { step == "*" || $0.name == step } }
            }
            if let attribute {
                let holders = steps.isEmpty ? [root] : level
                return holders.compactMap { element in
                    element.attributes.first { $0.name == attribute || $0.qualifiedName == attribute }.map { .text($0.value) }
                }
            }
            return level.map { .text($0.text) }
        case .field(let field):
            return fieldValues(field)
        }
    }

    private mutating func fieldValues(_ field: FilterField) -> [FieldValue] {
        func text(_ value: String?) -> [FieldValue] { value.map { [.text($0)] } ?? [] }
        switch field {
        case .type: return text(record.type)
        case .id: return text(record.id)
        case .from: return text(record.from)
        case .to: return text(record.to)
        case .fromBare: return text(record.from.map(JID.bare))
        case .fromDomain: return text(record.from.map(JID.domain))
        case .fromResource: return text(record.from.flatMap(JID.resource))
        case .toBare: return text(record.to.map(JID.bare))
        case .toDomain: return text(record.to.map(JID.domain))
        case .toResource: return text(record.to.flatMap(JID.resource))
        case .dir: return [.text(record.direction.rawValue)]
        case .conn: return [.number(Double(record.connection))]
        case .seq: return [.number(Double(record.seq))]
        case .size: return [.number(Double(record.size))]
        case .rtt: return record.rttMilliseconds.map { [.number($0)] } ?? []
        case .ts: return [.text(record.timestamp.rfc3339)]
        case .kind: return text(record.kind)
        case .event: return [.text(record.event.rawValue)]
        case .ns: return record.namespaces.map { .namespace($0) }
        case .errorType: return text(record.error?.type)
        case .errorCondition: return text(record.error?.condition)
        case .errorText: return text(record.error?.text)
        case .tlsVersion: return text(record.tls?.version ?? record.proxy?.tlsVersion)
        case .tlsSuite: return text(record.tls?.suite ?? record.proxy?.cipher)
        case .tlsSNI: return text(record.tls?.serverName ?? record.proxy?.serverName)
        case .tlsALPN: return text(record.tls?.alpn ?? record.proxy?.alpn)
        case .findingID:
            if let finding = record.finding { return [.text(finding.id)] }
            return record.findingIDs.map { .text($0) }
        case .findingSeverity:
            if let finding = record.finding { return [.text(finding.severity.rawValue)] }
            return record.findingIDs.compactMap { CheckCatalog.descriptor($0).map { .text($0.severity.rawValue) } }
        case .transport: return [.text(record.transport.rawValue)]
        case .rid: return record.rid.map { [.number(Double($0))] } ?? []
        case .httpMethod: return text(record.http?.method)
        case .httpTarget: return text(record.http?.target)
        case .httpStatus: return record.http?.status.map { [.number(Double($0))] } ?? []
        case .httpVia: return record.http?.via.map { [.number(Double($0))] } ?? []
        case .httpSID: return text(record.http?.sid)
        case .httpOrigin: return text(record.http?.origin)
        case .httpProtocol: return text(record.http?.webSocketProtocol)
        case .body, .subject, .thread, .show:
            guard record.event == .stanza, let element = element() else { return [] }
            return element.elements.filter { $0.name == field.rawValue }.map { .text($0.text) }
        }
    }

    private func compare(_ found: FieldValue, _ op: FilterOperator, _ value: FilterValue, _ operand: FilterOperand) -> Bool {
        switch (found, value) {
        case (.number(let number), .number(let target)):
            switch op {
            case .equal: return number == target
            case .notEqual: return number != target
            case .less: return number < target
            case .lessOrEqual: return number <= target
            case .greater: return number > target
            case .greaterOrEqual: return number >= target
            case .contains, .matches: return compareText(formatNumber(number), op, formatNumber(target))
            }
        case (.number(let number), .string(let target)):
            return compareText(formatNumber(number), op, target)
        case (.text(let text), .string(let target)):
            return compareText(text, op, target)
        case (.text(let text), .number(let target)):
            if let number = Double(text) { return compare(.number(number), op, value, operand) }
            return compareText(text, op, formatNumber(target))
        case (.namespace(let namespace), _):
            let target: String
            switch value {
            case .string(let string): target = string
            case .number(let number): target = formatNumber(number)
            }
            if op == .equal || op == .notEqual { return NamespaceAliases.matches(namespace, target) }
            return compareText(namespace, op, target)
        }
    }

    private func compareText(_ text: String, _ op: FilterOperator, _ target: String) -> Bool {
        switch op {
        case .equal: return text == target
        case .notEqual: return text != target
        case .less: return text < target
        case .lessOrEqual: return text <= target
        case .greater: return text > target
        case .greaterOrEqual: return text >= target
        case .contains: return text.contains(target)
        case .matches: return regexes[target].map { text.contains($0) } ?? false
        }
    }

    private func formatNumber(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// A value a field yields.
private enum FieldValue {
    case text(String)
    case number(Double)
    case namespace(String)
}
