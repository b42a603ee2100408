import NIOCore
import NIOEmbedded
import NIOSSL
import Synchronization

/// A real TLS session between two BoringSSL peers (NIOSSL over EmbeddedChannels, no sockets):
/// every byte each side wrote, and the key log lines BoringSSL gave for it. The independent sealer
/// the record decryptor is checked against.
struct NIOSSLSession {
    var clientToServer: [UInt8] = []
    var serverToClient: [UInt8] = []
    var keyLog: [String] = []

    /// A throwaway self-signed RSA-2048 certificate and key for "xmppscope-test.invalid", made once
    /// with `openssl req -x509 -newkey rsa:2048 -nodes -days 36500`; it protects nothing.
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIDJTCCAg2gAwIBAgIUNpEWsXV5GqMv5ggungfNIQJA5C8wDQYJKoZIhvcNAQEL
BQAwITEfMB0GA1UEAwwWeG1wcHNjb3BlLXRlc3QuaW52YWxpZDAgFw0yNjEyMDMy
MTA0MzhaGA8yMTI2MTEwOTIxMDQzOFowITEfMB0GA1UEAwwWeG1wcHNjb3BlLXRl
c3QuaW52YWxpZDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAJnnai/e
5s0TsVCQYoq35u7tRiOHsgjDwChyngf/Ye8XQz0O1Ebbdvcx80yBWY6UYXyFMvaZ
InSOHtAvG1dz1W/WIUi93zZPGkBLeCnlOwtwzi0TTUmVa7JQ5nZtWgiSgThQudf4
bZ1klr46/7pFMyPQD2AWSV7c1lNOTlTpEVBiOIA2wf2tp4dSlohoyE+yXXhFdhLw
SUkfVCOMmTUNTHAjeV2tJD/3KciJ+3LuRzoRtjkVeVZlbbQiHQZEHYiilF9VwmEG
UnqYma0uJjN9frpQ9hvsosgtBZWOgkBZD2o8NlaeuSqyQuHkNgFrqaztH5fmQj0L
OTNg/dooDuDe0u0CAwEAAaNTMFEwHQYDVR0OBBYEFOXuDeWrgMnVRNduYuLMyHPm
juIsMB8GA1UdIwQYMBaAFOXuDeWrgMnVRNduYuLMyHPmjuIsMA8GA1UdEwEB/wQF
MAMBAf8wDQYJKoZIhvcNAQELBQADggEBAD52zFO5zL0p3g+nd04ZcZdaYFMkdx0z
C5TFvcNA3O4LuyT0LTD8bOmQhk3nBkslQi7g5ihtxVIViv/0TFR8w2ta7HiuwPeJ
z/FwOK2hBAF1/kIOClnLX/T82BtHnKUFvXkcNVPQQmwLj5482QU3TEa+GN6wqYUN
slig/ndrQmW/Vm/vq3WodnmtstRv3KjzS/ZP2Ljg1NCnqFnS6vAJg9QhtdToYgnm
5d45daXwYjIaxuT3pXXQHRYBemFcehE1Cw/J8u+WfsZybbUTHoqnm9FQXyamffU7
DjTOYckxEcxyUMoVtZxW8XPynxenKlJNPlJFNJzFz6hVqKI8DJfk3Tk=
-----END CERTIFICATE-----
"""
    static let privateKeyPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCZ52ov3ubNE7FQ
kGKKt+bu7UYjh7IIw8Aocp4H/2HvF0M9DtRG23b3MfNMgVmOlGF8hTL2mSJ0jh7Q
LxtXc9Vv1iFIvd82TxpAS3gp5TsLcM4tE01JlWuyUOZ2bVoIkoE4ULnX+G2dZJa+
Ov+6RTMj0A9gFkle3NZTTk5U6RFQYjiANsH9raeHUpaIaMhPsl14RXYS8ElJH1Qj
jJk1DUxwI3ldrSQ/9ynIifty7kc6EbY5FXlWZW20Ih0GRB2IopRfVcJhBlJ6mJmt
LiYzfX66UPYb7KLILQWVjoJAWQ9qPDZWnrkqskLh5DYBa6ms7R+X5kI9CzkzYP3a
KA7g3tLtAgMBAAECggEACcqcyV3jjjGOCuOcuVmY4iOLXlBQRdl6XLhqEHUxfF4d
A4HxhG6LA5AUfA4Qrg8Hor3wr5qvg/3UvQb6NNakQiC77l5SGKjwsR18ECJK3t/2
5gw/0wokF2ypNOihHUGA4h3UrQZbpvNS2dh0E5w6dDFVARZ55YSkSBmHx0Qqu1Pj
Fe+fW7ATOb/8AfRmiG06ad6lYztgHfZybZg/2/gdyc8dAH40cg25BTnBizxWGVDD
YZOu/44FDC0mkUF6booRPkq6JRRnX7YrcgK0yrbuWifUtG0ZGWu5ao74n+v2PE6r
E61M9KKzQOfzrPSunw/mB7NiGEMI6fGy0Lt0varUgQKBgQDUzEepcKCmaAb3V5RE
kwwMtKRINlCCUz/K9mIeVyA4A2vlAvzkn41NGI87Ka8KRFRzcg++SwjI698MeKRH
0/aP+dmLKF3JPnakBnAC4QQH5WYc5Kq645fVDpyO6N23GBnPBoXJLISQUmYmxNCi
+uBflN4N/WB97bbNGHnSatkRrQKBgQC5Jj6mZIBYp/xXRDT41X/7aiNT3/RFPGKY
3HJxB53zy8xf2itTOjyLrPQ58n+nsQMubwjjVnNqiLPedT8XH9+TCH/XkyAsZMaP
A1pJLdYzv7FrRDl+Ih1ZpYdChXa7AILl5RZ5MPH+mIFeuPIdZdp1j3SF7h9BLtk0
oQAFMe1uQQKBgCzrOi1QMvkteFr5x7h5+c8syojbvj7kZ9DmFWwmJAzu2/Wpncx8
yYz+pC1u7R4Tsmf0KdKXcDFJaPnu9W6cFa3qpbs0OCfk4ZJaMYbKDNnF2Lo8orV0
mXZF8VJRYYvmsHv8+nyuwwTb/+grH4dnwbkraXw2ggnTBgVhJ0X9e/i5AoGAT+tr
RaXCJQK2EPE3MGXwLZUeFLlqFmy/Xp5ho9qW2sKQwJtK8k0ED4KjlVPQuJDW/7cc
Dg2mGklR4ueXSSMP/cbAcExoqeECOH9I/KeVe5b2PYggjQqqwqSJ4zP7ETNiTVv6
vGtdOfmYdku87uWlS/OVZ65mvVs8lNQeTx/DDkECgYBGHjO0l0lmFbPZysELijyh
ch5N1kNDfgPZUcXX7dymk+1r2UlNv7ThT5tM4CGtNtF/bzQ6vz7Y1A+0XMkr9JLp
rLMHxd1ee3+SYMfZuhLh4K+gus2PnKiMhoLLE/N1EXAqJQWtUF598QHMVkVqC5fA
q6px+qo/SW2aBLe1McGciw==
-----END PRIVATE KEY-----
"""

