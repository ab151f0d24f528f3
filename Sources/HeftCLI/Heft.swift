import ArgumentParser
import HeftBuildInfo

/// The `heft` command: what a model weighs, and how to make it lighter.
@main
struct Heft: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heft",
        abstract: "Tells exactly what a model weighs: parameters by kind and location, storage, and size.",
        version: Heft.version,
        subcommands: [Inspect.self, Memory.self, Compare.self, Plan.self, Advise.self, Stats.self, List.self, Serve.self]
    )
}

extension Heft {
    /// The release this source tree is.
    static let release = "0.2.0"

    /// `heft --version`: the release and the commit the binary was built from (`Scripts/install.sh` records
    /// it; a plain `swift build` says so instead).
    static var version: String {
        let commit = heft_build_commit().map { String(cString: $0) }
        return "heft \(release) (" + (commit.map { "commit \($0)" } ?? "development build, no commit recorded") + ")"
    }
}
