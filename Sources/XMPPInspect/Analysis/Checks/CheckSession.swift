import XMPPCore
public import XMPPBase

/// What the checks know about one connection so far: which stream it is, whether it is encrypted,
/// what the server offered, who the client is bound as, stream management. It takes each record
/// in after the checks have looked at it, so they see the state from before that record.
public final class CheckSession {
    public let connection: Int
    /// Whether records say which side sent them (not so for a raw text file holding both sides).
    public let directionsKnown: Bool
    /// State shared by every connection of one input (streams that may be resumed elsewhere).
    let shared: SharedCheckState

    /// The content namespace the initiating side declared (`jabber:client`, `jabber:server`).
    public private(set) var streamNamespace: String?
    /// Whether the connection was seen from its first stream header (so what did not happen, did not).
    public private(set) var seenFromStart = false
    /// Whether bytes went missing (a gap) in a direction.
    public private(set) var hadGap: Set<Direction> = []
    /// Whether TLS protects the connection (STARTTLS proceeded, or TLS from the first byte).
    public private(set) var isEncrypted = false
    /// The current stream header per direction (its seq and `xml:lang`).
    public private(set) var streamHeader: [Direction: (seq: Int, language: String?)] = [:]
    /// The `</stream:stream>` per direction, once sent.
    public private(set) var streamClosed: [Direction: Int] = [:]

    /// The SASL mechanisms the server offered on the current stream (nil: no offer seen).
    public private(set) var offeredMechanisms: [String]?
    /// XEP-0388: the SASL2 mechanisms offered, and the inline features offered with them
    /// (namespaces of `<inline/>`'s children, and `var`s of Bind 2's inline `<feature/>`s).
    public private(set) var offeredSASL2Mechanisms: [String]?
    public private(set) var offeredSASL2Inline: Set<String> = []
    /// The same offer kept apart: the namespaces of `<inline/>`'s own children (`urn:xmpp:bind:0`,
    /// `urn:xmpp:sm:3`, `urn:xmpp:fast:0`), the `var`s Bind 2 offers inside its `<bind/>`, and the
    /// token mechanisms XEP-0484 FAST lists inside its `<fast/>` (usable as SASL2 mechanisms).
    public private(set) var offeredSASL2InlineElements: Set<String> = []
    public private(set) var offeredBind2Features: Set<String> = []
    public private(set) var offeredFASTMechanisms: [String] = []
    /// XEP-0440: the channel-binding types offered.
    public private(set) var offeredChannelBindings: [String]?
    /// The seq of the `<features/>` that made the offers.
    public private(set) var featuresSeq: Int?
    /// The server's `<success/>` (SASL or SASL2), once authenticated.
    public private(set) var authenticationSeq: Int?
    /// The client's full JID once bound (RFC 6120 §7, Bind 2, or a resumed session), and where.
    public private(set) var boundJID: String?
    public private(set) var bindingSeq: Int?
    /// XEP-0198 on this connection, once enabled or resumed.
    public private(set) var managed: ManagedStream?
    /// `<resume h='…'/>` the client sent, until the server answers.
    public private(set) var resumeRequest: (previd: String, h: UInt32, seq: Int)?

    /// Stanzas sent so far, both ways (a count, not a map by direction: it is kept for every
    /// stanza), and the client's presence: its last broadcast presence (`nil` type: available;
    /// `unavailable`) and where.
    public private(set) var stanzaCount = 0
    public private(set) var lastBroadcastPresence: (type: String?, seq: Int)?
    /// Set before `finish`: the capture stopped with the connection still open (no FIN or RST),
    /// so how the connection would have ended is unknown.
    public internal(set) var cutOff = false
    /// The last record seen and when: findings at the connection's end attach to it.
    public private(set) var lastSeq = 0
    public private(set) var lastTime = Timestamp(microseconds: 0)

    /// The iq responses that answered a request (the record stage paired them), lately, by
    /// direction and id: kept once here for the checks that look for a second answer, and only
    /// when one of them is selected (``Check/readsAnsweredRequests``); empty otherwise.
    private(set) var answeredRequests = IQAnsweredRequests()
    /// Whether ``answeredRequests`` is kept: a check selected for this connection reads it.
    private let keepsAnsweredRequests: Bool

