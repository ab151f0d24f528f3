/// The model a calculator sizes: a `model` (a path or id), a bundled `example` config, or a bare parameter count
/// (`params`) with as much architecture as the user knows. Requests embed it, so its fields are theirs.
public struct ModelSpec: Sendable, Equatable {
    /// A SOURCE: a file, a folder, `ORG/NAME`, `ollama:NAME`, … (the command line), or an id under the served
    /// folders (the web app).
    public var model: String?
    /// A bundled config.json by name (see ``ExampleConfigs``).
    public var example: String?
    /// A parameter count, instead of a model or to replace the count of a config Heft has no formula for.
    public var params: Int?
    public var layers: Int?
    public var hidden: Int?
    public var heads: Int?
    public var kvHeads: Int?
    public var headDim: Int?
    public var vocab: Int?
    public var ffn: Int?
    public var maxContext: Int?

    public init() {}

    /// The largest parameter count any field accepts: 10¹⁵.
    public static let maximumParameters = 1_000_000_000_000_000

    public static let fields: [RequestField<ModelSpec>] = [
        .text("model", \.model, "The model: a file, a folder, ORG/NAME, ollama:NAME or lmstudio:NAME."),
        .text("example", \.example, examples: ExampleConfigs.names, "A bundled config.json by name, instead of a model."),
        .integer(
            "params", \.params, 1...maximumParameters, "A parameter count (7B, 350M, 7e9): instead of a model, or for a config without a formula."),
        .integer("layers", \.layers, 1...16_384, "Layers (with params)."),
        .integer("hidden", \.hidden, 1...1_048_576, "Hidden size (with params)."),
        .integer("heads", \.heads, 1...65_536, "Attention heads (with params)."),
        .integer("kvHeads", \.kvHeads, 1...65_536, "Key/value heads (with params; default: heads)."),
        .integer("headDim", \.headDim, 1...65_536, "Head dimension (with params; default: hidden ÷ heads)."),
        .integer("vocab", \.vocab, 1...(1 << 31), "Vocabulary size (with params)."),
        .integer("ffn", \.ffn, 1...(1 << 24), "Feed-forward size (with params)."),
        .tokens("maxContext", \.maxContext, 1...(1 << 26), "The model's trained context length (with params)."),
    ]

    /// Whether the spec names any model at all.
    public var isEmpty: Bool { model == nil && example == nil && params == nil }

    /// What a request embedding a model spec needs: a model, an example or a count, and not a model and an example.
    public static let required = ["model", "example", "params"]
    public static let exclusive = ["model", "example"]

    /// Checks that the architecture's numbers agree with each other (presence is the request's groups).
    public func validate() throws(EstimateError) {
        if let hidden, let heads, headDim == nil, hidden % heads != 0 {
            throw EstimateError(field: "headDim", "hidden \(hidden) is not divisible by heads \(heads): give headDim", refused: true)
        }
        if let heads, let kvHeads, kvHeads > heads || heads % kvHeads != 0 {
            throw EstimateError(field: "kvHeads", "\(kvHeads) key/value heads must divide the \(heads) attention heads", refused: true)
        }
    }

    /// The profile of the model the spec names.
    public func profile(with models: any ModelResolver) async throws -> ModelProfile {
        guard !isEmpty else { throw EstimateError(field: "model", "is required: give model, example or params") }
        try validate()
        if let model { return try await models.profile(model, parameters: params) }
        if let example { return try ExampleConfigs.profile(example, parameters: params) }
        let architecture = Architecture.bare(
            layers: layers, hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: headDim, vocab: vocab, ffn: ffn, context: maxContext)
        return ModelProfile.bare(parameters: params ?? 1, architecture: architecture)
    }
}
