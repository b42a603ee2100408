public import XMPPBase

/// Decrypts one TLS connection passively, from both directions' bytes and the secrets of a key
/// log: TLS 1.3 (handshake and application epochs, KeyUpdate, HelloRetryRequest, the
/// middlebox-compatibility ChangeCipherSpec, 0-RTT) and TLS 1.2 (GCM, ChaCha20-Poly1305, CBC with
/// either MAC order; resumption by client random, session id or ticket).
///
/// Bytes go in per direction, in capture order; out come the session's facts (once), the
/// decrypted application data, and problems, each reported once where it happens. Without a
/// secret the handshake is still read (version, suite, SNI, ALPN, TLS 1.2's certificate). No
/// I/O: secrets come from a ``TLSSecretLookup``. Not thread-safe: one decoder per connection.
public final class TLSConnectionDecoder {
    /// Bounds on what a session may hold.
    public struct Limits: Sendable {
        /// Protected records held per direction while their secret is not in the key log yet.
        public var maximumHeldBytes = 1 << 20
        /// Sequence numbers tried after a gap before a record is given up on.
        public var maximumResynchronisationTries = 2048
        public init() {}
    }

    private let lookup: (any TLSSecretLookup)?
    private let cache: TLSSessionCache?
    private let limits: Limits
    private var directions = [TLSDirectionState(), TLSDirectionState()]
    private var clientHello: TLSClientHello?
    private var serverHello: TLSServerHello?
    private var suite: TLSCipherSuite?
    private var secrets: [KeyLogLabel: [UInt8]]?
    /// TLS 1.2: the master secret in use (from the key log, or the resumed session's).
    private var masterSecret: [UInt8]?
    private var info = TLSSessionInfo()
    private var reported = false
    private var sawServerHelloDone = false
    private var issuedTicket: [UInt8]?

    /// `lookup` nil: no key log was given (facts from the handshake only). `cache` is shared by
    /// the connections of one capture (TLS 1.2 resumption).
    public init(lookup: (any TLSSecretLookup)?, cache: TLSSessionCache? = nil, limits: Limits = Limits()) {
        self.lookup = lookup
        self.cache = cache
        self.limits = limits
    }

    /// The session's facts so far.
    public var sessionInfo: TLSSessionInfo { info }
    /// Bytes of protected records that were not decrypted, per direction.
    public func undecryptedBytes(_ direction: Direction) -> Int { directions[index(direction)].undecryptedBytes }
    /// Bytes of TLS (records and all) seen per direction.
    public func tlsBytes(_ direction: Direction) -> Int { directions[index(direction)].reader.totalBytes }

    // MARK: Input

    /// The next bytes of `direction`'s TLS stream.
    public func feed(_ direction: Direction, _ bytes: UnsafeRawBufferPointer, emit: (TLSEvent) -> Void) {
        let d = index(direction)
        directions[d].reader.append(bytes)
        while true {
            // The reader's problems are collected, then handled: counting them in `directions`
            // from within the reader's own mutating access would be an exclusivity violation.
            var problems: [TLSRecordReader.Problem] = []
            let record = directions[d].reader.next { problems.append($0) }
            readerProblems(problems, direction, emit)
            guard let record else { return }
            process(record, direction, emit)
        }
    }

    private func readerProblems(_ problems: [TLSRecordReader.Problem], _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        for problem in problems {
            switch problem {
            case .notARecord(let offset, let skipped):
                emit(.problem(direction, .notARecord(offset: offset, skipped: skipped)))
                directions[index(direction)].undecryptedBytes += skipped
            case .oversized(let offset, let length, let limit):
                emit(.problem(direction, .oversizedRecord(offset: offset, length: length, limit: limit)))
            }
        }
    }

    /// Reports the bytes the reader was skipping when its stream ended or broke off.
    private func endSkipping(_ direction: Direction, _ emit: (TLSEvent) -> Void) {
        var problems: [TLSRecordReader.Problem] = []
        directions[index(direction)].reader.endSkipping { problems.append($0) }
        readerProblems(problems, direction, emit)
    }