    /// The capture missed the connection's TCP handshake, or its first bytes were mid-stream.
    private var joinedMidStream: Bool

    init(connection: Int, directionsKnown: Bool, joinedMidStream: Bool = false, keepsAnsweredRequests: Bool,
         shared: SharedCheckState) {
        self.connection = connection
        self.directionsKnown = directionsKnown
        self.joinedMidStream = joinedMidStream
        self.keepsAnsweredRequests = keepsAnsweredRequests
        self.shared = shared
    }

    /// Whether the initiating side is a client (`jabber:client`), not a server or component.
    public var isClientStream: Bool { streamNamespace == XMPPNamespace.client }
    /// Whether the client's side of the conversation is fully known: the stream was seen from its
    /// start and nothing went missing (so a missing answer or an out-of-order step is real).
    public var isComplete: Bool { seenFromStart && hadGap.isEmpty }

    /// The resumable stream a `<resume/>`/`<resumed/>` names, when it was seen on this input.
    public func resumable(_ id: String) -> ManagedStream? { shared.resumable[id] }

    /// Takes in one record (after the checks saw it).
    func observe(_ checked: CheckedRecord) {
        // Read through `checked` (no copy of the whole record for each one).
        // A follow-up repeats an earlier seq: the last record is the one with the highest.
        lastSeq = max(lastSeq, checked.record.seq)
        if checked.record.timestamp > lastTime { lastTime = checked.record.timestamp }
        switch checked.record.event {
        case .streamOpen:
            if checked.record.direction == .c2s {
                if streamNamespace == nil && stanzaCount == 0 && lastBroadcastPresence == nil && !joinedMidStream {
                    seenFromStart = true
                }
                streamNamespace = checked.record.namespaces.first
            } else {
                // A new stream: what the server offered before no longer holds.
                offeredMechanisms = nil
                offeredSASL2Mechanisms = nil
                offeredSASL2Inline = []
                offeredSASL2InlineElements = []
                offeredBind2Features = []
                offeredFASTMechanisms = []
                offeredChannelBindings = nil
                featuresSeq = nil
            }
            streamHeader[checked.record.direction] = (checked.record.seq, checked.element?.attribute("lang", namespace: XMPPNamespace.xml))
            streamClosed[checked.record.direction] = nil
        case .streamClose:
            streamClosed[checked.record.direction] = checked.record.seq
        case .gap:
            hadGap.insert(checked.record.direction)
            managed?.hadGap.insert(checked.record.direction)
        case .parseError:
            // Bytes from the middle of a stream came first: what went before is unknown.
            if checked.record.error?.condition == "joined-mid-stream" && streamNamespace == nil { joinedMidStream = true }
            // What could not be read may have held stanzas: the stream management counts are unsure.
            managed?.hadGap.insert(checked.record.direction)
        case .tls, .tlsEstablished, .tlsStart:
            isEncrypted = true
        case .stanza:
            guard !checked.record.unanswered else { return }
            stanzaCount += 1
            managed?.counters.stanzaSent(checked.record.direction)
            if checked.record.kind == "presence" && checked.record.direction == .c2s && checked.record.to == nil
                && (checked.record.type == nil || checked.record.type == "unavailable") {
                lastBroadcastPresence = (checked.record.type, checked.record.seq)
            }
            if keepsAnsweredRequests, let requestSeq = checked.record.requestSeq, IQExchange.isResponse(checked) {
                noteAnswer(checked, to: requestSeq)
            }
            if checked.record.kind == "iq" && checked.record.type == "result" && checked.record.direction == .s2c
                && checked.record.namespaces.contains(CheckNamespace.bind),
               let jid = checked.element?.firstChild("bind", namespace: CheckNamespace.bind)?.firstChild("jid")?.text {
                bind(jid, seq: checked.record.seq)
            }
        case .nonza:
            observeNonza(checked)
        default:
            break
        }
    }

