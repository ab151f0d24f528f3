public import HeftFormats

/// The architecture and exact parameter count a `config.json` describes.
public struct ConfigArchitecture: Sendable {
    public let architecture: Architecture
    /// The exact count from the family formula, or `nil` for a family Heft has no formula for.
    public let formula: FormulaCount?
    /// The packing of a quantized checkpoint, from `quantization_config`.
    public let packing: QuantizationPacking?
    public let warnings: [String]

    /// Reads the architecture from `config`. Throws on wrong types and impossible values, naming the key.
    public init(config: ConfigReader) throws(FormatError) {
        var architecture = Architecture(source: .config)
        architecture.modelType = config.modelType
        architecture.architectureClass = config.architectureClass
        let family = config.modelType.flatMap(Family.init(modelType:))
        architecture.family = family
        let hidden = try config.int("hidden_size", "n_embd", "d_model", "dim", maximum: 1 << 20)
        let heads = try config.int("num_attention_heads", "n_head", "num_heads", "n_heads", maximum: 1 << 16)
        architecture.hiddenSize = hidden
        architecture.layers = try config.int("num_hidden_layers", "n_layer", "num_layers", "n_layers", maximum: 1 << 12)
        architecture.heads = heads
        architecture.vocabSize = try config.int("vocab_size", "n_vocab", "padded_vocab_size", maximum: 1 << 31)
        architecture.ffnSize = try config.int(
            "intermediate_size", "n_inner", "d_ff", "ffn_dim", "ffn_hidden_size", "hidden_dim", maximum: 1 << 24
        )
        architecture.expertFFNSize = try config.int("moe_intermediate_size", maximum: 1 << 24)
        architecture.contextLength = try config.int(
            "max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length", "seq_length", maximum: 1 << 34
        )
        var kvHeads = try config.int("num_key_value_heads", "num_kv_heads", "n_head_kv", maximum: 1 << 16)
        let falconNewArchitecture = try config.bool("new_decoder_architecture") ?? false
        if family == .falcon, kvHeads == nil || !falconNewArchitecture {
            let multiQuery = try config.bool("multi_query") ?? true
            kvHeads = multiQuery ? 1 : heads
        }
        architecture.kvHeads = kvHeads ?? heads
        if let heads, let kv = architecture.kvHeads, heads % kv != 0 {
            throw FormatError(
                file: config.path, field: "num_key_value_heads", rule: .configValue,
                detail: "\(heads) attention heads are not a multiple of \(kv) KV heads")
        }
        if let explicit = try config.int("head_dim", "d_kv", "kv_channels", maximum: 1 << 16) {
            architecture.headDim = explicit
        } else if let hidden, let heads {
            guard hidden % heads == 0 else {
                throw FormatError(
                    file: config.path, field: "num_attention_heads", rule: .configValue,
                    detail: "hidden size \(hidden) is not divisible by \(heads) heads and no head_dim is given")
            }
            architecture.headDim = hidden / heads
        }
        architecture.experts = try config.int("num_local_experts", "num_experts", "n_routed_experts", "moe_num_experts", maximum: 1 << 12)
        architecture.expertsPerToken = try config.int("num_experts_per_tok", "moe_top_k", "num_experts_per_token", maximum: 1 << 16)
        if let experts = architecture.experts, let perToken = architecture.expertsPerToken, perToken > experts {
            throw FormatError(
                file: config.path, field: "num_experts_per_tok", rule: .configValue,
                detail: "\(perToken) experts per token exceed the \(experts) experts")
        }
        if (try config.bool("use_sliding_window")) != false {
            architecture.slidingWindow = try config.int("sliding_window", maximum: 1 << 34)
        }
        let tied = try config.bool("tie_word_embeddings")
        architecture.tiedEmbeddings = family == .gemma ? true : tied ?? family?.tiedByDefault
        self.architecture = architecture
        self.packing = QuantizationPacking.from(config: config.root)

        var warnings: [String] = []
        if let family {
            self.formula = try ParameterFormula.count(family: family, architecture: architecture, config: config)
        } else {
            self.formula = nil
            let name = config.modelType.map { "'\($0)'" } ?? "(no model_type)"
            warnings.append("unknown architecture \(name): Heft has no parameter formula for it; counts come from tensors only")
        }
        self.warnings = warnings
    }
}