    /// `count` bytes of `direction` were never captured: decryption resumes at the next record
    /// that authenticates, and the records lost are reported.
    public func gap(_ direction: Direction, missing count: Int, emit: (TLSEvent) -> Void) {
        let d = index(direction)
        endSkipping(direction, emit)
        directions[d].reader.gap(count)
        directions[d].handshake.reset()
        directions[d].undecryptedBytes += count
        if directions[d].epoch != nil { directions[d].resynchronising = true }
    }

    /// The connection ended: reports the session's facts if the handshake never completed.
    public func finish(emit: (TLSEvent) -> Void) {
        for direction in Direction.allCases {
            endSkipping(direction, emit)
            let d = index(direction)
            if directions[d].queueHead < directions[d].queue.count {
                directions[d].undecryptedBytes += directions[d].queuedBytes
                directions[d].queue = []
                directions[d].queueHead = 0
                directions[d].queuedBytes = 0
                if info.failure == nil, let clientHello { info.failure = lookup == nil ? .noKeyLog : .noSecret(clientRandom: clientHello.random) }
            }
        }
        guard !reported else { return }
        if info.failure == nil {
            if clientHello == nil {
                info.failure = .noClientHello
            } else if lookup == nil {
                info.failure = .noKeyLog
            } else if secrets == nil && masterSecret == nil && serverHello != nil && !hasSecret(clientHello!) {
                // The key log is asked here: no protected record may have come to ask it.
                info.failure = .noSecret(clientRandom: clientHello!.random)
            } else {
                info.failure = .incompleteHandshake
            }
        }
        report(emit)
    }

    // MARK: Records

    private func process(_ record: TLSRecord, _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        if record.type == .changeCipherSpec && !(directions[d].epoch == .tls12) {
            changeCipherSpec(direction, emit)
            return
        }
        guard directions[d].epoch != nil else {
            processClear(record, direction, emit)
            return
        }
        if directions[d].failed || lookupGaveUp {
            directions[d].undecryptedBytes += record.fragment.count
            return
        }
        directions[d].queue.append(record)
        directions[d].queuedBytes += record.fragment.count
        drain(direction, emit)
        // A key log that grows may now hold what the other direction waits for.
        let other = direction.opposite
        if directions[index(other)].queueHead < directions[index(other)].queue.count { drain(other, emit) }
    }

    /// Whether the session is known undecryptable for good (no secret will come).
    private var lookupGaveUp: Bool {
        switch info.failure {
        case .noKeyLog?, .noSecret?, .unsupportedSuite?, .secretTooLate?, .noClientHello?: return true
        default: return false
        }
    }

    private func changeCipherSpec(_ direction: Direction, _ emit: (TLSEvent) -> Void) {
        // TLS 1.3 sends it only for middleboxes; before the ServerHello it means nothing either.
        guard let serverHello, !serverHello.isTLS13 else { return }
        let d = index(direction)
        if direction == .s2c && !sawServerHelloDone { info.resumed = true }
        directions[d].epoch = .tls12
        directions[d].decryptor = nil
        if direction == .s2c && info.failure != nil { report(emit) }
    }

    private func processClear(_ record: TLSRecord, _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        switch record.type {
        case .handshake?:
            handshakeContent(record.fragment, direction, emit)
        case .alert?:
            alert(record.fragment, direction, emit)
        case .applicationData?:
            // Application data in the clear: the capture began after the handshake.
            directions[d].undecryptedBytes += record.fragment.count
            if clientHello == nil && !reported {
                info.failure = .noClientHello
                report(emit)
            }
        default:
            break
        }
    }

    /// Opens what the queue holds, as far as keys allow.
    private func drain(_ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        while directions[d].queueHead < directions[d].queue.count {
            if directions[d].failed {
                directions[d].undecryptedBytes += directions[d].queuedBytes
                clearQueue(d)
                return
            }
            let earlyWithoutSecret = directions[d].epoch == .early && secrets != nil && serverHello != nil
            guard installKeys(direction, emit) || earlyWithoutSecret else {
                if lookupGaveUp || directions[d].failed {
                    directions[d].undecryptedBytes += directions[d].queuedBytes
                    clearQueue(d)
                } else if directions[d].queuedBytes > limits.maximumHeldBytes {
                    directions[d].undecryptedBytes += directions[d].queuedBytes
                    fail(.secretTooLate(heldBytes: directions[d].queuedBytes), emit)
                    clearQueue(d)
                }
                return
            }
            let record = directions[d].queue[directions[d].queueHead]
            directions[d].queueHead += 1
            directions[d].queuedBytes -= record.fragment.count
            open(record, direction, emit)
        }
        clearQueue(d)
    }