    /// `response` answered the request `requestSeq`.
    private func noteAnswer(_ response: CheckedRecord, to requestSeq: Int) {
        guard let id = response.id else { return }
        answeredRequests.note(IQExchange.Key(direction: response.direction, id: id),
                              .init(requestSeq: requestSeq, responseSeq: response.seq, responseType: response.type ?? "",
                                    from: response.from, to: response.to))
    }

    private func observeNonza(_ checked: CheckedRecord) {
        let record = checked.record
        let namespace = record.namespaces.first
        switch (record.kind ?? "", namespace, record.direction) {
        case ("proceed", XMPPNamespace.tls?, .s2c):
            isEncrypted = true
        case ("features", XMPPNamespace.streams?, .s2c):
            guard let features = checked.element else { return }
            observeFeatures(features, seq: record.seq)
        case ("success", XMPPNamespace.sasl?, .s2c):
            authenticationSeq = record.seq
        case ("authenticate", CheckNamespace.sasl2?, .c2s):
            // XEP-0388 with XEP-0198: a `<resume/>` inline, answered by `<resumed/>` in `<success/>`.
            guard checked.rawContains("resume"),
                  let resume = checked.element?.firstChild("resume", namespace: CheckNamespace.streamManagement),
                  let previd = resume[attribute: "previd"], let h = resume[attribute: "h"].flatMap(UInt32.init) else { return }
            resumeRequest = (previd, h, record.seq)
        case ("success", CheckNamespace.sasl2?, .s2c):
            authenticationSeq = record.seq
            guard let success = checked.element else { return }
            if success.firstChild("bound", namespace: CheckNamespace.bind2) != nil,
               let jid = success.firstChild("authorization-identifier")?.text {
                bind(jid, seq: record.seq)
            }
            if let enabled = success.firstChild("bound", namespace: CheckNamespace.bind2)?
                .firstChild("enabled", namespace: CheckNamespace.streamManagement) {
                enableStreamManagement(enabled, seq: record.seq, bothWays: true)
            }
            if let resumed = success.firstChild("resumed", namespace: CheckNamespace.streamManagement) {
                resume(resumed, seq: record.seq)
            }
        case ("enable", CheckNamespace.streamManagement?, .c2s):
            let stream = ManagedStream(connection: connection, boundJID: boundJID)
            stream.counters.startCounting(.c2s, at: 0, seq: record.seq)
            managed = stream
        case ("enabled", CheckNamespace.streamManagement?, .s2c):
            guard let enabled = checked.element else { return }
            enableStreamManagement(enabled, seq: record.seq, bothWays: false)
        case ("failed", CheckNamespace.streamManagement?, .s2c):
            managed = nil
            resumeRequest = nil
        case ("r", CheckNamespace.streamManagement?, _):
            managed?.counters.requestSent(record.direction, seq: record.seq)
        case ("a", CheckNamespace.streamManagement?, _):
            if let h = checked[attribute: "h"].flatMap(UInt32.init) {
                managed?.counters.ackSent(record.direction, h: h, seq: record.seq)
            }
        case ("resume", CheckNamespace.streamManagement?, .c2s):
            if let previd = checked[attribute: "previd"], let h = checked[attribute: "h"].flatMap(UInt32.init) {
                resumeRequest = (previd, h, record.seq)
            }
        case ("resumed", CheckNamespace.streamManagement?, .s2c):
            guard let resumed = checked.element else { return }
            resume(resumed, seq: record.seq)
        default:
            break
        }
    }

