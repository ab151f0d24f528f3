import ArgumentParser
import Foundation
import HeftFormats
import HeftKit

/// A model to plan for: a SOURCE (path, repo id, ollama:NAME…) or a bare `--params` count with architecture flags.
struct ModelOptions: ParsableArguments {
    @Argument(help: "The model: a file, directory, ORG/NAME, ollama:NAME or lmstudio:NAME (omit with --params).", completion: .file())
    var source: String?

    @Option(help: "A parameter count (7e9, 7B, 350M): instead of a SOURCE, or for a config.json Heft has no formula for.")
    var params: String?
    @Option(parsing: .unconditional, help: "Layers (with --params).") var layers: Int?
    @Option(parsing: .unconditional, help: "Hidden size (with --params).") var hidden: Int?
    @Option(parsing: .unconditional, help: "Attention heads (with --params).") var heads: Int?
    @Option(parsing: .unconditional, help: "KV heads (with --params; default: heads).") var kvHeads: Int?
    @Option(parsing: .unconditional, help: "Head dimension (with --params; default: hidden / heads).") var headDim: Int?
    @Option(parsing: .unconditional, help: "Vocabulary size (with --params).") var vocab: Int?
    @Option(parsing: .unconditional, help: "FFN size (with --params).") var ffn: Int?

    func validate() throws {
        guard source != nil || params != nil else { throw ValidationError("give a SOURCE, or --params with the architecture flags") }
        if let params { _ = try Self.parseCount(params, flag: "--params") }
        for (name, value) in [
            ("--layers", layers), ("--hidden", hidden), ("--heads", heads), ("--kv-heads", kvHeads), ("--head-dim", headDim), ("--vocab", vocab),
            ("--ffn", ffn),
        ] {
            if let value { guard value >= 1, value <= 1 << 31 else { throw ValidationError("\(name) must be between 1 and 2147483648") } }
        }
        if let hidden, let heads, headDim == nil, hidden % heads != 0 {
            throw ValidationError("--hidden \(hidden) is not divisible by --heads \(heads); give --head-dim")
        }
    }

    /// `7e9`, `7000000000`, `7B`, `350M`.
    static func parseCount(_ text: String, flag: String) throws -> Int {
        var body = text.uppercased()
        var scale = 1.0
        if let last = body.last, let factor = ["K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12][last] {
            scale = factor
            body.removeLast()
        }
        guard let value = Double(body), value.isFinite, value * scale >= 1, value * scale <= 1e15 else {
            throw ValidationError("\(flag): '\(text)' is not a count between 1 and 10^15")
        }
        return Int((value * scale).rounded())
    }

    func profile() throws -> ModelProfile {
        let count = try params.map { try Self.parseCount($0, flag: "--params") }
        if let source { return try ModelProfile.open(source, parameters: count) }
        let architecture = Architecture.bare(layers: layers, hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: headDim, vocab: vocab, ffn: ffn)
        return ModelProfile.bare(parameters: count ?? 1, architecture: architecture)
    }
}

/// `--budget 6GB` and friends.
func parseSize(_ text: String?, flag: String) throws -> Int? {
    guard let text else { return nil }
    guard let bytes = SizeParser.bytes(text) else { throw ValidationError("\(flag): '\(text)' is not a size such as 6GB, 6GiB or 6e9") }
    return bytes
}

/// Whether `path` exists, and whether it is a folder.
func directoryExists(_ path: String, _ isDirectory: inout Bool) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
    return true
}
