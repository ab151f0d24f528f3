/// A model's shape: what a memory estimate or a plan needs to know beyond its tensors.
///
/// Filled from `config.json`, from GGUF `{arch}.*` metadata, or — when neither exists — from tensor shapes.
/// Fields the source does not state stay `nil`; nothing is guessed silently.
public struct Architecture: Sendable, Hashable, Codable {
    /// Where the values came from.
    public enum Source: String, Sendable, Hashable, Codable {
        case config = "config.json"
        case ggufMetadata = "gguf metadata"
        case tensorShapes = "tensor shapes"
    }

    /// Heft's family when the architecture is one it knows.
    public var family: Family?
    /// The source's own name: `model_type` or `general.architecture`.
    public var modelType: String?
    /// `architectures[0]` in config.json (`LlamaForCausalLM`).
    public var architectureClass: String?
    public var source: Source
    public var layers: Int?
    public var hiddenSize: Int?
    public var heads: Int?
    public var kvHeads: Int?
    /// Per-head size; an explicit `head_dim` wins over hidden / heads (Gemma-7B: 256, not 3072 / 16).
    public var headDim: Int?
    public var ffnSize: Int?
    /// One expert's feed-forward width when it differs from ``ffnSize`` (GGUF `expert_feed_forward_length`,
    /// config `moe_intermediate_size`): the width an MoE token runs through, `expertsPerToken` times.
    public var expertFFNSize: Int?
    public var vocabSize: Int?

    /// The feed-forward width one token runs through: an expert's width × experts per token for a mixture of
    /// experts, else the dense width (4 × hidden when unstated).
    public var activeFFNSize: Int {
        let dense = ffnSize ?? 4 * (hiddenSize ?? 0)
        guard let perToken = expertsPerToken, (experts ?? 0) > 0 else { return dense }
        return (expertFFNSize ?? dense) * perToken
    }
    public var contextLength: Int?
    public var experts: Int?
    public var expertsPerToken: Int?
    public var slidingWindow: Int?
    public var tiedEmbeddings: Bool?

    public init(source: Source) { self.source = source }

    /// The `family` the reports show: the family's name, or for GGUF metadata the `general.architecture` Heft
    /// has no family for (`phi2`).
    public var familyName: String? { family?.rawValue ?? (source == .ggufMetadata ? modelType : nil) }

    /// The architecture of a bare parameter count (`--params` with flags): KV heads default to heads, head size to
    /// hidden ÷ heads.
    public static func bare(
        layers: Int?, hidden: Int?, heads: Int?, kvHeads: Int?, headDim: Int?, vocab: Int?, ffn: Int?, context: Int? = nil
    ) -> Architecture {
        var a = Architecture(source: .config)
        a.layers = layers
        a.hiddenSize = hidden
        a.heads = heads
        a.kvHeads = kvHeads ?? heads
        a.headDim = headDim ?? (hidden != nil && heads != nil && heads! > 0 ? hidden! / heads! : nil)
        a.vocabSize = vocab
        a.ffnSize = ffn
        a.contextLength = context
        return a
    }

    private enum CodingKeys: String, CodingKey {
        case family, modelType, architectureClass, source, layers, hiddenSize, heads, kvHeads, headDim, ffnSize, expertFFNSize
        case vocabSize, contextLength, experts, expertsPerToken, slidingWindow, tiedEmbeddings
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(Source.self, forKey: .source)
        family = try c.decodeIfPresent(String.self, forKey: .family).flatMap(Family.init(rawValue:))
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType)
        architectureClass = try c.decodeIfPresent(String.self, forKey: .architectureClass)
        layers = try c.decodeIfPresent(Int.self, forKey: .layers)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize)
        heads = try c.decodeIfPresent(Int.self, forKey: .heads)
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads)
        headDim = try c.decodeIfPresent(Int.self, forKey: .headDim)
        ffnSize = try c.decodeIfPresent(Int.self, forKey: .ffnSize)
        expertFFNSize = try c.decodeIfPresent(Int.self, forKey: .expertFFNSize)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize)
        contextLength = try c.decodeIfPresent(Int.self, forKey: .contextLength)
        experts = try c.decodeIfPresent(Int.self, forKey: .experts)
        expertsPerToken = try c.decodeIfPresent(Int.self, forKey: .expertsPerToken)
        slidingWindow = try c.decodeIfPresent(Int.self, forKey: .slidingWindow)
        tiedEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tiedEmbeddings)
    }

    /// Encodes every field, unknown ones as `null`, so that the JSON schema is the same for every model.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(familyName, forKey: .family)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(architectureClass, forKey: .architectureClass)
        try c.encode(source, forKey: .source)
        try c.encode(layers, forKey: .layers)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(heads, forKey: .heads)
        try c.encode(kvHeads, forKey: .kvHeads)
        try c.encode(headDim, forKey: .headDim)
        try c.encode(ffnSize, forKey: .ffnSize)
        try c.encode(expertFFNSize, forKey: .expertFFNSize)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(contextLength, forKey: .contextLength)
        try c.encode(experts, forKey: .experts)
        try c.encode(expertsPerToken, forKey: .expertsPerToken)
        try c.encode(slidingWindow, forKey: .slidingWindow)
        try c.encode(tiedEmbeddings, forKey: .tiedEmbeddings)
    }
}

/// The families whose parameter count Heft computes exactly from `config.json` alone (formats.md §4).
public enum Family: String, Sendable, CaseIterable, Codable {
    case gpt2, bert, roberta, distilbert, t5, llama, mistral, mixtral, qwen2, qwen2Moe = "qwen2_moe", qwen3
    case gemma, gemma2, gemma3, phi3, falcon, gptNeoX = "gpt_neox", gptOss = "gpt_oss"

    /// The family for a `model_type` or GGUF `general.architecture`, or `nil`.
    public init?(modelType: String) {
        let aliases: [String: Family] = [
            "xlm-roberta": .roberta, "camembert": .roberta, "mt5": .t5, "gemma3_text": .gemma3,
            "refinedweb": .falcon, "refinedwebmodel": .falcon, "qwen2moe": .qwen2Moe, "gptneox": .gptNeoX,
        ]
        let key = modelType.lowercased()
        guard let family = Family(rawValue: key) ?? aliases[key] else { return nil }
        self = family
    }

    /// Whether the MLP is gated (SwiGLU / GeGLU: gate, up and down projections).
    var hasGatedFeedForward: Bool {
        switch self {
        case .llama, .mistral, .mixtral, .qwen2, .qwen2Moe, .qwen3, .gemma, .gemma2, .gemma3, .phi3, .gptOss: true
        case .gpt2, .bert, .roberta, .distilbert, .t5, .falcon, .gptNeoX: false
        }
    }

    /// Whether the family is encoder-only (no KV cache).
    var isEncoderOnly: Bool {
        switch self {
        case .bert, .roberta, .distilbert: true
        case .gpt2, .t5, .llama, .mistral, .mixtral, .qwen2, .qwen2Moe, .qwen3, .gemma, .gemma2, .gemma3, .phi3, .falcon, .gptNeoX, .gptOss:
            false
        }
    }

    /// `tie_word_embeddings` when the config does not say (the family's Transformers default).
    var tiedByDefault: Bool {
        switch self {
        case .gpt2, .bert, .roberta, .distilbert, .t5, .gemma, .gemma2, .gemma3, .falcon: true
        case .llama, .mistral, .mixtral, .qwen2, .qwen2Moe, .qwen3, .phi3, .gptNeoX, .gptOss: false
        }
    }
}
