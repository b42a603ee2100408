/// Byte-array helpers for the framer.
extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }

    func isTransposition(of other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        let differing = indices.filter { self[$0] != other[$0] }
        return differing.count == 2 && differing[1] == differing[0] + 1
            && self[differing[0]] == other[differing[1]] && self[differing[1]] == other[differing[0]]
    }
}
