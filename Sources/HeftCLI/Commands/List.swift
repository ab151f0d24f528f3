import ArgumentParser
import HeftKit

extension Heft {
    /// `heft ls`: every model in the Hugging Face cache, Ollama, LM Studio and the given folders.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List the models on this machine: Hugging Face cache, Ollama, LM Studio, and --models folders.",
            discussion: """
                Looks in $HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub), $OLLAMA_MODELS (else
                ~/.ollama/models) and LM Studio's models folder. Reads headers only; never touches the network.
                """
        )

        @Option(name: .customLong("models"), help: "Also list the models in this folder (repeatable).", completion: .directory)
        var directories: [String] = []

        @Flag(help: "Print JSON: {models: [{name, source, path, format, parameters, bytes, quantization, complete, error}]}.")
        var json = false

        func run() throws {
            let models = ModelListing.list(directories: directories)
            if json {
                struct Document: Encodable { let models: [ListedModel] }
                print(try JSONOutput.encode(Document(models: models)))
                return
            }
            guard !models.isEmpty else {
                let locator = ModelLocator()
                print("No models found in \(locator.huggingFaceCache), \(locator.ollamaModels) or \(locator.lmStudioModels).")
                return
            }
            var table = TextTable(header: ["Model", "where", "format", "parameters", "size", "quantization", "status"], rightAligned: [3, 4])
            for model in models {
                table.add([
                    model.name, model.source, model.format ?? "-",
                    model.parameters.map(Formatting.compactCount) ?? "-",
                    model.bytes.map(Formatting.decimalSize) ?? "-",
                    model.quantization ?? "-",
                    model.error == nil ? (model.complete ? "complete" : "partial") : "error",
                ])
            }
            print(table.render(indent: ""))
            let errors = models.filter { $0.error != nil }
            if !errors.isEmpty {
                print("")
                for model in errors { print("- \(model.name): \(model.error ?? "")") }
            }
        }
    }
}
