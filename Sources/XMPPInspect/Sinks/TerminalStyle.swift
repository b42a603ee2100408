/// Terminal styles; empty strings when colour is off.
public struct TerminalStyle: Sendable {
    public var reset = "", dim = "", bold = "", red = "", green = "", yellow = "", blue = "", magenta = "", cyan = ""

    /// ANSI colours.
    public static let ansi = TerminalStyle(
        reset: "\u{1B}[0m", dim: "\u{1B}[2m", bold: "\u{1B}[1m", red: "\u{1B}[31m", green: "\u{1B}[32m",
        yellow: "\u{1B}[33m", blue: "\u{1B}[34m", magenta: "\u{1B}[35m", cyan: "\u{1B}[36m"
    )
    /// No colour.
    public static let plain = TerminalStyle()
}