    private func clearQueue(_ d: Int) {
        directions[d].queue.removeAll(keepingCapacity: true)
        directions[d].queueHead = 0
        directions[d].queuedBytes = 0
    }

    private func open(_ record: TLSRecord, _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        // Opened in place: a copy taken out and stored back retained and released the
        // decryptor's keys and room at every record.
        if let (type, content) = try? directions[d].decryptor?.open(record) {
            directions[d].resynchronising = false
            protectedContent(type, content, direction, emit)
            return
        }
        // 0-RTT the server rejected, or whose secret is not logged: the client's handshake keys
        // take over at some record; until then the records are early data.
        if directions[d].epoch == .early {
            let early = directions[d].decryptor
            directions[d].epoch = .handshake
            directions[d].decryptor = nil
            if installKeys(direction, emit), var handshake = directions[d].decryptor,
               let (type, content) = try? handshake.open(record) {
                directions[d].decryptor = handshake
                if directions[d].earlyDataSkipped > 0 {
                    emit(.problem(direction, .earlyDataNotDecrypted(bytes: directions[d].earlyDataSkipped)))
                }
                protectedContent(type, content, direction, emit)
                return
            }
            directions[d].epoch = .early
            directions[d].decryptor = early
            directions[d].earlyDataSkipped += record.fragment.count
            directions[d].undecryptedBytes += record.fragment.count
            return
        }
        guard let decryptor = directions[d].decryptor else { return }
        if directions[d].resynchronising {
            let first = decryptor.sequenceNumber
            for candidate in (first + 1)...(first + UInt64(limits.maximumResynchronisationTries)) {
                var trial = decryptor
                trial.sequenceNumber = candidate
                if let (type, content) = try? trial.open(record) {
                    directions[d].decryptor = trial
                    directions[d].resynchronising = false
                    emit(.lost(direction, records: Int(candidate - first)))
                    protectedContent(type, content, direction, emit)
                    return
                }
            }
            directions[d].undecryptedBytes += record.fragment.count
            return
        }
        directions[d].failed = true
        directions[d].undecryptedBytes += record.fragment.count
        emit(.problem(direction, .recordsDoNotDecrypt(offset: record.offset)))
        fail(.wrongSecret, emit)
    }

    private func protectedContent(_ type: UInt8, _ content: [UInt8], _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        switch TLSContentType(rawValue: type) {
        case .applicationData?:
            directions[d].plaintextBytes += content.count
            if !content.isEmpty { emit(.plaintext(direction, content)) }
        case .handshake?:
            handshakeContent(content, direction, emit)
        case .alert?:
            alert(content, direction, emit)
        default:
            break
        }
        if let next = directions[d].nextEpoch {
            directions[d].nextEpoch = nil
            directions[d].epoch = next
            directions[d].decryptor = nil
            _ = installKeys(direction, emit)
        }
    }

    private func alert(_ content: [UInt8], _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        guard content.count >= 2, content[0] == 2 else { return }   // warnings (close_notify) are routine
        emit(.problem(direction, .alert(TLSAlertName.name(content[1]))))
    }

    // MARK: Handshake

    private func handshakeContent(_ content: [UInt8], _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        let messages: [TLSHandshakeMessage]
        do {
            messages = try directions[d].handshake.append(content)
        } catch {
            switch error {
            case .oversized(let type, let length):
                emit(.problem(direction, .malformedHandshake("a message of type \(type) claims \(length) bytes")))
            }
            return
        }
        for message in messages { handshake(message, direction, emit) }
    }

