/// The hello extensions xmppscope reads (IANA TLS ExtensionType values).
enum TLSExtensionType: UInt16 {
    case serverName = 0
    case alpn = 16
    case encryptThenMAC = 22
    case extendedMasterSecret = 23
    case sessionTicket = 35
    case preSharedKey = 41
    case earlyData = 42
    case supportedVersions = 43
    case keyShare = 51
}
