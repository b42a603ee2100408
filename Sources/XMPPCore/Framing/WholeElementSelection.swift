/// The top-level elements a framer with ``XMLFramer/Content/topLevel`` builds whole all the
/// same, chosen at their start tag: those its reader needs whole anyway, which it would
/// otherwise parse a second time (``FramedElement/completeElement(using:)``, about as much work
/// again as framing them). Everything else is still built only to its top. A class: the framer
/// asks it at every top-level element, and a struct's arrays were retained for each question.
public final class WholeElementSelection: Sendable {
    /// Elements whose `type` attribute (no prefix) is `error` as libxml2 reports it (character
    /// references replaced): what the record's type will read.
    private let errorType: Bool

    /// Every name and namespace of the selection, NUL-terminated, one after the other: compared
    /// as bytes with libxml2's interned names, since every top-level element is asked (a
    /// `String` comparison each cost several times as much).
    private let table: [UInt8]
    /// Per name selected: where it and its namespace begin in `table` (-1: any namespace).
    private let nameOffsets: [(name: Int, namespace: Int)]
    /// Per namespace selected: where it begins in `table`.
    private let namespaceOffsets: [Int]
    /// The first bytes of the names and of the namespaces: most elements (`iq`, `message`,
    /// `presence` in `jabber:client`) begin with neither, and are passed over on one look each.
    private let nameStarts: ByteSet
    private let namespaceStarts: ByteSet

    /// A selection of the elements whose `type` is `error` (`errorType`), those with one of
    /// `names` (in the namespace given with it, or any for nil), and those in one of `namespaces`.
    public init(errorType: Bool = false, names: [(name: String, namespace: String?)] = [], namespaces: [String] = []) {
        self.errorType = errorType
        var table: [UInt8] = []
        func add(_ string: String) -> Int {
            defer { table.append(contentsOf: string.utf8); table.append(0) }
            return table.count
        }
        nameOffsets = names.map { (add($0.name), $0.namespace.map(add) ?? -1) }
        namespaceOffsets = namespaces.map(add)
        self.table = table
        nameStarts = ByteSet(names.map { $0.name.utf8.first ?? 0 })
        namespaceStarts = ByteSet(namespaces.map { $0.utf8.first ?? 0 })
    }

    /// None: every element is built to its top only.
    public static let none = WholeElementSelection()

    /// Whether the element `tag` opens is built whole. `errorType`: whether its `type` is
    /// `error`, when the caller already knows (``PackedAttributes/pack(count:groups:into:)``);
    /// nil to look.
    func selects(_ tag: StartTag, errorType isError: Bool?) -> Bool {
        if errorType && (isError ?? tag.hasUnprefixedAttribute("type", equalTo: "error")) { return true }
        let localName = tag.localName, uri = tag.uri
        let nameMayMatch = localName.map { nameStarts.contains($0[0]) } ?? false
        let namespaceMayMatch = uri.map { namespaceStarts.contains($0[0]) } ?? false
        guard nameMayMatch || namespaceMayMatch else { return false }
        return table.withUnsafeBufferPointer { table in
            if nameMayMatch, let localName {
                for (name, namespace) in nameOffsets where Self.same(localName, table, at: name) {
                    if namespace < 0 { return true }
                    if let uri, Self.same(uri, table, at: namespace) { return true }
                }
            }
            guard namespaceMayMatch, let uri else { return false }
            for namespace in namespaceOffsets where Self.same(uri, table, at: namespace) { return true }
            return false
        }
    }

    /// Whether the NUL-terminated `string` is the one at `offset` in `table`.
    private static func same(_ string: UnsafePointer<UInt8>, _ table: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        var index = 0
        while true {
            let byte = string[index]
            guard byte == table[offset + index] else { return false }
            if byte == 0 { return true }
            index += 1
        }
    }
}
