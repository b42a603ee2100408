extension Collection where Element: Equatable {
    /// The Levenshtein distance to `other`: the fewest single-element insertions, deletions and
    /// substitutions that turn this collection into it (on Strings, Characters are the elements).
    public func editDistance<Other: Collection>(to other: Other) -> Int where Other.Element == Element {
        let target = Array(other)
        var previous = Array(0...target.count)
        var current = previous
        for (i, element) in enumerated() {
            current[0] = i + 1
            for j in target.indices {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (element == target[j] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[target.count]
    }
}
