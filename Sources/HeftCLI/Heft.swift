import ArgumentParser

/// The `heft` command: what a model weighs, and how to make it lighter.
@main
struct Heft: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heft",
        abstract: "Tells exactly what a model weighs: parameters by kind and location, storage, and size.",
        version: "0.1.0",
        subcommands: [Inspect.self, Memory.self, Plan.self, Advise.self, Stats.self, List.self, Serve.self]
    )
}
