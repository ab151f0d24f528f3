import ArgumentParser
import HeftKit
import HeftRemote

extension Heft {
    /// `heft ls`: every model in the Hugging Face cache, Ollama, LM Studio and the given folders.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List the models on this machine, or the model files of a Hugging Face Hub repository.",
            discussion: """
                Without REPOSITORY: looks in $HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub),
                $OLLAMA_MODELS (else ~/.ollama/models) and LM Studio's models folder, reading headers only, with no
                network. With ORG/NAME[@REVISION]: asks the Hub ($HF_ENDPOINT) for the repository's files at that
                revision, with their sizes, the quantization each GGUF's name carries, and the name that reads it.
                """
        )

        @Argument(help: "A Hugging Face Hub repository, ORG/NAME[@REVISION], to list instead of this machine's models.")
        var repository: String?

        @Option(name: .customLong("models"), help: "Also list the models in this folder (repeatable).", completion: .directory)
        var directories: [String] = []

        @Flag(help: "Print JSON: {models: [{name, source, path, format, parameters, bytes, quantization, fileType, modelName, complete, error}]}.")
        var json = false

        func run() async throws {
            if let repository {
                try await listRemote(repository)
                return
            }
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
            // The name a model's metadata gives it, when any does: a file name often hides it.
            let named = models.contains { $0.modelName != nil }
            var table = TextTable(
                header: ["Model"] + (named ? ["name"] : []) + ["where", "format", "parameters", "size", "quantization", "status"],
                rightAligned: named ? [4, 5] : [3, 4])
            for model in models {
                table.add(
                    [model.name] + (named ? [model.modelName ?? "-"] : []) + [
                        model.source, model.format ?? "-",
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

        private func listRemote(_ text: String) async throws {
            guard case .hub(let hub)? = try RemoteName.parse(text.hasPrefix("hf:") ? text : "hf:" + text), hub.path == nil, hub.quantization == nil
            else {
                throw CommandFailure(message: "ls: '\(text)' is not a Hub repository ORG/NAME[@REVISION]", isUsageError: true)
            }
            let listing = try await RemoteReader().listing(hub)
            if json {
                print(try JSONOutput.encode(listing))
                return
            }
            print(
                "\(listing.repository) at \(listing.revision) (commit \(listing.commit.prefix(12))): \(listing.files.count) model files, \(Formatting.decimalSize(listing.totalBytes))"
            )
            guard !listing.files.isEmpty else { return }
            var table = TextTable(header: ["File", "format", "size", "quantization", "read it as"], rightAligned: [2])
            for file in listing.files {
                table.add([file.path, file.format, file.bytes.map(Formatting.decimalSize) ?? "-", file.quantization ?? "-", file.name])
            }
            print(table.render(indent: ""))
        }
    }
}