    private func handshake(_ message: TLSHandshakeMessage, _ direction: Direction, _ emit: (TLSEvent) -> Void) {
        let d = index(direction)
        switch (message.type, direction) {
        case (.clientHello?, .c2s):
            guard let hello = TLSClientHello(body: message.body) else {
                emit(.problem(direction, .malformedHandshake("a ClientHello that does not parse")))
                return
            }
            if clientHello == nil {
                clientHello = hello
                info.serverName = hello.serverName
                info.offeredALPN = hello.alpn
            }
            if hello.offersEarlyData && directions[d].epoch == nil { directions[d].epoch = .early }

        case (.serverHello?, .s2c):
            guard let hello = TLSServerHello(body: message.body) else {
                emit(.problem(direction, .malformedHandshake("a ServerHello that does not parse")))
                return
            }
            if hello.isHelloRetryRequest {
                info.helloRetryRequest = true
                return
            }
            serverHello = hello
            info.version = TLSSessionInfo.versionName(hello.version)
            info.cipherSuite = TLSCipherSuite.name(id: hello.cipherSuite)
            suite = TLSCipherSuite.suite(id: hello.cipherSuite)
            if let alpn = hello.alpn { info.alpn = alpn }
            if hello.isTLS13 {
                info.resumed = hello.acceptedPSK
                for i in 0..<2 { directions[i].reader.limit = TLSRecordReader.maximumLengthTLS13 }
                directions[d].epoch = .handshake
                if directions[0].epoch == nil { directions[0].epoch = .handshake }
            } else if let clientHello, !hello.sessionID.isEmpty, hello.sessionID == clientHello.sessionID {
                info.resumed = true
            }
            if suite?.protection == nil || suite?.isTLS13 != hello.isTLS13 {
                // A suite of the other version is nonsense (a crafted or garbled hello): not decrypted.
                suite = nil
                fail(.unsupportedSuite((info.cipherSuite ?? "?") + (hello.isTLS13 ? " with TLS 1.3" : "")), emit)
            } else if lookup == nil {
                fail(.noKeyLog, emit)
            } else if clientHello == nil {
                fail(.noClientHello, emit)
            }
            // 0-RTT records held for the suite can be opened now.
            drain(.c2s, emit)

        case (.certificate?, .s2c):
            if info.certificate == nil {
                info.certificate = TLSCertificateInfo(certificateMessageBody: message.body, tls13: serverHello?.isTLS13 ?? false)
            }
        case (.serverHelloDone?, .s2c):
            sawServerHelloDone = true
            if info.failure != nil { report(emit) }
        case (.encryptedExtensions?, .s2c):
            var cursor = TLSByteCursor(message.body)
            if let extensions = TLSExtensions(&cursor), let alpn = extensions.alpn.first { info.alpn = alpn }
        case (.newSessionTicket?, .s2c):
            if serverHello?.isTLS13 == false {
                // RFC 5077 §3.3: lifetime hint (4), then the ticket.
                var cursor = TLSByteCursor(message.body)
                if cursor.bytes(4) != nil, let ticket = cursor.vector(lengthBytes: 2) {
                    issuedTicket = Array(ticket)
                    if let masterSecret { cache?.store(masterSecret: masterSecret, ticket: issuedTicket!) }
                }
            }
        case (.finished?, _):
            if info.tlsUnique == nil && !(serverHello?.isTLS13 ?? true) { info.tlsUnique = message.body }
            if serverHello?.isTLS13 == true { directions[d].nextEpoch = .application(0) }
            if direction == .s2c { handshakeComplete(emit) }
        case (.keyUpdate?, _):
            if case .application(let n)? = directions[d].epoch { directions[d].nextEpoch = .application(n + 1) }
        case (.endOfEarlyData?, .c2s):
            directions[d].nextEpoch = .handshake
        default:
            break
        }
    }

    private func handshakeComplete(_ emit: (TLSEvent) -> Void) {
        guard !reported else { return }
        info.decrypted = info.failure == nil
        if let serverHello, serverHello.isTLS13, let exporter = secrets?[.exporterSecret], let suite {
            info.exporterSecret = (exporter, suite.hash)
        }
        report(emit)
    }

