extension PerMessageDeflate {
    /// The permessage-deflate parameters in a `Sec-WebSocket-Extensions` value of a 101 (RFC 7692
    /// §7.1); nil when it does not agree to permessage-deflate.
    public init?(extensionsHeader: String) {
        for offer in extensionsHeader.split(separator: ",") {
            let parts = offer.split(separator: ";").map { String($0).trimmingASCIIWhitespace() }
            guard let name = parts.first, name.equalsIgnoringASCIICase("permessage-deflate") else { continue }
            var deflate = PerMessageDeflate()
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingASCIIWhitespace() }
                // An empty parameter (`; ;`, a trailing `;`) names nothing.
                guard let key = pair.first?.lowercased() else { continue }
                let value = pair.count > 1 ? Int(pair[1].filter { $0 != "\"" }) : nil
                switch key {
                case "client_no_context_takeover": deflate.clientNoContextTakeover = true
                case "server_no_context_takeover": deflate.serverNoContextTakeover = true
                case "client_max_window_bits": deflate.clientMaxWindowBits = value.map { min(15, max(8, $0)) } ?? 15
                case "server_max_window_bits": deflate.serverMaxWindowBits = value.map { min(15, max(8, $0)) } ?? 15
                default: break
                }
            }
            self = deflate
            return
        }
        return nil
    }
}
