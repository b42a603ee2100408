/// Byte-array helpers for the framer.
extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }

    func editDistance(to other: [UInt8]) -> Int {
        var previous = Array<Int>(0...other.count)
        for (i, a) in enumerated() {
            var current = [i + 1]
            for (j, b) in other.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1)))
            }
            previous = current
        }
        return previous[other.count]
    }

    func isTransposition(of other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        let differing = indices.filter { self[$0] != other[$0] }
        return differing.count == 2 && differing[1] == differing[0] + 1
            && self[differing[0]] == other[differing[1]] && self[differing[1]] == other[differing[0]]
    }
}
