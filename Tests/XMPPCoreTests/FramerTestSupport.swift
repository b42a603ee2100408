import XMPPCore

/// Feeds `input` to a new framer in chunks of `chunkSize` bytes and returns every event.
func frame(_ input: [UInt8], chunkSize: Int = .max, limits: FramerLimits = .default) -> [FramerEvent] {
    let framer = XMLFramer(limits: limits)
    var events: [FramerEvent] = []
    var index = 0
    while index < input.count {
        let end = min(input.count, index + max(1, min(chunkSize, input.count - index)))
        framer.feed(input[index..<end]) { events.append($0) }
        index = end
    }
    framer.finish { events.append($0) }
    return events
}

func frame(_ text: String, chunkSize: Int = .max, limits: FramerLimits = .default) -> [FramerEvent] {
    frame(Array(text.utf8), chunkSize: chunkSize, limits: limits)
}

extension FramerEvent {
    var element: FramedElement? { if case .element(let element) = self { return element } else { return nil } }
    var error: FramerError? { if case .error(let error) = self { return error } else { return nil } }
    var header: StreamHeader? { if case .streamOpened(let header) = self { return header } else { return nil } }
    var isClose: Bool { if case .streamClosed = self { return true } else { return false } }
}

extension Array where Element == FramerEvent {
    var elements: [FramedElement] { compactMap(\.element) }
    var errors: [FramerError] { compactMap(\.error) }
    var headers: [StreamHeader] { compactMap(\.header) }
    var names: [String] { elements.map(\.element.name) }
}

let clientHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.org' version='1.0'>"
let serverHeader = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='example.org' id='s1' version='1.0'>"
