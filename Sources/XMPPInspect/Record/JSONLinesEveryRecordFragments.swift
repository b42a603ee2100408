/// The ``JSONLinesFragment``s (nearly) every record writes, held by one object: the writer takes
/// it once a record and reads them as stored properties, with no check that a static was made.
final class JSONLinesEveryRecordFragments: Sendable {
    static let shared = JSONLinesEveryRecordFragments()

    let open = JSONLinesFragment.open
    let timestamp = JSONLinesFragment.timestamp
    let connection = JSONLinesFragment.connection
    let direction = JSONLinesFragment.direction
    let event = JSONLinesFragment.event
    let transport = JSONLinesFragment.transport
    let kind = JSONLinesFragment.kind
    let type = JSONLinesFragment.type
    let id = JSONLinesFragment.id
    let from = JSONLinesFragment.from
    let to = JSONLinesFragment.to
    let namespaces = JSONLinesFragment.namespaces
    let size = JSONLinesFragment.size
    let offset = JSONLinesFragment.offset
    let xml = JSONLinesFragment.xml

    private init() {}
}
