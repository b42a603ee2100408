import CResolv

/// One SRV record (RFC 2782): where a service runs.
public struct SRVRecord: Sendable, Hashable {
    public var priority: Int
    public var weight: Int
    public var port: Int
    public var target: String

    public init(priority: Int, weight: Int, port: Int, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// Finds an XMPP server from its domain the way clients do: SRV records
/// (`_xmpp-client._tcp`, or `_xmpps-client._tcp` for direct TLS, XEP-0368), in RFC 2782 order,
/// with the domain itself on the default port as the last resort (RFC 6120 §3.2.1, §3.2.2).
public enum SRVResolver {
    /// The SRV records for `service` (e.g. `_xmpp-client._tcp.example.org`); empty when there
    /// are none or the name does not resolve.
    public static func lookup(_ service: String) -> [SRVRecord] {
        var answer = [UInt8](repeating: 0, count: 65535)
        let length = answer.withUnsafeMutableBufferPointer { buffer in
            xmppscope_res_query(service, Int32(ns_t_srv.rawValue), buffer.baseAddress, Int32(buffer.count))
        }
        guard length > 0 else { return [] }
        return parse(Array(answer[..<Int(length)])) ?? []
    }

    /// The SRV records in a DNS answer message; nil when it is malformed.
    public static func parse(_ answer: [UInt8]) -> [SRVRecord]? {
        var records = [xmppscope_srv_record](repeating: xmppscope_srv_record(), count: 64)
        let count = answer.withUnsafeBufferPointer { message in
            records.withUnsafeMutableBufferPointer { out in
                xmppscope_parse_srv(message.baseAddress, Int32(message.count), out.baseAddress, Int32(out.count))
            }
        }
        guard count >= 0 else { return nil }
        return records[..<Int(count)].map { record in
            var record = record
            let target = withUnsafeBytes(of: &record.target) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return SRVRecord(priority: Int(record.priority), weight: Int(record.weight), port: Int(record.port), target: target)
        }
    }

    /// RFC 2782's order: lowest priority first; within a priority, a weighted random draw
    /// (`random(n)` returns a number in 0...n). A single record with target "." means the
    /// service is decidedly not available: no targets.
    public static func ordered(_ records: [SRVRecord], random: (Int) -> Int = { Int.random(in: 0...$0) }) -> [SRVRecord] {
        if records.count == 1 && (records[0].target == "." || records[0].target.isEmpty) { return [] }
        var result: [SRVRecord] = []
        for priority in Set(records.map(\.priority)).sorted() {
            // Zero weights first, as RFC 2782 arranges them, so they have a small chance.
            var pool = records.filter { $0.priority == priority }.sorted { ($0.weight == 0 ? 0 : 1) < ($1.weight == 0 ? 0 : 1) }
            while !pool.isEmpty {
                let total = pool.reduce(0) { $0 + $1.weight }
                let draw = random(total)
                var running = 0
                let index = pool.firstIndex { record in
                    running += record.weight
                    return running >= draw
                } ?? 0
                result.append(pool.remove(at: index))
            }
        }
        return result
    }

    /// Where to connect for `domain`: the SRV targets in order, then `domain:defaultPort`.
    public static func upstreams(for domain: String, directTLS: Bool, defaultPort: Int,
                                 lookup: (String) -> [SRVRecord] = SRVResolver.lookup) -> [ProxyServer.Upstream] {
        let service = (directTLS ? "_xmpps-client._tcp." : "_xmpp-client._tcp.") + domain
        let records = lookup(service)
        var upstreams = ordered(records).map { record in
            ProxyServer.Upstream(host: record.target.hasSuffix(".") ? String(record.target.dropLast()) : record.target,
                                 port: record.port)
        }
        if records.isEmpty || !upstreams.isEmpty {
            let fallback = ProxyServer.Upstream(host: domain, port: defaultPort)
            if !upstreams.contains(fallback) { upstreams.append(fallback) }
        }
        return upstreams
    }
}
