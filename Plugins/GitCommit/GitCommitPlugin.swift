import PackagePlugin
import Foundation

/// Writes `GitCommit.swift` into the target before each build: the short commit of the package's
/// git checkout (`cf1ea32`), with `-dirty` when tracked files differ from it, or `unknown` when the
/// sources are not a git checkout of their own (a tarball). The file is rewritten only when its
/// content changes, so an unchanged commit recompiles nothing.
@main
struct GitCommitPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "GitCommit")
        return [
            .prebuildCommand(
                displayName: "Reading the git commit for \(target.name)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", Self.script, "git-commit", context.package.directoryURL.path, output.path],
                environment: ["PATH": "/usr/bin:/bin:/usr/local/bin"],
                outputFilesDirectory: output
            ),
        ]
    }

    /// `sh -c SCRIPT git-commit PACKAGE_DIR OUTPUT_DIR`.
    static let script = #"""
        root=$1 out=$2 commit=unknown
        mkdir -p "$out" || exit 1
        # Only the package's own checkout counts, not a repository that happens to hold the folder.
        if top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) \
            && [ "$(cd "$top" && pwd -P)" = "$(cd "$root" && pwd -P)" ] \
            && hash=$(git -C "$root" rev-parse --short=7 HEAD 2>/dev/null); then
            commit=$hash
            git --no-optional-locks -C "$root" diff --quiet HEAD -- 2>/dev/null || commit="$hash-dirty"
        fi
        text="// Generated before each build by Plugins/GitCommit from \`git rev-parse --short=7 HEAD\`.

        /// The git commit xmppscope was built from: \`cf1ea32\`, \`cf1ea32-dirty\` or \`unknown\`.
        enum GitCommit {
            static let description = \"$commit\"
        }"
        file="$out/GitCommit.swift"
        if [ ! -f "$file" ] || [ "$(cat "$file")" != "$text" ]; then
            printf '%s\n' "$text" >"$file.new" && mv "$file.new" "$file"
        fi
        """#
}
