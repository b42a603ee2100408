import XMPPCore
import XMPPBase

/// The second stage of inspection: turns framed XMPP into numbered ``Record``s — pairs iqs,
/// decodes errors, redacts credentials, reports unanswered requests (and TLS the inspector saw
/// as records) at the end, and runs the protocol checks (their findings follow the records they
/// are about). TLS terminated in front (the proxy) is reported when it begins.
final class RecordStage {
    let options: InspectorOptions
    private let output: (Record) -> Void
    private let checks: CheckRunner?
    private var sessions = ConnectionTable<RecordSession>()
    private var seq = 0
    /// Builds the trees of elements framed with their top only, where a record needs them.
    private let treeParser = ElementTreeParser()

    /// The elements whose whole tree ``handleElement(_:_:_:_:)`` builds every time (errors,
    /// `failure`, SASL), with the checks also stream features, which they read whole: the
    /// framers build them whole (``FramingSession``), so that they are not parsed here a second
    /// time. Credentials are left out: which elements hold them is known only from all their
    /// namespaces. The trees take memory (several times their bytes) while they wait in the
    /// hand-off to this thread, as every tree already does in the default (pretty) output.
    static func elementsBuiltWhole(checking: Bool) -> WholeElementSelection {
        checking ? wholeWithChecks : wholeWithoutChecks
    }

    private static let wholeWithoutChecks = selection(withFeatures: false)
    private static let wholeWithChecks = selection(withFeatures: true)

    private static func selection(withFeatures: Bool) -> WholeElementSelection {
        var names: [(name: String, namespace: String?)] = [("failure", nil), ("error", XMPPNamespace.streams)]
        if withFeatures { names.append(("features", XMPPNamespace.streams)) }
        return WholeElementSelection(errorType: true, names: names, namespaces: [XMPPNamespace.sasl, XMPPNamespace.sasl2])
    }

    init(options: InspectorOptions, sink: @escaping (Record) -> Void) {
        self.options = options
        self.output = sink
        checks = options.checks.map { CheckRunner(selection: $0) }
    }

    /// Hands a record on, with the findings it triggers after it.
    private func sink(_ record: Record) {
        guard let checks else { return output(record) }
        var record = record
        let findings = checks.check(&record)
        output(record)
        findings.forEach(output)
    }

    /// Hands a framed element's record on: checks read the framer's top element and child count,
    /// and build the whole tree only if they need it. In place: a copy of a record would retain
    /// each of its strings and arrays.
    private func sink(_ record: inout Record, framed: FramedElement) {
        guard let checks else { return output(record) }
        let findings = checks.check(&record, framed: framed)
        output(record)
        findings.forEach(output)
    }

    func consume(_ event: FramingEvent) {
        switch event {
        case .opened(let connection, let undirected, let joinedMidStream, let transport):
            sessions[connection] = RecordSession(id: connection, isUndirectedText: undirected, transport: transport)
            checks?.open(connection: connection, directionsKnown: !undirected, joinedMidStream: joinedMidStream)
        case .framed(let connection, let direction, let time, let event):
            guard let session = sessions[connection] else { return }
            handle(event, session, direction, time)
        case .gap(let connection, let direction, let time, let count, let offset):
            guard let session = sessions[connection] else { return }
            var record = makeRecord(session, direction, time, .gap)
            record.byteCount = count
            record.offset = offset
            sink(record)
        case .closed(let connection, let tlsStart, let encryptedBytes, let cutOff):
            guard let session = sessions.removeValue(forKey: connection) else { return }
            for request in session.tracker.drain() {
                var followUp = request
                followUp.unanswered = true
                sink(followUp)
            }
            if let tlsStart {
                var record = makeRecord(session, tlsStart.direction, tlsStart.time, .tlsStart)
                record.kind = "tls"
                if !tlsStart.intercepted { record.encryptedBytes = encryptedBytes }
                sink(record)
            }
            checks?.end(connection: connection, cutOff: cutOff).forEach(output)
        case .tlsBegan(let connection, let start):
            guard let session = sessions[connection] else { return }
            var record = makeRecord(session, start.direction, start.time, .tlsStart)
            record.kind = "tls"
            sink(record)
        case .tls(let connection, let direction, let time, let info):
            guard let session = sessions[connection] else { return }
            var record = makeRecord(session, direction, time, .tls)
            record.kind = "tls"
            record.tls = TLSInfo(info)
            record.decrypted = info.decrypted
            session.channelBinding.session = info
            sink(record)
        case .tlsProblem(let connection, let direction, let time, let text):
            guard let session = sessions[connection] else { return }
            var record = makeRecord(session, direction, time, .tlsError)
            record.kind = "tls"
            record.error = ErrorInfo(source: .tls, text: text)
            sink(record)
        case .web(let connection, let direction, let time, let facts):
            guard let session = sessions[connection] else { return }
            if facts.event == .http { session.currentRID[direction == .c2s ? 0 : 1] = facts.rid }
            var record = makeRecord(session, direction, time, facts.event)
            record.kind = facts.kind
            record.type = facts.type
            record.size = facts.size
            record.offset = facts.offset
            record.http = facts.http
            record.rid = facts.rid
            record.xmlBytes = facts.xml
            if let text = facts.errorText { record.error = ErrorInfo(source: .web, text: text) }
            if let http = facts.http, http.isFailure, let status = http.status {
                // A failed attempt (404 on the endpoint, 403 on the Origin): `-f error` finds it.
                record.error = ErrorInfo(source: .web, condition: "http-\(status)",
                                         text: "HTTP \(status)" + (http.reason.map { " " + $0 } ?? ""))
            }
            sink(record)
        case .proxy(let connection, let direction, let time, let event, let info):
            seq += 1
            var record = Record(seq: seq, timestamp: time, connection: connection, direction: direction, event: event)
            record.kind = Record.proxyKind(event)
            record.proxy = info
            sink(record)
        }
    }

