import ArgumentParser
import Foundation
import HeftKit
import HeftRemote

/// The model a calculator sizes: a SOURCE, a bundled example, or `--params` with architecture flags. Maps into
/// the request's ``ModelSpec``; bounds and combinations are checked there.
struct ModelOptions: ParsableArguments {
    @Argument(help: ArgumentHelp(Self.help("model")), completion: .file()) var model: String?
    @Option(help: ArgumentHelp(Self.help("example"))) var example: String?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("params")), transform: Value.whole) var params: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("layers")), transform: Value.whole) var layers: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("hidden")), transform: Value.whole) var hidden: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("heads")), transform: Value.whole) var heads: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("kvHeads")), transform: Value.whole) var kvHeads: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("headDim")), transform: Value.whole) var headDim: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("vocab")), transform: Value.whole) var vocab: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("ffn")), transform: Value.whole) var ffn: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp(Self.help("maxContext")), transform: Value.whole) var maxContext: Int?

    private static func help(_ name: String) -> String { ModelSpec.fields.help(name, defaults: ModelSpec()) }

    var spec: ModelSpec {
        var spec = ModelSpec()
        spec.model = model
        spec.example = example
        spec.params = params
        spec.layers = layers
        spec.hidden = hidden
        spec.heads = heads
        spec.kvHeads = kvHeads
        spec.headDim = headDim
        spec.vocab = vocab
        spec.ffn = ffn
        spec.maxContext = maxContext
        return spec
    }
}

/// Output options every calculator shares.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the answer as JSON (the same document the web app's API returns, without charts).") var json = false
    @Option(help: "Also write the answer's charts as one SVG file.", completion: .file()) var svg: String?
    @Flag(help: "Use no network: read only models on this machine (as HF_HUB_OFFLINE=1 does).") var offline = false

    func validate() throws {
        // Remote reading takes its settings from the environment, where HF_HUB_OFFLINE lives too.
        if offline { setenv("HF_HUB_OFFLINE", "1", 1) }
    }

    /// Prints `output` as JSON or as `text`, and writes its charts when asked.
    func print<Output: Presentable>(_ output: Output, text: (Output) -> String) throws {
        if let svg {
            let charts = output.charts.sorted { $0.key < $1.key }.map(\.value)
            guard !charts.isEmpty else { throw CommandFailure(message: "--svg: this answer has no chart", isUsageError: true) }
            try writeText(Charts.stack(charts) + "\n", to: svg)
        }
        Swift.print(json ? try JSONOutput.encode(output.document) : text(output))
    }
}

/// Runs a request the way every command does: validated by the request, computed over the models on this machine
/// or, for a name not found here, from its remote headers.
func answer<Query: Calculator>(_ query: Query) async throws -> Query.Output {
    try await query.run(with: RemoteModels())
}

/// Sets the text-valued field `name` (a precision, a GPU, LoRA targets) through the request's own parser, so that
/// an unknown name gets the same message, with suggestions, as in the web app.
func setText<Query: Calculator>(_ query: inout Query, _ name: String, _ text: String?) throws {
    if let text { try query.set(name, .text(text)) }
}

/// JSON output: sorted keys so that documents diff cleanly and stay stable.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Writes `text` to `path`, as one clear error on failure.
func writeText(_ text: String, to path: String) throws {
    guard let file = fopen(path, "w") else { throw CommandFailure(message: "\(path): cannot write the file") }
    defer { fclose(file) }
    fputs(text, file)
}

/// Whether `path` exists, and whether it is a folder.
func directoryExists(_ path: String, _ isDirectory: inout Bool) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
    return true
}
