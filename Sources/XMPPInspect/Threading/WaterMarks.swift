/// How much may wait in a ``HandOffThread`` (in the cost its consumer gives each item): past
/// `high` the producer is held back, until the consumer has brought what waits down to `low`.
public struct WaterMarks: Sendable, Hashable {
    public var high: Int
    public var low: Int

    public init(high: Int, low: Int) {
        precondition(0 <= low && low <= high, "water marks need 0 <= low <= high, not low \(low), high \(high)")
        self.high = high
        self.low = low
    }
}
