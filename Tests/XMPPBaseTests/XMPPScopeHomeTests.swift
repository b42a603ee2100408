import Testing
import XMPPBase

/// `XMPPScopeHome` lives in XMPPBase, which has no test target of its own; XMPPInspect's named
/// filters and XMPPProxy's CA both resolve their folder through it.
@Suite("$XMPPSCOPE_HOME")
struct XMPPScopeHomeTests {
    static func directory(_ environment: [String: String]) -> String {
        XMPPScopeHome.directory { environment[$0] }
    }

    @Test("XMPPSCOPE_HOME wins over HOME")
    func explicitHome() {
        #expect(Self.directory(["XMPPSCOPE_HOME": "/srv/scope", "HOME": "/home/a"]) == "/srv/scope")
    }

    @Test("without XMPPSCOPE_HOME, ~/.xmppscope")
    func userHome() {
        #expect(Self.directory(["HOME": "/home/a"]) == "/home/a/.xmppscope")
    }

    @Test("an empty XMPPSCOPE_HOME counts as unset (not the root folder)")
    func emptyIsUnset() {
        #expect(Self.directory(["XMPPSCOPE_HOME": "", "HOME": "/home/a"]) == "/home/a/.xmppscope")
    }

    @Test("with neither variable (or both empty), .xmppscope in the current folder")
    func neither() {
        #expect(Self.directory([:]) == "./.xmppscope")
        #expect(Self.directory(["XMPPSCOPE_HOME": "", "HOME": ""]) == "./.xmppscope")
    }
}
