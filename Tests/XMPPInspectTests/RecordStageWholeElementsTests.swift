import Testing
import XMPPBase
@testable import XMPPCore
@testable import XMPPInspect

@Suite("Record stage: the elements its framers build whole")
struct RecordStageWholeElementsTests {
    /// Each element's `id` says whether the record stage builds its whole tree (`whole-`), does
    /// so only for the checks (`checks-`: stream features), or reads only its top (`top-`).
    static let stream = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        + "<stream:features id='checks-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
        + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN' id='whole-1'>AGE=</auth>"
        + "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl' id='whole-2'><not-authorized/></failure>"
        + "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl' id='whole-3'/>"
        + "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN' id='whole-4'><initial-response>AGE=</initial-response></authenticate>"
        + "<iq type='error' id='whole-5'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        + "<message type='error' id='whole-6'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        + "<presence type='error' id='whole-7'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"
        + "<failure xmlns='urn:xmpp:sm:3' id='whole-8'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failure>"
        + "<iq type='result' id='top-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@b/c</jid></bind></iq>"
        + "<message type='chat' id='top-2'><body>hi</body></message>"
        + "<r xmlns='urn:xmpp:sm:3' id='top-3'/>"
        + "<stream:error id='whole-9'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"

    @Test("errors, failures and SASL come whole; stream features only when checks run", arguments: [true, false])
    func selection(checking: Bool) {
        let framer = XMLFramer(content: .topLevel)
        framer.packsAttributes = true
        framer.wholeElements = RecordStage.elementsBuiltWhole(checking: checking)
        var elements: [FramedElement] = []
        framer.feed(Array(Self.stream.utf8)) { if case .element(let element) = $0 { elements.append(element) } }
        #expect(elements.count == 13)
        for element in elements {
            let id = element[attribute: "id"] ?? ""
            let expected = id.hasPrefix("whole-") || (checking && id.hasPrefix("checks-"))
            #expect(element.isComplete == expected, "\(id)")
        }
    }

    @Test("a framing session's framers are given that selection", arguments: [true, false])
    func sessionFramers(checking: Bool) {
        let options = InspectorOptions(keepsElements: false, checks: checking ? .all : nil)
        let session = FramingSession(id: 1, options: options, joinedMidStream: false)
        let selection = RecordStage.elementsBuiltWhole(checking: checking)
        #expect(session.framer(.c2s).wholeElements === selection)
        #expect(session.framer(.s2c).wholeElements === selection)
        #expect(selection !== RecordStage.elementsBuiltWhole(checking: !checking))
    }
}
