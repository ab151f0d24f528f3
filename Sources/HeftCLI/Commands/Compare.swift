import ArgumentParser
import HeftKit

extension Heft {
    /// `heft compare A B …`: models side by side.
    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: CompareQuery.summary,
            discussion: "Each MODEL is anything `heft inspect` reads, or example:NAME for a bundled config (2 to 16 models)."
        )
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(CompareQuery.help(name)) }

        @Argument(help: "The models to compare.") var models: [String] = []
        @Option(parsing: .unconditional, help: Self.help("context"), transform: Value.tokens) var context: Int?
        @Option(help: Self.help("gpu")) var gpu: String?
        @Option(help: Self.help("weights")) var weights: String?
        @Option(help: Self.help("engine")) var engine: Engine?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = CompareQuery()
            try setText(&query, "models", models.isEmpty ? nil : models.joined(separator: ","))
            if let context { query.context = context }
            try setText(&query, "gpu", gpu)
            try setText(&query, "weights", weights)
            query.engine = engine
            try output.print(try await answer(query)) { PlanText.compare($0) }
        }
    }
}
