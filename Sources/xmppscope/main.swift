#if canImport(Glibc)
import Glibc
#endif

// What `XMPPScope.main()` does, with the one place a `CommandFailure` is reported: its message on
// standard error, its exit status. Everything else (help, usage errors, `ExitCode`) goes to
// argument-parser as before.
do {
    var command = try XMPPScope.parseAsRoot()
    try command.run()
} catch let failure as CommandFailure {
    FileHandleStandardError.write(failure.message + "\n")
    exit(failure.exitStatus)
} catch {
    XMPPScope.exit(withError: error)
}
