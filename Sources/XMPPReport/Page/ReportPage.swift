import XMPPCore
import XMPPInspect

/// One self-contained HTML page showing a session: the page, its style and script inline, and the
/// records as JSON Lines (docs/log-format.md) in a `<script type="application/x-ndjson">` block.
/// The same input gives the same bytes.
public struct ReportPage: Sendable {
    /// Shown as the page's title and heading (the input's name, say).
    public var title: String
    /// What wrote the page, in its `generator` meta tag: `xmppscope 0.13.0 (abc1234)`.
    public var generator: String
    public var mode: ReportMode

    public init(title: String, generator: String, mode: ReportMode = .file) {
        self.title = title
        self.generator = generator
        self.mode = mode
    }

    /// The page, holding `recordLines` (JSON Lines, one record a line, as `JSONLinesWriter`
    /// writes them; none for the live view) and the XSF registry's labels.
    public func render(recordLines: [UInt8] = []) -> [UInt8] {
        ReportTemplate.page.fill { marker, out in
            switch marker {
            case .title: HTMLText.append(title, to: &out)
            case .generator: HTMLText.append(generator, to: &out)
            case .contentSecurityPolicy: out.append(contentsOf: contentSecurityPolicy.utf8)
            case .style: out.append(contentsOf: ReportAssets.css.utf8)
            case .script: out.append(contentsOf: ReportAssets.script.utf8)
            case .configuration: ScriptText.append(configurationJSON, to: &out)
            case .namespaces: ScriptText.append(ReportNamespaceTable.json, to: &out)
            case .records: ScriptText.append(recordLines, to: &out)
            }
        }
    }

    /// The page's Content-Security-Policy (its `<meta>` tag; the live view sends it as a header
    /// too): nothing from elsewhere, inline style and script, and no connection for a file, its
    /// own server live.
    public var contentSecurityPolicy: String {
        let connectSource = switch mode {
        case .file: "'none'"
        case .live: "'self'"
        }
        return "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src " + connectSource
    }

    /// `{"mode":"file","title":…,"generator":…}`, with `"events"` in live mode.
    private var configurationJSON: [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"mode":"#.utf8)
        switch mode {
        case .file:
            JSONLinesWriter.appendString("file", to: &out)
        case .live(let eventsPath):
            JSONLinesWriter.appendString("live", to: &out)
            out.append(contentsOf: #","events":"#.utf8)
            JSONLinesWriter.appendString(eventsPath, to: &out)
        }
        out.append(contentsOf: #","title":"#.utf8)
        JSONLinesWriter.appendString(title, to: &out)
        out.append(contentsOf: #","generator":"#.utf8)
        JSONLinesWriter.appendString(generator, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
