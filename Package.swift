// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // The framer and log writer are single-threaded hot paths; the dynamic exclusivity checks
    // on their class properties cost ~5% of a replay. Debug builds (and tests) keep them.
    // Cross-module optimization lets the records stage inline and specialise what it calls in
    // XMPPCore and XMPPBase (3% fewer instructions on the records thread of a replay).
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "xmppscope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "xmppscope", targets: ["xmppscope"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C libraries, each behind one system-library module that only its wrapper imports.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CPcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CResolv", providers: [.apt(["libc6-dev"])]),
        .systemLibrary(name: "CMalloc", providers: [.apt(["libc6-dev"])]),

        // Values every stage shares (time, direction), with no C library behind them.
        .target(name: "XMPPBase", swiftSettings: swiftSettings),
        // Captures through libpcap: link/IP/TCP decoding (Source/), TCP reassembly (Reassembly/).
        .target(name: "XMPPCapture", dependencies: ["CPcap", "XMPPBase"], swiftSettings: swiftSettings),
        // The layers between TCP bytes and XML (the STARTTLS hand-off; next TLS, HTTP, WebSocket,
        // BOSH): plain types, bytes and time per direction in, bytes and events out, no I/O.
        // TLS is decrypted from key logs with swift-crypto's ciphers (AES-CBC from _CryptoExtras);
        // certificates are read with swift-certificates.
        .target(
            name: "XMPPTransport",
            dependencies: [
                "XMPPBase", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                // HTTP/1.1 and WebSocket read passively (Web/) with NIO's own parsers.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The element model (Element/), XML framing over libxml2 (Framing/), namespace and condition tables (Tables/).
        .target(name: "XMPPCore", dependencies: ["CLibXML2", "XMPPBase", "XMPPTransport"], swiftSettings: swiftSettings),
        // Sessions, iq tracking, records, JSON Lines, the pretty printer, summaries.
        .target(
            name: "XMPPInspect",
            dependencies: [
                "XMPPBase", "XMPPCore", "XMPPCapture", "XMPPTransport",
                .product(name: "Logging", package: "swift-log"),
                // SHA-1/256/512 for the XEP-0474 downgrade-protection hash (check ssdp-mismatch).
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The man-in-the-middle proxy: its CA, the stream-phase state machine, the relay.
        .target(
            name: "XMPPProxy",
            dependencies: [
                "XMPPInspect", "XMPPBase", "XMPPCore", "XMPPCapture", "XMPPTransport", "CResolv",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                // The web proxy (Web/): HTTP/1.1 and WebSocket codecs on both legs.
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTML report and the live view: one self-contained page (Assets/, compiled in by
        // scripts/embed-report-assets.py), its records inline or served live.
        .target(
            name: "XMPPReport",
            dependencies: [
                "XMPPInspect", "XMPPBase", "XMPPCore",
                // The live view's server (Live/): server-sent events over NIO's HTTP/1.1 codec.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            exclude: ["Assets"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xmppscope",
            dependencies: [
                "XMPPInspect", "XMPPBase", "XMPPCore", "XMPPCapture", "XMPPTransport", "XMPPProxy", "XMPPReport", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            // `xmppscope --version` names the commit it was built from (GitCommit.swift, generated).
            plugins: ["GitCommit"]
        ),
        // Runs git before each build (/bin/sh, no tool built from source); see the plugin's comment.
        .plugin(name: "GitCommit", capability: .buildTool()),

        .testTarget(name: "XMPPCoreTests", dependencies: ["XMPPCore", "XMPPBase"], exclude: ["FuzzInputs"], swiftSettings: swiftSettings),
        .testTarget(name: "XMPPBaseTests", dependencies: ["XMPPBase"], swiftSettings: swiftSettings),
        .testTarget(
            name: "XMPPTransportTests",
            dependencies: [
                "XMPPTransport", "XMPPBase",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "XMPPCaptureTests", dependencies: ["XMPPCapture", "XMPPBase"], swiftSettings: swiftSettings),
        .testTarget(
            name: "XMPPProxyTests",
            dependencies: [
                "XMPPProxy", "XMPPBase", "XMPPCore", "XMPPInspect", "XMPPTransport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XMPPInspectTests",
            dependencies: ["XMPPInspect", "XMPPBase", "XMPPCore", "XMPPCapture", "XMPPTransport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XMPPReportTests",
            dependencies: [
                "XMPPReport", "XMPPInspect", "XMPPBase", "XMPPCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Real captures and real peers: ../shared/captures-public, tshark, the project's own captures.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["XMPPInspect", "XMPPBase", "XMPPCore", "XMPPCapture", "XMPPReport"],
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets (Fuzz/, run by scripts/fuzz.sh), defined only when XMPPSCOPE_FUZZ is set so
// normal builds and `swift test` never see them. Build one with a scratch path of its own:
//   XMPPSCOPE_FUZZ=1 swift build --scratch-path .build-fuzz --product FuzzFramer -Xswiftc -sanitize=fuzzer,address
if Context.environment["XMPPSCOPE_FUZZ"] != nil {
    let fuzzSettings = swiftSettings + [.unsafeFlags(["-parse-as-library"])]
    package.targets += [
        .target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"], path: "Fuzz/FuzzSupport", swiftSettings: swiftSettings),
        .executableTarget(name: "FuzzFramer", dependencies: ["FuzzSupport", "XMPPBase", "XMPPCore"],
                          path: "Fuzz/FuzzFramer", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzPcap", dependencies: ["FuzzSupport", "XMPPBase", "XMPPCore", "XMPPCapture", "XMPPInspect"],
                          path: "Fuzz/FuzzPcap", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzFilter", dependencies: ["FuzzSupport", "XMPPBase", "XMPPCore", "XMPPInspect"],
                          path: "Fuzz/FuzzFilter", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzKeyLog", dependencies: ["FuzzSupport", "XMPPTransport"],
                          path: "Fuzz/FuzzKeyLog", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzJSONL", dependencies: ["FuzzSupport", "XMPPBase", "XMPPCore", "XMPPInspect"],
                          path: "Fuzz/FuzzJSONL", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzTLS", dependencies: ["FuzzSupport", "XMPPBase", "XMPPTransport"],
                          path: "Fuzz/FuzzTLS", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzChecks", dependencies: ["FuzzSupport", "XMPPBase", "XMPPCore", "XMPPInspect"],
                          path: "Fuzz/FuzzChecks", swiftSettings: fuzzSettings),
        .executableTarget(name: "FuzzWeb", dependencies: ["FuzzSupport", "XMPPBase", "XMPPTransport"],
                          path: "Fuzz/FuzzWeb", swiftSettings: fuzzSettings),
    ]
    package.products += ["FuzzFramer", "FuzzPcap", "FuzzFilter", "FuzzJSONL", "FuzzKeyLog", "FuzzTLS", "FuzzChecks", "FuzzWeb"].map { .executable(name: $0, targets: [$0]) }
}
