import Testing
import XMPPCore
@testable import XMPPProxy

/// Drives a ``FeatureEditor`` the way the proxy does: a framer over the server's bytes reports
/// element ends and the features to replace, then the editor relays the read.
private struct EditedRelay {
    var editor = FeatureEditor()
    let framer = XMLFramer()
    var machine = StreamPhaseMachine()
    var relayed: [UInt8] = []
    var edits: [String] = []

    init(active: Bool = true) {
        if active { editor.activate() }
    }

    mutating func read(_ chunk: String) {
        let bytes = Array(chunk.utf8)
        var events: [FramerEvent] = []
        framer.feed(bytes) { events.append($0) }
        for event in events {
            switch event {
            case .streamOpened(let header): editor.elementEnded(at: header.offset + header.raw.count)
            case .element(let framed):
                editor.elementEnded(at: framed.offset + framed.raw.count)
                for case .replaceFeatures(let features, let why) in machine.fromServer(framed.element) {
                    editor.replace(framed.offset..<(framed.offset + framed.raw.count), with: Array(features.xmlString.utf8))
                    edits += why
                }
            case .streamClosed(let offset, let raw): editor.elementEnded(at: offset + raw.count)
            case .error: editor.deactivate()
            }
        }
        relayed += editor.relay(bytes)
    }

    var text: String { String(decoding: relayed, as: UTF8.self) }
}

private let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='x.test' id='s1' version='1.0'>"
private let features = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>PLAIN</mechanism></mechanisms><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/></sasl-channel-binding><compression xmlns='http://jabber.org/features/compress'><method>zlib</method></compression></stream:features>"
private let editedFeatures = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"

@Suite("Feature editor")
struct FeatureEditorTests {
    @Test("features split across reads are replaced whole; everything else goes through unchanged", arguments: [1, 2, 7, 64, 4096])
    func replacesSplitFeatures(chunkSize: Int) {
        var relay = EditedRelay()
        let input = header + features + "<iq type='result' id='a'/>  "
        let bytes = Array(input.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            relay.read(String(decoding: bytes[start..<end], as: UTF8.self))
            start = end
        }
        relay.relayed += relay.editor.drain()
        #expect(relay.text == header + editedFeatures + "<iq type='result' id='a'/>  ")
        #expect(relay.edits == [
            "removed SASL mechanism SCRAM-SHA-1-PLUS", "removed the XEP-0440 channel-binding offer",
            "removed the XEP-0138 compression offer",
        ])
    }

    @Test("bytes after the last complete element wait for it; nothing is held once inactive")
    func holdsPartialElement() {
        var relay = EditedRelay()
        relay.read(header + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        #expect(relay.text == header)  // the open features element waits
        relay.read("</stream:features>")
        #expect(relay.text == header + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>")
        relay.editor.deactivate()
        relay.read("<message><body>partial")
        #expect(relay.text.hasSuffix("<message><body>partial"))
    }

    @Test("an inactive editor relays reads as they come and edits nothing")
    func inactive() {
        var relay = EditedRelay(active: false)
        relay.read(header + features)
        #expect(relay.text == header + features)
    }

    @Test("a parse error stops the holding: the rest goes through unchanged")
    func parseErrorReleases() {
        var relay = EditedRelay()
        relay.read(header + "<stream:features><a></b>")
        relay.read("more bytes")
        relay.relayed += relay.editor.drain()
        #expect(relay.text == header + "<stream:features><a></b>more bytes")
    }

    @Test("drain hands on what is held when the stream ends mid-element")
    func drain() {
        var relay = EditedRelay()
        relay.read(header + "<stream:feat")
        #expect(relay.text == header)
        #expect(relay.editor.drain() == Array("<stream:feat".utf8))
    }
}
