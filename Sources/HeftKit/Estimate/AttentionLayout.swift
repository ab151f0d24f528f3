public import HeftFormats

/// What each layer keeps per token (or per sequence) while generating: the input of the KV-cache formula.
///
/// llama.cpp sizes the cache per layer as cells × `n_head_kv(il)` × (`key_length` + `value_length`) × bytes
/// (formats.md §3): grouped-query attention shrinks `n_head_kv`, Gemma states `head_dim` explicitly,
/// sliding-window layers hold only `min(context, window)` cells, MLA layers cache one compressed latent, and
/// recurrent layers keep a fixed state whatever the context.
public struct AttentionLayout: Sendable, Hashable, Codable {
    public enum LayerKind: Sendable, Hashable, Codable {
        /// Full causal attention: one cell per token of context.
        case full
        /// Local attention over the last `window` tokens.
        case sliding(window: Int)
        /// Multi-head latent attention (DeepSeek V2/V3): `latent` elements per token, no separate V.
        case latent(elements: Int)
        /// A recurrent layer (Mamba, RWKV): `elements` of F32 state per sequence, whatever the context.
        case recurrent(elements: Int)
        /// No cache (a layer with zero KV heads).
        case none
    }

    public struct Layer: Sendable, Hashable, Codable {
        public var kind: LayerKind
        public var kvHeads: Int
        public var keyLength: Int
        public var valueLength: Int
    }

    public var layers: [Layer]
    /// How the layout was derived, for the report ("Gemma 2: even layers local (4096), odd global").
    public var description: String

    public init(layers: [Layer], description: String) {
        self.layers = layers
        self.description = description
    }

    /// Every layer full attention with the same heads.
    public static func uniform(layers: Int, kvHeads: Int, headDim: Int, window: Int? = nil) -> AttentionLayout {
        let kind: LayerKind = window.map { .sliding(window: $0) } ?? .full
        let layer = Layer(kind: kind, kvHeads: kvHeads, keyLength: headDim, valueLength: headDim)
        let what = window.map { "all \(layers) layers sliding-window (\($0) tokens)" } ?? "all \(layers) layers full attention"
        return AttentionLayout(layers: Array(repeating: layer, count: layers), description: what + ", \(kvHeads) KV heads × \(headDim)")
    }

    /// The layout a `config.json` describes, or `nil` when it lacks layers, heads or head size.
    public init?(config: ConfigReader, architecture a: Architecture) throws(FormatError) {
        let modelType = (config.modelType ?? "").lowercased()
        guard let count = a.layers else { return nil }
        // Recurrent models: Mamba / Mamba-2 keep (d_conv−1)(d_inner + 2·groups·d_state) + d_state·d_inner floats.
        if ["mamba", "mamba2", "falcon_mamba"].contains(modelType) {
            guard let state = try Self.mambaState(config: config, hidden: a.hiddenSize, prefix: "") else { return nil }
            let layer = Layer(kind: .recurrent(elements: state), kvHeads: 0, keyLength: 0, valueLength: 0)
            self.init(layers: Array(repeating: layer, count: count), description: "all \(count) layers recurrent (Mamba state \(state) floats each)")
            return
        }
        guard let kvHeads = a.kvHeads, let headDim = a.headDim else { return nil }
        // MLA: the cache holds kv_lora_rank + qk_rope_head_dim elements per token and layer.
        if let rank = try config.int("kv_lora_rank", maximum: 1 << 20) {
            let rope = try config.int("qk_rope_head_dim", maximum: 1 << 16) ?? 64
            let layer = Layer(kind: .latent(elements: rank + rope), kvHeads: 1, keyLength: rank + rope, valueLength: 0)
            self.init(layers: Array(repeating: layer, count: count), description: "all \(count) layers MLA (latent \(rank) + rope \(rope) per token)")
            return
        }
        let full = Layer(kind: .full, kvHeads: kvHeads, keyLength: headDim, valueLength: headDim)
        // Jamba-style hybrids: attention every `attn_layer_period` layers, Mamba elsewhere.
        if let period = try config.int("attn_layer_period", maximum: 1 << 16) {
            let offset = try config.int("attn_layer_offset", minimum: 0, maximum: 1 << 16) ?? 0
            guard let state = try Self.mambaState(config: config, hidden: a.hiddenSize, prefix: "mamba_") else { return nil }
            let recurrent = Layer(kind: .recurrent(elements: state), kvHeads: 0, keyLength: 0, valueLength: 0)
            let layers = (0..<count).map { $0 % period == offset ? full : recurrent }
            self.init(layers: layers, description: "hybrid: attention every \(period) layers (offset \(offset)), Mamba elsewhere")
            return
        }
        var slidingLayer = full
        let window = a.slidingWindow
        if let window { slidingLayer.kind = .sliding(window: window) }
        // Explicit per-layer types (newer Transformers configs).
        if let types = config.text["layer_types"]?.arrayValue, types.count == count, window != nil {
            let layers = types.map { $0.stringValue == "sliding_attention" ? slidingLayer : full }
            let local = layers.filter { $0.kind != .full }.count
            self.init(layers: layers, description: "layer_types: \(local) sliding-window (\(window ?? 0)), \(count - local) full")
            return
        }
        if let window, a.family == .gemma2 {
            self.init(
                layers: (0..<count).map { $0 % 2 == 0 ? slidingLayer : full },
                description: "Gemma 2: even layers local (\(window) tokens), odd layers global")
            return
        }
        if let window, a.family == .gemma3 {
            let pattern = try config.int("sliding_window_pattern", maximum: 1 << 16) ?? 6
            self.init(
                layers: (0..<count).map { ($0 + 1) % pattern == 0 ? full : slidingLayer },
                description: "Gemma 3: every \(pattern)th layer global, the rest local (\(window) tokens)"
            )
            return
        }
        self = .uniform(layers: count, kvHeads: kvHeads, headDim: headDim, window: window)
    }

