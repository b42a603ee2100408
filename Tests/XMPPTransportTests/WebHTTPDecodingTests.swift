import Foundation
import Testing
import XMPPBase
import XMPPTransport

@Suite("Web decoder: HTTP/1.1")
struct WebHTTPDecodingTests {
    static let boshBody = "<body rid='1' xmlns='http://jabber.org/protocol/httpbind' to='example.org' wait='60' hold='1'/>"
    static let boshAnswer = "<body sid='s1' xmlns='http://jabber.org/protocol/httpbind' wait='60'/>"

    static func boshPost(_ body: String = boshBody) -> String {
        "POST /http-bind HTTP/1.1\r\nHost: example.org\r\nContent-Type: text/xml\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func okResponse(_ body: String) -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test("a BOSH POST with Content-Length and its chunked answer: bodies kept, offsets and sizes on the wire")
    func contentLengthAndChunked() {
        let harness = WebDecoderHarness()
        let request = Self.boshPost()
        let answer = Array(Self.boshAnswer.utf8)
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "10\r\n" + String(decoding: answer[0..<16], as: UTF8.self) + "\r\n"
            + String(answer.count - 16, radix: 16) + "\r\n" + String(decoding: answer[16...], as: UTF8.self) + "\r\n0\r\n\r\n"
        harness.feed(.c2s, request)
        harness.feed(.s2c, chunked)
        harness.finish()
        #expect(harness.requests.count == 1)
        #expect(harness.responses.count == 1)
        let (info, body) = harness.requests[0]
        #expect(info.method == "POST" && info.target == "/http-bind" && info.version == "HTTP/1.1")
        #expect(info.carriesXMPP)
        #expect(body == Array(Self.boshBody.utf8))
        #expect(info.bodyLength == Self.boshBody.utf8.count)
        #expect(info.offset == 0 && info.wireBytes == request.utf8.count)
        let (reply, replyBody) = harness.responses[0]
        #expect(reply.requestIndex == 0 && reply.status == 200 && reply.carriesXMPP)
        #expect(replyBody == answer)
        #expect(reply.bodyLength == answer.count)
        #expect(reply.offset == 0 && reply.wireBytes == chunked.utf8.count)
        #expect(harness.problems(.c2s).isEmpty && harness.problems(.s2c).isEmpty)
    }

    @Test("pipelined requests, then their responses: paired in order, offsets where each begins")
    func pipelined() {
        let harness = WebDecoderHarness()
        let first = Self.boshPost(Self.boshBody)
        let second = Self.boshPost(Self.boshBody.replacingOccurrences(of: "rid='1'", with: "rid='2'"))
        let third = "GET /favicon.ico HTTP/1.1\r\nHost: example.org\r\n\r\n"
        harness.feed(.c2s, first + second + third)
        let replies = [Self.okResponse(Self.boshAnswer), Self.okResponse("<body xmlns='http://jabber.org/protocol/httpbind'/>"),
                       "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"]
        harness.feed(.s2c, replies.joined())
        harness.finish()
        #expect(harness.requests.map(\.info.index) == [0, 1, 2])
        #expect(harness.requests.map(\.info.offset) == [0, first.utf8.count, first.utf8.count + second.utf8.count])
        #expect(harness.requests.map(\.info.carriesXMPP) == [true, true, false])
        #expect(harness.responses.map(\.info.requestIndex) == [0, 1, 2])
        #expect(harness.responses.map(\.info.status) == [200, 200, 404])
        #expect(harness.responses.map(\.info.offset) == [0, replies[0].utf8.count, replies[0].utf8.count + replies[1].utf8.count])
        #expect(harness.responses.map(\.info.wireBytes) == replies.map(\.utf8.count))
        #expect(harness.responses[2].body.isEmpty)
    }

    @Test("every split of pipelined requests and chunked, informational and sized responses, 1 to N bytes a feed, gives the same events")
    func everySplit() {
        let second = Self.boshPost(Self.boshBody.replacingOccurrences(of: "rid='1'", with: "rid='2'"))
        // A stray CRLF between two messages, as HTTP/1.1 allows (RFC 9112 §2.2).
        let c2s = Array((Self.boshPost() + "\r\n" + second + "GET /x HTTP/1.1\r\nHost: example.org\r\n\r\n").utf8)
        let answer = Self.boshAnswer
        let chunked = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(answer.utf8.count, radix: 16) + "\r\n" + answer + "\r\n0\r\nX-Trailer: t\r\n\r\n"
        let s2c = Array((chunked + Self.okResponse("<body xmlns='http://jabber.org/protocol/httpbind'/>")
            + "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found").utf8)
        let whole = WebDecoderHarness()
        whole.feed(.c2s, c2s)
        whole.feed(.s2c, s2c)
        whole.finish()
        #expect(whole.requests.count == 3 && whole.responses.count == 3)
        #expect(whole.problems(.c2s).isEmpty && whole.problems(.s2c).isEmpty)
        Self.expectEverySplit(c2s: c2s, s2c: s2c, gives: whole)
    }

    /// Feeds `c2s`, then `s2c`, in feeds of every size from 1 byte to the longer's length, and
    /// expects each direction's events to be `whole`'s.
    static func expectEverySplit(c2s: [UInt8], s2c: [UInt8], gives whole: WebDecoderHarness,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = (whole.events(of: .c2s), whole.events(of: .s2c))
        var compared = 0
        for size in 1...max(c2s.count, s2c.count) {
            let harness = WebDecoderHarness()
            for (direction, bytes) in [(Direction.c2s, c2s), (.s2c, s2c)] {
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + size)
                    harness.feed(direction, Array(bytes[offset..<end]))
                    offset = end
                }
            }
            harness.finish()
            #expect(harness.events(of: .c2s) == expected.0, "split into \(size)-byte feeds", sourceLocation: sourceLocation)
            #expect(harness.events(of: .s2c) == expected.1, "split into \(size)-byte feeds", sourceLocation: sourceLocation)
            compared += 1
        }
        #expect(compared == max(c2s.count, s2c.count), sourceLocation: sourceLocation)
    }

    @Test("a HEAD answered with a Content-Length has no body; the next answer is read whole; every split alike")
    func headWithContentLength() {
        let head = "HEAD /http-bind HTTP/1.1\r\nHost: example.org\r\n\r\n"
        let c2s = Array((head + Self.boshPost()).utf8)
        let headAnswer = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 70\r\n\r\n"
        let s2c = Array((headAnswer + Self.okResponse(Self.boshAnswer)).utf8)
        let whole = WebDecoderHarness()
        whole.feed(.c2s, c2s)
        whole.feed(.s2c, s2c)
        whole.finish()
        #expect(whole.requests.map(\.info.method) == ["HEAD", "POST"])
        #expect(whole.responses.map(\.info.requestIndex) == [0, 1])
        #expect(whole.responses.map(\.info.wireBytes) == [headAnswer.utf8.count, Self.okResponse(Self.boshAnswer).utf8.count])
        #expect(whole.responses.map(\.info.offset) == [0, headAnswer.utf8.count])
        #expect(whole.responses.map(\.body) == [[], Array(Self.boshAnswer.utf8)])
        #expect(whole.problems(.c2s).isEmpty && whole.problems(.s2c).isEmpty)
        Self.expectEverySplit(c2s: c2s, s2c: s2c, gives: whole)
    }

    @Test("an HTTP/1.0 answer without a length is read until the connection ends; every split alike")
    func responseToConnectionEnd() {
        let c2s = Array(Self.boshPost().replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0").utf8)
        let s2c = Array(("HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n" + Self.boshAnswer).utf8)
        let whole = WebDecoderHarness()
        whole.feed(.c2s, c2s)
        whole.feed(.s2c, s2c)
        // Not ended before the connection is.
        #expect(whole.responses.isEmpty)
        whole.finish()
        #expect(whole.responses.count == 1)
        #expect(whole.responses.first?.body == Array(Self.boshAnswer.utf8))
        #expect(whole.responses.first?.info.wireBytes == s2c.count)
        #expect(whole.responses.first?.info.carriesXMPP == true)
        #expect(whole.problems(.c2s).isEmpty && whole.problems(.s2c).isEmpty)
        Self.expectEverySplit(c2s: c2s, s2c: s2c, gives: whole)
    }

    @Test("a header line ended by a bare LF, which llhttp refuses: a syntax problem where that request began, every split alike")
    func bareLineFeed() {
        let body = Self.boshBody
        let bare = "POST /http-bind HTTP/1.1\r\nHost: example.org\nContent-Length: \(body.utf8.count)\n\n" + body
        let c2s = Array((Self.boshPost() + bare).utf8)
        let s2c = Array(Self.okResponse(Self.boshAnswer).utf8)
        let whole = WebDecoderHarness()
        whole.feed(.c2s, c2s)
        whole.feed(.s2c, s2c)
        whole.finish()
        #expect(whole.requests.map(\.body) == [Array(body.utf8)])
        let problems = whole.problems(.c2s)
        #expect(problems.map(\.offset) == [Self.boshPost().utf8.count])
        if case .httpSyntax = problems.first?.kind {} else { Issue.record("not a syntax error: \(problems)") }
        #expect(whole.responses.map(\.info.requestIndex) == [0])
        #expect(whole.problems(.s2c).isEmpty)
        Self.expectEverySplit(c2s: c2s, s2c: s2c, gives: whole)
    }

    @Test("keep-alive: several exchanges one after another on one connection")
    func keepAlive() {
        let harness = WebDecoderHarness()
        for rid in 1...4 {
            harness.feed(.c2s, Self.boshPost(Self.boshBody.replacingOccurrences(of: "rid='1'", with: "rid='\(rid)'")))
            harness.feed(.s2c, Self.okResponse(Self.boshAnswer))
        }
        harness.finish()
        #expect(harness.requests.count == 4)
        #expect(harness.responses.map(\.info.requestIndex) == [0, 1, 2, 3])
        #expect(harness.requests.map { String(decoding: $0.body, as: UTF8.self).contains("rid='\($0.info.index + 1)'") } == [true, true, true, true])
        #expect(harness.problems(.c2s).isEmpty && harness.problems(.s2c).isEmpty)
    }

    @Test("a 404 to a BOSH POST and a 403 to an xmpp upgrade are records that carry XMPP; the client goes on after the refusal")
    func failedAttempts() {
        let harness = WebDecoderHarness()
        harness.feed(.c2s, Self.boshPost())
        harness.feed(.s2c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        harness.feed(.c2s, webSocketUpgradeRequest + "GET /next HTTP/1.1\r\nHost: example.org\r\n\r\n")
        // The refusal and the answer to the request after it in one piece.
        harness.feed(.s2c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\norigin" + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        harness.finish()
        #expect(harness.requests.map(\.info.carriesXMPP) == [true, true, false])
        #expect(harness.requests.map(\.info.target) == ["/http-bind", "/xmpp-websocket", "/next"])
        #expect(harness.requests[2].info.offset == Self.boshPost().utf8.count + webSocketUpgradeRequest.utf8.count)
        #expect(harness.responses.map(\.info.status) == [404, 403, 200])
        #expect(harness.responses.map(\.info.carriesXMPP) == [true, true, false])
        #expect(harness.responses[1].body == Array("origin".utf8))
        #expect(harness.handshakes.isEmpty)
        #expect(harness.problems(.c2s).isEmpty && harness.problems(.s2c).isEmpty)
    }

    @Test("a server that answers while the request's body is still coming: the answer is said after the request, at every point in the body")
    func answerBeforeRequestEnds() {
        // A server may answer early (a 400 or 413) while the client is still sending: the fuzzer
        // found that the request's end then had no exchange left to look up.
        let body = Self.boshBody + String(repeating: " ", count: 40)
        let post = Array(Self.boshPost(body).utf8)
        let headEnd = post.count - body.utf8.count
        let early = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: \(Self.boshAnswer.utf8.count)\r\n\r\n\(Self.boshAnswer)"
        let next = "GET /after HTTP/1.1\r\nHost: example.org\r\n\r\n"
        let nextAnswer = "HTTP/1.1 204 No Content\r\n\r\n"
        var cuts = 0
        for cut in headEnd..<post.count {
            let harness = WebDecoderHarness()
            harness.feed(.c2s, Array(post[..<cut]))
            harness.feed(.s2c, early)
            harness.feed(.c2s, Array(post[cut...]) + Array(next.utf8))
            harness.feed(.s2c, nextAnswer)
            harness.finish()
            let at = "answered after \(cut) bytes"
            #expect(harness.requests.map(\.info.index) == [0, 1], "\(at)")
            #expect(harness.requests.map(\.info.carriesXMPP) == [true, false], "\(at)")
            #expect(harness.requests.first?.body == Array(body.utf8), "\(at)")
            #expect(harness.requests.last?.info.offset == post.count, "\(at)")
            #expect(harness.responses.map(\.info.requestIndex) == [0, 1], "\(at)")
            #expect(harness.responses.map(\.info.status) == [400, 204], "\(at)")
            // Said after the request, whose whole body says it is BOSH.
            #expect(harness.events.map(Self.kind) == ["request", "response", "request", "response"], "\(at)")
            #expect(harness.responses.map(\.info.carriesXMPP) == [true, false], "\(at)")
            #expect(harness.responses.first?.body == Array(Self.boshAnswer.utf8), "\(at)")
            #expect(harness.responses.first?.info.offset == 0 && harness.responses.first?.info.wireBytes == early.utf8.count, "\(at)")
            #expect(harness.problems(.c2s).isEmpty && harness.problems(.s2c).isEmpty, "\(at)")
            cuts += 1
        }
        #expect(cuts == body.utf8.count)
    }

    @Test("an early answer to a request that never ends is said when its direction stops: at a gap, at the end")
    func earlyAnswerToRequestThatNeverEnds() {
        let body = Self.boshBody + String(repeating: " ", count: 40)
        let post = Array(Self.boshPost(body).utf8)
        let cut = post.count - 20  // past BOSH's namespace
        let early = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n"
        let endings: [(String, (WebDecoderHarness) -> Void)] = [
            ("a gap", { $0.gap(.c2s, missing: 5) }),
            ("the end", { _ in }),
            ("a gap in the server's direction, then the end", { $0.gap(.s2c, missing: 3) }),
        ]
        var checked = 0
        for (label, ending) in endings {
            let harness = WebDecoderHarness()
            harness.feed(.c2s, Array(post[..<cut]))
            harness.feed(.s2c, early)
            #expect(harness.responses.isEmpty, "\(label): held until the request ends")
            ending(harness)
            harness.finish()
            #expect(harness.requests.isEmpty, "\(label)")
            #expect(harness.responses.map(\.info.status) == [413], "\(label)")
            #expect(harness.responses.map(\.info.requestIndex) == [0], "\(label)")
            #expect(harness.responses.first?.info.carriesXMPP == true, "\(label): the body so far is BOSH")
            checked += 1
        }
        #expect(checked == 3)
    }

    @Test("an upgrade request with a body, refused before it ended: the client's next request is still read")
    func upgradeRefusedEarly() {
        let payload = String(repeating: "x", count: 30)
        let upgrade = "POST /xmpp-websocket HTTP/1.1\r\nHost: example.org\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Protocol: xmpp\r\nContent-Length: \(payload.utf8.count)\r\n\r\n"
        let next = "GET /next HTTP/1.1\r\nHost: example.org\r\n\r\n"
        let harness = WebDecoderHarness()
        harness.feed(.c2s, upgrade + payload.prefix(10))
        harness.feed(.s2c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        harness.feed(.c2s, String(payload.dropFirst(10)) + next)
        harness.feed(.s2c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        harness.finish()
        #expect(harness.requests.map(\.info.target) == ["/xmpp-websocket", "/next"])
        #expect(harness.requests.last?.info.offset == upgrade.utf8.count + payload.utf8.count)
        #expect(harness.responses.map(\.info.status) == [403, 200])
        #expect(harness.responses.map(\.info.requestIndex) == [0, 1])
        #expect(harness.handshakes.isEmpty)
        #expect(harness.problems(.c2s).isEmpty && harness.problems(.s2c).isEmpty)
    }

    static func kind(_ event: WebEvent) -> String {
        switch event {
        case .request: "request"
        case .response: "response"
        case .webSocketOpened: "opened"
        case .webSocketMessage: "message"
        case .webSocketControl: "control"
        case .problem: "problem"
        }
    }

    @Test("header names compare ignoring the case of ASCII letters only")
    func headerNameCase() {
        let cases: [(String, String, Bool)] = [
            ("Content-Length", "content-length", true), ("Content-Length", "CONTENT-LENGTH", true), ("Upgrade", "Upgrade", true),
            ("", "", true), ("X-1", "x-1", true),
            // Bytes 0x20 apart that are not letters, a byte that differs, lengths, non-ASCII letters.
            ("A@", "a`", false), ("[", "{", false), ("Content-Length", "Content-Lengtg", false),
            ("Upgrade", "Upgrades", false), ("é", "É", false), ("Host", "Hos", false),
        ]
        var compared = 0
        for (a, b, equal) in cases {
            #expect(a.equalsIgnoringASCIICase(b) == equal, "\(a) \(b)")
            #expect(b.equalsIgnoringASCIICase(a) == equal, "\(b) \(a)")
            compared += 1
        }
        #expect(compared == 11)
        let fields = [HTTPHeaderField(name: "content-TYPE", value: "text/xml"), HTTPHeaderField(name: "Content-Type", value: "second")]
        #expect(fields.first(named: "Content-Type") == "text/xml")
        #expect(fields.first(named: "Content-Typ") == nil)
    }

    @Test("a plain GET does not carry XMPP: emitted with an empty body")
    func nonXMPP() {
        let harness = WebDecoderHarness()
        harness.feed(.c2s, "GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n")
        harness.feed(.s2c, Self.okResponse("<html>hello</html>"))
        harness.finish()
        #expect(harness.requests.count == 1 && harness.responses.count == 1)
        #expect(!harness.requests[0].info.carriesXMPP && !harness.responses[0].info.carriesXMPP)
        #expect(harness.responses[0].body.isEmpty)
        #expect(harness.responses[0].info.bodyLength == 18)
    }

    @Test("a response with no request: a problem, and still a response with no request index")
    func responseWithoutRequest() {
        let harness = WebDecoderHarness()
        harness.feed(.s2c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        harness.finish()
        #expect(harness.problems(.s2c) == [WebProblem(kind: .responseWithoutRequest, offset: 0)])
        #expect(harness.responses.count == 1)
        #expect(harness.responses[0].info.requestIndex == nil)
        #expect(harness.responses[0].info.wireBytes == 40)
    }

    @Test("a body over the limit: a problem, the body emitted empty, its length counted")
    func bodyTooLarge() {
        let harness = WebDecoderHarness(limits: WebLimits(maxBodyBytes: 64))
        let body = Self.boshBody + String(repeating: " ", count: 100)
        harness.feed(.c2s, Self.boshPost(body))
        harness.finish()
        #expect(harness.problems(.c2s) == [WebProblem(kind: .bodyTooLarge(size: body.utf8.count, limit: 64), offset: 0)])
        #expect(harness.requests.count == 1)
        #expect(harness.requests[0].info.carriesXMPP && harness.requests[0].body.isEmpty)
        #expect(harness.requests[0].info.bodyLength == body.utf8.count)
    }

    @Test("a connection that ends inside a chunk: the response is reported truncated where it began")
    func truncatedChunk() {
        let harness = WebDecoderHarness()
        harness.feed(.c2s, Self.boshPost() + Self.boshPost())
        let first = Self.okResponse(Self.boshAnswer)
        harness.feed(.s2c, first + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n<body xmlns='http")
        harness.finish()
        #expect(harness.responses.count == 1)
        let problems = harness.problems(.s2c)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.offset == first.utf8.count)
        if case .truncated = problems.first?.kind {} else { Issue.record("not truncated: \(problems)") }
    }

    @Test("a syntax error: a problem at the message's start, the direction stops, the other is still decoded")
    func syntaxError() {
        let harness = WebDecoderHarness()
        let good = Self.boshPost()
        harness.feed(.c2s, good + "GET /x HTTP/1.1\r\nBad Header Name: x\r\n\r\nGET /y HTTP/1.1\r\n\r\n")
        harness.feed(.s2c, Self.okResponse(Self.boshAnswer))
        harness.feed(.s2c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        harness.finish()
        #expect(harness.requests.count == 1)
        let problems = harness.problems(.c2s)
        #expect(problems.count == 1)
        #expect(problems.first?.offset == good.utf8.count)
        if case .httpSyntax = problems.first?.kind {} else { Issue.record("not a syntax error: \(problems)") }
        #expect(harness.responses.map(\.info.status) == [200, 400])
        #expect(harness.responses.map(\.info.requestIndex) == [0, nil])
    }

    @Test("a gap: one problem, the direction stops")
    func gap() {
        let harness = WebDecoderHarness()
        harness.feed(.c2s, "POST /http-bind HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345")
        harness.gap(.c2s, missing: 5)
        harness.gap(.c2s, missing: 5)
        harness.feed(.c2s, Self.boshPost())
        harness.finish()
        #expect(harness.problems(.c2s) == [WebProblem(kind: .lostToGap(missing: 5), offset: 53)])
        #expect(harness.requests.isEmpty)
    }

    @Test("a connection's first bytes: an HTTP request line or not, or too few to say")
    func sniffing() {
        let yes = ["GET / HTTP/1.1\r\n", "POST /http-bind HTTP/1.0\r\nHost: x\r\n"]
        let no = ["<?xml version='1.0'?>", "\u{16}\u{03}\u{01}", "GET  / HTTP/1.1\r\n", "GET / HTTP/2.0\r\n", "GET / HTTP/1.1\n"]
        let unsure = ["", "GE", "GET /xmpp", "GET / HTTP/1", "GET / HTTP/1.1\r"]
        #expect(yes.map { WebConnectionDecoder.startsHTTPRequest(Array($0.utf8)) } == yes.map { _ in true })
        #expect(no.map { WebConnectionDecoder.startsHTTPRequest(Array($0.utf8)) } == no.map { _ in false })
        #expect(unsure.map { WebConnectionDecoder.startsHTTPRequest(Array($0.utf8)) } == unsure.map { _ in nil })
        let long = Array("GET /".utf8) + [UInt8](repeating: 0x61, count: 9000)
        #expect(WebConnectionDecoder.startsHTTPRequest(long) == false)
    }
}
