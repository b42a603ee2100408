#if canImport(Glibc)
import Glibc
#endif

/// What kind of file a replay was given, from its first bytes.
public enum InputKind: Sendable, Hashable {
    /// pcap or pcapng: read through libpcap.
    case capture
    /// XMPP stream text (an XML console dump, a file of stanzas).
    case xmlText
}

extension InputKind {
    /// Sniffs the file: pcap/pcapng magic numbers, else text whose first non-blank byte is `<`.
    public static func detect(path: String) throws(InputError) -> InputKind {
        guard let file = fopen(path, "rb") else {
            throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 512)
        let count = fread(&head, 1, head.count, file)
        guard count > 0 else { throw .empty(path: path) }
        if count >= 4 {
            let magic = UInt32(head[0]) << 24 | UInt32(head[1]) << 16 | UInt32(head[2]) << 8 | UInt32(head[3])
            switch magic {
            case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1, 0x0A0D_0D0A, 0xA1B2_CD34, 0x34CD_B2A1:
                return .capture
            default: break
            }
        }
        var index = 0
        if count >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF { index = 3 }  // UTF-8 BOM
        while index < count, [0x20, 0x09, 0x0A, 0x0D].contains(head[index]) { index += 1 }
        if index < count && head[index] == UInt8(ascii: "<") { return .xmlText }
        throw .unrecognised(path: path)
    }
}
