/// The page template (`ReportAssets.html`) cut at its `{{MARKER}}`s once, filled per page.
struct ReportTemplate: Sendable {
    /// What goes where a marker stands.
    enum Marker: String, Sendable, CaseIterable {
        case title = "TITLE"
        case generator = "GENERATOR"
        case contentSecurityPolicy = "CSP"
        case style = "STYLE"
        case script = "SCRIPT"
        case configuration = "CONFIG"
        case namespaces = "NAMESPACES"
        case records = "RECORDS"
    }

    /// A run of the template's own text, or a marker.
    enum Piece: Sendable {
        case text([UInt8])
        case marker(Marker)
    }

    let pieces: [Piece]

    /// The report page's template.
    static let page = ReportTemplate(ReportAssets.html)

    /// Cuts `text` at each `{{NAME}}` whose NAME is a ``Marker``; other braces stay text.
    init(_ text: String) {
        var pieces: [Piece] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}"),
                  let marker = Marker(rawValue: String(rest[open.upperBound..<close.lowerBound])) else {
                pieces.append(.text(Array(rest[..<open.upperBound].utf8)))
                rest = rest[open.upperBound...]
                continue
            }
            pieces.append(.text(Array(rest[..<open.lowerBound].utf8)))
            pieces.append(.marker(marker))
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(Array(rest.utf8)))
        self.pieces = pieces
    }

    /// The template with each marker replaced by what `fill` appends for it.
    func fill(_ fill: (Marker, inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        for piece in pieces {
            switch piece {
            case .text(let bytes): out.append(contentsOf: bytes)
            case .marker(let marker): fill(marker, &out)
            }
        }
        return out
    }
}
