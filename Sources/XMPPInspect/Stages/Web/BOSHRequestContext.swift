/// A BOSH request waiting for its response on a TCP connection: the session and what the request did.
struct BOSHRequestContext {
    let session: BOSHSession
    let rid: Int?
    let kind: BOSHRequestKind
}
