/// The extensions block of a hello message, by type (later duplicates are ignored).
struct TLSExtensions: Sendable {
    private(set) var values: [UInt16: ArraySlice<UInt8>] = [:]

    /// Reads a 2-byte-length extensions block; nil if it is cut short. An absent block is empty.
    init?(_ cursor: inout TLSByteCursor) {
        guard !cursor.isAtEnd else { return }
        guard let block = cursor.vector(lengthBytes: 2) else { return nil }
        var inner = TLSByteCursor(block)
        while !inner.isAtEnd {
            guard let type = inner.uint16(), let data = inner.vector(lengthBytes: 2) else { return nil }
            if values[type] == nil { values[type] = data }
        }
    }

    init() {}

    subscript(_ type: TLSExtensionType) -> ArraySlice<UInt8>? { values[type.rawValue] }

    func contains(_ type: TLSExtensionType) -> Bool { values[type.rawValue] != nil }

    /// server_name: the first host_name (RFC 6066 §3).
    var serverName: String? {
        guard let data = self[.serverName] else { return nil }
        var cursor = TLSByteCursor(data)
        guard let list = cursor.vector(lengthBytes: 2) else { return nil }
        var entries = TLSByteCursor(list)
        while !entries.isAtEnd {
            guard let type = entries.uint8(), let name = entries.vector(lengthBytes: 2) else { return nil }
            if type == 0 { return String(decoding: name, as: UTF8.self) }
        }
        return nil
    }

    /// application_layer_protocol_negotiation: the protocol names (RFC 7301 §3.1).
    var alpn: [String] {
        guard let data = self[.alpn] else { return [] }
        var cursor = TLSByteCursor(data)
        guard let list = cursor.vector(lengthBytes: 2) else { return [] }
        var entries = TLSByteCursor(list)
        var names: [String] = []
        while !entries.isAtEnd {
            guard let name = entries.vector(lengthBytes: 1) else { break }
            names.append(String(decoding: name, as: UTF8.self))
        }
        return names
    }
}
