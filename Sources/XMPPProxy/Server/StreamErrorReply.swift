import XMPPCore

/// The stream header and stream error sent to a client when the proxy cannot serve it.
enum StreamErrorReply {
    static func bytes(condition: String, text: String) -> [UInt8] {
        let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        let error = "<stream:error><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>\(text.escapedForXMLText)</text></stream:error></stream:stream>"
        return Array((header + error).utf8)
    }
}