    private func observeFeatures(_ features: Element, seq: Int) {
        featuresSeq = seq
        if let mechanisms = features.firstChild("mechanisms", namespace: XMPPNamespace.sasl) {
            offeredMechanisms = mechanisms.elements.filter { $0.name == "mechanism" }.map { $0.text.trimmingCharacters(in: " \n\r\t") }
        }
        if let authentication = features.firstChild("authentication", namespace: CheckNamespace.sasl2) {
            offeredSASL2Mechanisms = authentication.elements.filter { $0.name == "mechanism" }.map { $0.text.trimmingCharacters(in: " \n\r\t") }
            var elements: Set<String> = []
            var bindFeatures: Set<String> = []
            var fastMechanisms: [String] = []
            for feature in authentication.firstChild("inline")?.children ?? [] {
                guard case .element(let feature) = feature else { continue }
                if let namespace = feature.namespace { elements.insert(namespace) }
                if feature.name == "fast" && feature.namespace == CheckNamespace.fast {
                    fastMechanisms += feature.elements.filter { $0.name == "mechanism" }.map { $0.text.trimmingCharacters(in: " \n\r\t") }
                }
                guard feature.name == "bind" && feature.namespace == CheckNamespace.bind2,
                      let bindInline = feature.firstChild("inline") else { continue }
                for offered in bindInline.elements where offered.name == "feature" {
                    if let variable = offered[attribute: "var"] { bindFeatures.insert(variable) }
                }
            }
            // Some servers list <fast/> beside <mechanism/> instead of inside <inline/>.
            if let fast = authentication.firstChild("fast", namespace: CheckNamespace.fast) {
                elements.insert(CheckNamespace.fast)
                fastMechanisms += fast.elements.filter { $0.name == "mechanism" }.map { $0.text.trimmingCharacters(in: " \n\r\t") }
            }
            offeredSASL2InlineElements = elements
            offeredBind2Features = bindFeatures
            offeredFASTMechanisms = fastMechanisms
            offeredSASL2Inline = elements.union(bindFeatures)
        }
        // XEP-0440 before 0.4.0 put <sasl-channel-binding/> inside <mechanisms/>; older servers may still.
        let bindings = features.firstChild("sasl-channel-binding", namespace: CheckNamespace.channelBindingTypes)
            ?? features.firstChild("mechanisms", namespace: XMPPNamespace.sasl)?
                .firstChild("sasl-channel-binding", namespace: CheckNamespace.channelBindingTypes)
        if let bindings {
            offeredChannelBindings = bindings.elements.filter { $0.name == "channel-binding" }.compactMap { $0[attribute: "type"] }
        }
    }

    private func bind(_ jid: String, seq: Int) {
        boundJID = jid.trimmingCharacters(in: " \n\r\t")
        bindingSeq = seq
        managed?.boundJID = boundJID
    }

    private func enableStreamManagement(_ enabled: Element, seq: Int, bothWays: Bool) {
        let stream = managed ?? ManagedStream(connection: connection, boundJID: boundJID)
        if bothWays { stream.counters.startCounting(.c2s, at: 0, seq: seq) }
        stream.counters.startCounting(.s2c, at: 0, seq: seq)
        let resume = enabled[attribute: "resume"]
        if resume == "true" || resume == "1", let id = enabled[attribute: "id"] {
            stream.resumptionID = id
            shared.resumable[id] = stream
        }
        managed = stream
    }

    /// `<resumed previd h/>`: the old session continues here, counting on from what each side
    /// says it received (the server's `h` for the client's stanzas, the `h` of the client's
    /// `<resume/>` for the server's). Each `h` also acknowledges, as an `<a/>` would. A count whose
    /// starting value is unknown (no `<resume/>` seen) is not kept.
    private func resume(_ resumed: Element, seq: Int) {
        let previd = resumed[attribute: "previd"] ?? resumeRequest?.previd
        let old = previd.flatMap { shared.resumable[$0] }
        let stream = ManagedStream(connection: connection, boundJID: old?.boundJID)
        stream.resumptionID = previd
        if let h = resumed[attribute: "h"].flatMap(UInt32.init) {
            stream.counters.startCounting(.c2s, at: h, seq: seq)
            stream.counters.ackSent(.s2c, h: h, seq: seq)
        }
        if let request = resumeRequest, request.previd == previd {
            stream.counters.startCounting(.s2c, at: request.h, seq: seq)
            stream.counters.ackSent(.c2s, h: request.h, seq: request.seq)
        }
        if let previd { shared.resumable[previd] = stream }
        managed = stream
        resumeRequest = nil
        if let jid = old?.boundJID { bind(jid, seq: seq) }
    }
}

/// What the connections of one input share.
final class SharedCheckState {
    /// Streams that may be resumed, by their XEP-0198 id.
    var resumable: [String: ManagedStream] = [:]
}
