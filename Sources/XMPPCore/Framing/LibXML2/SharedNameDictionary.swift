internal import CLibXML2

/// One libxml2 name dictionary for every parser context a set of framers creates, instead of
/// one per context: the names of XMPP (`message`, `jabber:client`, …) are interned once and stay
/// warm in the cache while a capture's connections interleave, and a context that starts (every
/// stream restart, every web message) creates no dictionary of its own.
///
/// Not thread-safe, like libxml2's dictionaries: every framer given one must be fed on the same
/// thread (the inspector's framing stage). A dictionary only grows; past ``nameLimit`` names the
/// next context starts a new one, and the old one goes with the last context using it (a framer
/// keeps its context between documents only while the dictionary is the current one, and lets
/// go of it at its next document or its end), so memory stays bounded whatever names a stream
/// makes up.
public final class SharedNameDictionary {
    /// Names one dictionary may hold before new contexts get a new one.
    let nameLimit: Int
    private var dictionary: OpaquePointer?
    /// How many dictionaries have been started (for tests).
    private(set) var generation = 0

    public init() { self.nameLimit = 4096 }

    init(nameLimit: Int) { self.nameLimit = nameLimit }

    deinit {
        if let dictionary { xmlDictFree(dictionary) }
    }

    /// Whether a context interning in `dictionary` may go on to a new document: it is the
    /// current dictionary, not yet full.
    func isCurrent(_ dictionary: OpaquePointer?) -> Bool {
        guard let dictionary, dictionary == self.dictionary else { return false }
        return Int(xmlDictSize(dictionary)) < nameLimit
    }

    /// The dictionary a new context should use: the current one, or a new one once it is full.
    func dictionaryForNewContext() -> OpaquePointer? {
        if let dictionary, Int(xmlDictSize(dictionary)) < nameLimit { return dictionary }
        if let dictionary { xmlDictFree(dictionary) }  // contexts still using it hold references
        LibXML2PushParser.initializeLibrary()
        dictionary = xmlDictCreate()
        generation += 1
        return dictionary
    }
}