    private func fail(_ failure: TLSDecryptionFailure, _ emit: (TLSEvent) -> Void) {
        if info.failure == nil { info.failure = failure }
        info.decrypted = false
        // TLS 1.2 sends the certificate in the clear after the ServerHello: the facts wait for it.
        if let serverHello, !serverHello.isTLS13, !sawServerHelloDone, directions[1].epoch == nil { return }
        report(emit)
    }

    private func report(_ emit: (TLSEvent) -> Void) {
        guard !reported else { return }
        reported = true
        if info.failure != nil { info.decrypted = false }
        emit(.handshake(info))
    }

    // MARK: Keys

    /// Makes sure `direction` has a decryptor for its epoch; false if it cannot have one (yet).
    private func installKeys(_ direction: Direction, _ emit: (TLSEvent) -> Void) -> Bool {
        let d = index(direction)
        if directions[d].decryptor != nil { return true }
        guard let epoch = directions[d].epoch, let serverHello, let suite, suite.protection != nil,
              let clientHello, let lookup else { return false }
        let client = direction == .c2s
        /// A logged secret; a key log that grows is asked again while it lacks it.
        func logged(_ label: KeyLogLabel) -> [UInt8]? {
            if let secret = secrets?[label] { return secret }
            if secrets == nil || lookup.mayGrow {
                secrets = lookup.secrets(forClientRandom: clientHello.random) ?? secrets
            }
            return secrets?[label]
        }
        /// No secret now: wait for a key log that grows, else the session is not decryptable.
        func missing() -> Bool {
            if !lookup.mayGrow { fail(.noSecret(clientRandom: clientHello.random), emit) }
            return false
        }
        switch epoch {
        case .tls12:
            if masterSecret == nil { masterSecret = logged(.clientRandom) ?? resumedMasterSecret(clientHello) }
            guard let masterSecret else { return missing() }
            cache?.store(masterSecret: masterSecret, sessionID: serverHello.sessionID)
            if let issuedTicket { cache?.store(masterSecret: masterSecret, ticket: issuedTicket) }
            let keys = TLS12KeyDerivation.keys(masterSecret: masterSecret, clientRandom: clientHello.random,
                                               serverRandom: serverHello.random, suite: suite)
            directions[d].decryptor = TLSRecordDecryptor(suite: suite, keys: client ? keys.client : keys.server,
                                                         version: .tls12, encryptThenMAC: serverHello.encryptThenMAC)
        case .early, .handshake, .application:
            let secret: [UInt8]?
            switch epoch {
            case .early: secret = logged(.clientEarlyTrafficSecret)
            case .handshake: secret = logged(client ? .clientHandshakeTrafficSecret : .serverHandshakeTrafficSecret)
            case .application(let n):
                if n == 0 {
                    secret = logged(client ? .clientTrafficSecret0 : .serverTrafficSecret0)
                } else {
                    secret = directions[d].trafficSecret.map { TLS13KeySchedule.nextTrafficSecret($0, hash: suite.hash) }
                }
            case .tls12: secret = nil
            }
            guard let secret else { return epoch == .early ? false : missing() }
            if case .application = epoch { directions[d].trafficSecret = secret }
            directions[d].decryptor = TLSRecordDecryptor(
                suite: suite, keys: TLS13KeySchedule.trafficKeys(secret: secret, suite: suite),
                version: .tls13, encryptThenMAC: false)
        }
        return true
    }

    /// Whether the key log (or, TLS 1.2, the session resumed) has a secret for the session.
    private func hasSecret(_ clientHello: TLSClientHello) -> Bool {
        lookup?.secrets(forClientRandom: clientHello.random) != nil || resumedMasterSecret(clientHello) != nil
    }

    private func resumedMasterSecret(_ clientHello: TLSClientHello) -> [UInt8]? {
        if let ticket = clientHello.sessionTicket, let secret = cache?.masterSecret(ticket: ticket) { return secret }
        return cache?.masterSecret(sessionID: clientHello.sessionID)
    }

    private func index(_ direction: Direction) -> Int { direction == .c2s ? 0 : 1 }
}
