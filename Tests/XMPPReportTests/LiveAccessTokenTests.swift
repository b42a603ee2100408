import Testing
@testable import XMPPReport

/// The live view's token and the request checks, without sockets.
@Suite("Live view token and routes")
struct LiveAccessTokenTests {
    @Test("tokens are 32 URL-safe characters (192 bits), each new one different")
    func fresh() {
        var seen: Set<String> = []
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for _ in 0..<100 {
            let token = LiveAccessToken()
            #expect(token.text.count == 32)
            #expect(token.text.allSatisfy { alphabet.contains($0) })
            seen.insert(token.text)
        }
        #expect(seen.count == 100)
    }

    @Test("only the exact token matches")
    func matching() {
        let token = LiveAccessToken(text: "abcdefghijklmnopqrstuvwxyz012345")
        #expect(token.matches("abcdefghijklmnopqrstuvwxyz012345"))
        for other in ["", "abcdefghijklmnopqrstuvwxyz01234", "abcdefghijklmnopqrstuvwxyz0123456",
                      "Abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012346", "bcdefghijklmnopqrstuvwxyz012345a"] {
            #expect(!token.matches(Substring(other)), "\(other)")
        }
    }

    @Test("the Host must name the server: its address or loopback, with its port")
    func hosts() {
        let token = LiveAccessToken(text: "T")
        let router = LiveRequestRouter(token: token, listeningHost: "127.0.0.1", port: 8080)
        for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080", "[::1]:8080"] {
            #expect(router.route(method: "GET", uri: "/?token=T", host: host, lastEventID: nil) == .page, "\(host)")
        }
        for host in ["127.0.0.1", "127.0.0.1:8081", "evil.example:8080", "localhost.evil.example:8080", "", "[::1]"] {
            guard case .refuse(403, _) = router.route(method: "GET", uri: "/?token=T", host: host, lastEventID: nil) else {
                Issue.record("\(host) was let in")
                continue
            }
        }
        guard case .refuse(403, _) = router.route(method: "GET", uri: "/?token=T", host: nil, lastEventID: nil) else {
            Issue.record("no Host was let in")
            return
        }
        let any = LiveRequestRouter(token: token, listeningHost: "0.0.0.0", port: 9000)
        for host in ["192.0.2.7:9000", "0.0.0.0:9000", "[2001:db8::1]:9000", "localhost:9000"] {
            #expect(any.route(method: "GET", uri: "/?token=T", host: host, lastEventID: nil) == .page, "\(host)")
        }
        for host in ["192.0.2.7:9001", "attacker.example:9000", "1.2.3.4.evil:9000", "999.1.1.1:9000", "[evil]:9000"] {
            #expect(any.route(method: "GET", uri: "/?token=T", host: host, lastEventID: nil) != .page, "\(host)")
        }
        let wide = LiveRequestRouter(token: token, listeningHost: "192.0.2.7", port: 9000)
        #expect(wide.route(method: "GET", uri: "/events?token=T", host: "192.0.2.7:9000", lastEventID: "41") == .events(after: 41))
        #expect(wide.route(method: "GET", uri: "/events?token=T", host: "192.0.2.7:9000", lastEventID: "x") == .events(after: nil))
    }
}
