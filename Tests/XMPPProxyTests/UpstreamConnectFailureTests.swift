import NIOCore
import NIOPosix
import Testing
@testable import XMPPProxy

/// What NIO really throws when the server cannot be reached, and what the client is told.
@Suite("Why the server could not be reached")
struct UpstreamConnectFailureTests {
    private func connectError(host: String, port: Int, group: any EventLoopGroup) throws -> any Error {
        do {
            let channel = try ClientBootstrap(group: group).connectTimeout(.seconds(10)).connect(host: host, port: port).wait()
            try channel.close().wait()
        } catch {
            return error
        }
        Issue.record("connected to \(host):\(port)")
        throw CancellationError()
    }

    @Test("a name that does not resolve is host-unknown")
    func unknownHost() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let error = try connectError(host: "no-such-host.invalid", port: 5222, group: group)
        #expect(UpstreamConnectFailure(error) == .unknownHost)
        #expect(UpstreamConnectFailure(error).condition == "host-unknown")
        #expect("\(error)".contains("DNS error"))  // what the user reads stays as it was
    }

    @Test("an address that refuses is remote-connection-failed")
    func refused() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let listener = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        let port = try #require(listener.localAddress?.port)
        try listener.close().wait()
        let error = try connectError(host: "127.0.0.1", port: port, group: group)
        #expect(UpstreamConnectFailure(error) == .unreachable)
        #expect(UpstreamConnectFailure(error).condition == "remote-connection-failed")
        #expect(UpstreamConnectFailure(ChannelError.connectTimeout(.seconds(10))) == .unreachable)
    }
}