    /// Key log lines as BoringSSL hands them over, from whichever thread.
    final class KeyLogLines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ buffer: ByteBuffer) { lines.withLock { $0.append(String(buffer: buffer)) } }
    }

    /// Runs a handshake limited to `suites` (TLS 1.2 ones; BoringSSL picks TLS 1.3 suites itself)
    /// and `version`, then has the client send `clientPayload` and the server `serverPayload`.
    static func run(suites: [NIOTLSCipher], version: TLSVersion, clientPayload: [UInt8], serverPayload: [UInt8]) throws -> NIOSSLSession {
        let lines = KeyLogLines()
        var serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
        serverTLS.minimumTLSVersion = version
        serverTLS.maximumTLSVersion = version
        if !suites.isEmpty { serverTLS.cipherSuiteValues = suites }
        var clientTLS = TLSConfiguration.makeClientConfiguration()
        clientTLS.certificateVerification = .none
        clientTLS.minimumTLSVersion = version
        clientTLS.maximumTLSVersion = version
        clientTLS.keyLogCallback = { lines.append($0) }

        let server = EmbeddedChannel(), client = EmbeddedChannel()
        try server.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: NIOSSLContext(configuration: serverTLS)))
        try client.pipeline.syncOperations.addHandler(
            NIOSSLClientHandler(context: NIOSSLContext(configuration: clientTLS), serverHostname: "xmppscope-test.invalid"))
        _ = try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        _ = try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()

        var session = NIOSSLSession()
        func pump() throws {
            for _ in 0..<50 {
                var moved = false
                while let bytes = try client.readOutbound(as: ByteBuffer.self) {
                    session.clientToServer += Array(bytes.readableBytesView)
                    try server.writeInbound(bytes)
                    moved = true
                }
                while let bytes = try server.readOutbound(as: ByteBuffer.self) {
                    session.serverToClient += Array(bytes.readableBytesView)
                    try client.writeInbound(bytes)
                    moved = true
                }
                if !moved { return }
            }
        }
        try pump()
        client.writeAndFlush(ByteBuffer(bytes: clientPayload), promise: nil)
        server.writeAndFlush(ByteBuffer(bytes: serverPayload), promise: nil)
        try pump()
        session.keyLog = lines.lines.withLock { $0 }
        return session
    }

    /// One TLS record of a captured stream.
    struct Record {
        var header: [UInt8]
        var fragment: ArraySlice<UInt8>
        var type: UInt8 { header[0] }
    }

    /// The records of a captured stream, in order.
    static func records(of stream: [UInt8]) -> [Record] {
        var records: [Record] = []
        var offset = 0
        while offset + 5 <= stream.count {
            let length = Int(stream[offset + 3]) << 8 | Int(stream[offset + 4])
            guard offset + 5 + length <= stream.count else { break }
            records.append(Record(header: Array(stream[offset..<offset + 5]), fragment: stream[(offset + 5)..<(offset + 5 + length)]))
            offset += 5 + length
        }
        return records
    }

    /// The secret the key log holds under `label` (the secret, in hex, is the third field).
    func secret(_ label: String, clientRandom: [UInt8]) -> [UInt8]? {
        let random = clientRandom.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        for line in keyLog {
            let fields = line.split(separator: " ")
            if fields.count == 3, fields[0] == label, fields[1].lowercased() == random { return hex(String(fields[2])) }
        }
        return nil
    }
}