    /// The layout in GGUF metadata: per-layer `head_count_kv` arrays (0 = no cache), key/value lengths,
    /// `sliding_window` with the architecture's pattern, MLA ranks, SSM sizes.
    public init?(gguf file: GGUFFile, architecture a: Architecture) {
        guard let arch = file["general.architecture"]?.stringValue, let count = a.layers else { return nil }
        func int(_ key: String) -> Int? { file["\(arch).\(key)"]?.intValue }
        if let inner = int("ssm.inner_size"), let stateSize = int("ssm.state_size") {
            let conv = int("ssm.conv_kernel") ?? 4
            let groups = int("ssm.group_count") ?? 1
            let state = (conv - 1) * (inner + 2 * groups * stateSize) + stateSize * inner
            let layer = Layer(kind: .recurrent(elements: state), kvHeads: 0, keyLength: 0, valueLength: 0)
            self.init(layers: Array(repeating: layer, count: count), description: "all \(count) layers recurrent (SSM state \(state) floats each)")
            return
        }
        guard let heads = a.heads, heads > 0 else { return nil }
        let keyLength = int("attention.key_length") ?? a.headDim ?? 0
        let valueLength = int("attention.value_length") ?? keyLength
        if let rank = int("attention.kv_lora_rank") {
            let rope = int("rope.dimension_count") ?? 64
            let layer = Layer(kind: .latent(elements: rank + rope), kvHeads: 1, keyLength: rank + rope, valueLength: 0)
            self.init(layers: Array(repeating: layer, count: count), description: "all \(count) layers MLA (latent \(rank) + rope \(rope) per token)")
            return
        }
        guard count <= 1 << 12 else { return nil }
        var perLayerKV = [Int](repeating: a.kvHeads ?? heads, count: count)
        if let values = file["\(arch).attention.head_count_kv"]?.arrayValue?.values {
            perLayerKV = (0..<count).map { $0 < values.count ? values[$0].intValue ?? 0 : 0 }
        }
        let window = int("attention.sliding_window")
        let pattern: Int? = arch == "gemma2" ? 2 : arch.hasPrefix("gemma3") ? 6 : nil
        var layers: [Layer] = []
        for index in 0..<count {
            var kind: LayerKind = perLayerKV[index] == 0 ? .none : .full
            if let window, kind == .full {
                if let pattern {
                    if (index + 1) % pattern != 0 { kind = .sliding(window: window) }
                } else {
                    kind = .sliding(window: window)
                }
            }
            layers.append(Layer(kind: kind, kvHeads: perLayerKV[index], keyLength: keyLength, valueLength: valueLength))
        }
        let local = layers.filter { if case .sliding = $0.kind { return true } else { return false } }.count
        let without = layers.filter { $0.kind == .none }.count
        var text = "\(count - local - without) full-attention layers"
        if local > 0 { text += ", \(local) sliding-window (\(window ?? 0))" }
        if without > 0 { text += ", \(without) without KV" }
        self.init(layers: layers, description: text + " (GGUF metadata)")
    }

    private static func mambaState(config: ConfigReader, hidden: Int?, prefix: String) throws(FormatError) -> Int? {
        guard let hidden else { return nil }
        let expand = try config.int(prefix + "expand", maximum: 64) ?? 2
        let dState = try config.int(prefix + "d_state", prefix + "state_size", maximum: 1 << 16) ?? 16
        let dConv = try config.int(prefix + "d_conv", prefix + "conv_kernel", maximum: 1 << 10) ?? 4
        let groups = try config.int("n_groups", maximum: 1 << 10) ?? 1
        let inner = try config.int(prefix + "intermediate_size", "d_inner", maximum: 1 << 24) ?? expand * hidden
        return (dConv - 1) * (inner + 2 * groups * dState) + dState * inner
    }
}