    private func handle(_ event: FramerEvent, _ session: RecordSession, _ direction: Direction, _ time: Timestamp) {
        switch event {
        case .streamOpened(let header):
            var record = makeRecord(session, direction, time, .streamOpen)
            record.kind = header.element.name
            record.id = header.element[attribute: "id"]
            record.type = header.element[attribute: "type"]
            record.from = header.element[attribute: "from"]
            record.to = header.element[attribute: "to"]
            record.namespaces = [header.contentNamespace, header.element.namespace].compactMap { $0 }
            if session.transport != .tcp {
                // <open/> (RFC 7395) and BOSH's <body/> carry jabber:client content by definition.
                record.namespaces = [XMPPNamespace.client] + [header.element.namespace].compactMap { $0 }
            }
            record.xmlBytes = header.raw
            record.size = header.raw.count
            record.offset = header.offset
            record.element = header.element
            sink(record)

        case .element(let framed):
            handleElement(framed, session, direction, time)

        case .streamClosed(let offset, let raw):
            var record = makeRecord(session, direction, time, .streamClose)
            record.kind = "stream"
            record.xmlBytes = raw
            record.size = raw.count
            record.offset = offset
            sink(record)

        case .error(let error):
            var record = makeRecord(session, direction, time, .parseError)
            record.error = ErrorInfo(source: .parse, condition: error.condition, text: error.message)
            record.position = error.position
            record.offset = error.position.offset
            record.byteCount = error.skippedCount
            record.size = error.skippedCount
            if !error.skipped.isEmpty {
                // Skipped bytes may not be UTF-8: decoding repairs them for the log.
                let text = String(decoding: error.skipped, as: UTF8.self)
                if !options.showSecrets && Redactor.mayHoldSecrets(text) {
                    record.redacted = true
                } else {
                    record.xml = text
                }
            }
            sink(record)
        }
    }

    private func handleElement(_ framed: FramedElement, _ session: RecordSession, _ direction: Direction, _ time: Timestamp) {
        // The top element's name and attributes, without building the rest.
        let name = framed.name
        let isStanza = (name == "iq" || name == "message" || name == "presence")
            && XMPPNamespace.isStanzaContent(framed.namespace)
        let isStreamError = name == "error" && framed.namespace == XMPPNamespace.streams
        var record = makeRecord(session, direction, time, isStanza ? .stanza : (isStreamError ? .streamError : .nonza))
        record.kind = name
        framed.stanzaAttributes(type: &record.type, id: &record.id, from: &record.from, to: &record.to,
                                addresses: &session.recentAddresses)
        let namespaces = framed.namespaces
        if isStanza {
            if namespaces.count > 1 { record.namespaces = session.namespaceTails.tail(of: namespaces) }
        } else {
            record.namespaces = namespaces
        }
        record.size = framed.rawCount
        record.offset = framed.offset
        record.keepXML(of: framed)

        // The whole tree only where it is needed: the printer, errors, credentials.
        let mayCarryError = record.type == "error" || isStreamError || name == "failure"
        let mayHoldSecrets = !options.showSecrets && Redactor.mayHoldSecrets(name: name, namespaces: namespaces)
        let isSASL = namespaces.first == XMPPNamespace.sasl || namespaces.first == XMPPNamespace.sasl2
        if options.keepsElements || mayCarryError || mayHoldSecrets || isSASL {
            let element = framed.completeElement(using: treeParser)
            record.element = element
            if isSASL { checkChannelBinding(element, direction, session, &record) }
            if mayCarryError { record.error = ErrorDecoder.decode(element) }
            if mayHoldSecrets, let redacted = Redactor.redact(element) {
                record.element = redacted
                record.xml = redacted.xmlString
                record.redacted = true
            }
        }

        if record.isRequest {
            for evicted in session.tracker.request(record) {
                var followUp = evicted
                followUp.unanswered = true
                sink(followUp)
            }
        } else if record.isResponse {
            if let request = session.tracker.response(record) {
                record.requestSeq = request.seq
                if !session.isUndirectedText { record.rttMilliseconds = time.milliseconds(since: request.timestamp) }
            } else {
                record.unmatchedResponse = true
            }
        }
        sink(&record, framed: framed)
    }

    /// SCRAM-*-PLUS: the client-first message's binding type, the client-final message's `c=`
    /// checked against the TLS session, and a failure that follows explained.
    private func checkChannelBinding(_ element: Element, _ direction: Direction, _ session: RecordSession, _ record: inout Record) {
        switch (element.name, direction) {
        case ("auth", .c2s):
            session.channelBinding.auth(mechanism: element[attribute: "mechanism"], payload: element.text)
        case ("authenticate", .c2s):
            // SASL2 (XEP-0388): the client-first message is the <initial-response/>.
            session.channelBinding.auth(mechanism: element[attribute: "mechanism"],
                                        payload: element.firstChild("initial-response")?.text ?? "")
        case ("response", .c2s):
            record.binding = session.channelBinding.response(payload: element.text)
        case ("failure", .s2c):
            if var verdict = session.channelBinding.verdict, let explanation = session.channelBinding.failureExplanation() {
                verdict.note = explanation
                record.binding = verdict
            }
        default:
            break
        }
    }

    private func makeRecord(_ session: RecordSession, _ direction: Direction, _ time: Timestamp, _ event: Record.Event) -> Record {
        seq += 1
        var record = Record(seq: seq, timestamp: time, connection: session.id, direction: direction, event: event)
        record.transport = session.transport
        if session.transport == .bosh { record.rid = session.currentRID[direction == .c2s ? 0 : 1] }
        return record
    }
}
