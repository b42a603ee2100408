import Testing
import XMPPBase
import XMPPTransport

@Suite("STARTTLS hand-off")
struct StartTLSHandOffTests {
    let time = Timestamp(microseconds: 1_700_000_000_000_000)

    @Test("TLS records reach the inspector: <proceed/> stops decoding, TLS start recorded")
    func proceedWithOpaqueTLS() {
        var handOff = StartTLSHandOff(tlsHandling: .opaque)
        #expect(handOff.framerStopsAtProceed)
        #expect(handOff.topLevelElement(name: "starttls", namespace: XMPPNamespace.tls, direction: .c2s, at: time) == nil)
        #expect(handOff.tlsStart == nil)
        let next = handOff.topLevelElement(name: "proceed", namespace: XMPPNamespace.tls, direction: .s2c, at: time)
        #expect(next == .stopDecoding)
        #expect(handOff.tlsStart == TLSStart(direction: .s2c, time: time, intercepted: false))
    }

    @Test("TLS terminated in front: <proceed/> restarts both streams, TLS start marked intercepted")
    func proceedWithTerminatedTLS() {
        var handOff = StartTLSHandOff(tlsHandling: .terminatedInFront)
        #expect(!handOff.framerStopsAtProceed)
        let next = handOff.topLevelElement(name: "proceed", namespace: XMPPNamespace.tls, direction: .s2c, at: time)
        #expect(next == .restartStreams)
        #expect(handOff.tlsStart == TLSStart(direction: .s2c, time: time, intercepted: true))
    }

    @Test("<compressed/> stops decoding whatever the TLS handling, and is no TLS start")
    func compressed() {
        for handling in [StartTLSHandOff.TLSHandling.opaque, .terminatedInFront] {
            var handOff = StartTLSHandOff(tlsHandling: handling)
            let next = handOff.topLevelElement(name: "compressed", namespace: XMPPNamespace.compress, direction: .s2c, at: time)
            #expect(next == .stopDecoding)
            #expect(handOff.isCompressed)
            #expect(handOff.tlsStart == nil)
        }
    }

    @Test("the same names in other namespaces, and stanzas, change nothing")
    func otherElements() {
        var handOff = StartTLSHandOff(tlsHandling: .opaque)
        let elements: [(String, String?)] = [
            ("proceed", XMPPNamespace.client), ("proceed", nil), ("compressed", XMPPNamespace.tls),
            ("message", XMPPNamespace.client), ("failure", XMPPNamespace.tls), ("success", XMPPNamespace.sasl),
        ]
        var changes = 0
        for (name, namespace) in elements {
            if handOff.topLevelElement(name: name, namespace: namespace, direction: .s2c, at: time) != nil { changes += 1 }
        }
        #expect(changes == 0)
        #expect(handOff.tlsStart == nil)
        #expect(!handOff.isCompressed)
    }
}
