import ArgumentParser
import Foundation
import XMPPProxy

/// `xmppscope ca init | show | export`
struct CA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "The interception CA the proxy signs its TLS certificates with (in $XMPPSCOPE_HOME, default ~/.xmppscope).",
        discussion: """
            Clients must trust this CA to talk TLS through the proxy. Trust it on test \
            machines only: whoever holds ca-key.pem can impersonate any server to them.
            """,
        subcommands: [Init.self, Show.self, Export.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .customLong("home"), help: "The folder holding ca.pem and ca-key.pem.")
        var home: String = CertificateAuthority.defaultDirectory
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the CA if there is none; print where it is.")
        @OptionGroup var location: Location

        func run() throws {
            let authority = try withUserError { try CertificateAuthority.loadOrCreate(in: location.home) }
            print("CA certificate: \(authority.certificatePath)")
            print("CA key (0600):  \(authority.keyPath)")
            print("SHA-256:        \(try authority.fingerprint())")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the CA's subject, validity and fingerprint.")
        @OptionGroup var location: Location

        func run() throws {
            let authority = try withUserError { try CertificateAuthority.load(from: location.home) }
            print("subject:     \(authority.certificate.subject)")
            print("valid:       \(authority.certificate.notValidBefore) – \(authority.certificate.notValidAfter)")
            print("SHA-256:     \(try authority.fingerprint())")
            print("certificate: \(authority.certificatePath)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write the CA certificate (not the key) for clients to trust.")
        @OptionGroup var location: Location
        @Option(name: .customLong("pem"), help: "Where to write the certificate, PEM; - for standard output.")
        var pem: String

        func run() throws {
            let authority = try withUserError { try CertificateAuthority.loadOrCreate(in: location.home) }
            let text = try authority.certificatePEM() + "\n"
            if pem == "-" {
                print(text, terminator: "")
            } else {
                do { try text.write(toFile: pem, atomically: true, encoding: .utf8) } catch {
                    throw CommandFailure.cannotWrite(path: pem, reason: error)
                }
            }
        }
    }
}
