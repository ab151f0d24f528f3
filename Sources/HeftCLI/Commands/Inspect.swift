import ArgumentParser
import HeftKit

extension Heft {
    /// `heft inspect SOURCE`: read headers, explain every parameter.
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: InspectQuery.summary,
            discussion: """
                SOURCE is a .safetensors file, a model.safetensors.index.json, a .gguf file (any shard of a split
                model), a config.json, or a directory holding them. Only headers are read.
                """
        )

        @Argument(help: ArgumentHelp(InspectQuery.help("model")), completion: .file()) var model: String
        @Flag(help: ArgumentHelp(InspectQuery.help("allTensors"))) var allTensors = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = InspectQuery()
            query.model = model
            // The text report lists tensors (folded unless --all-tensors); JSON carries them only when asked.
            query.allTensors = allTensors || !output.json
            let report = try await answer(query)
            try output.print(report) { TextReport($0, allTensors: allTensors).render() }
        }
    }
}
