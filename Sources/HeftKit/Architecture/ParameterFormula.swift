internal import HeftFormats

/// An exact parameter count computed from `config.json`, with the formula that produced it.
public struct FormulaCount: Sendable, Hashable, Codable {
    /// Every parameter the model instantiates (tied matrices once, buffers never).
    public let total: Int
    /// Parameters used per token (differs from ``total`` for mixture-of-experts models).
    public let active: Int
    /// The formula in the notation of formats.md §4, for display.
    public let expression: String
    /// What the count covers, where that needs saying (BERT: base model with pooler, no task head).
    public let scope: String?
}

/// An integer that stays exact or becomes `nil` on overflow, so formulas read like the math.
struct Exact: ExpressibleByIntegerLiteral {
    let value: Int?
    init(_ value: Int?) { self.value = value }
    init(integerLiteral value: Int) { self.value = value }
    static func + (a: Exact, b: Exact) -> Exact {
        guard let x = a.value, let y = b.value else { return Exact(nil) }
        return Exact(Checked.add(x, y))
    }
    static func - (a: Exact, b: Exact) -> Exact {
        guard let x = a.value, let y = b.value else { return Exact(nil) }
        let (r, o) = x.subtractingReportingOverflow(y)
        return Exact(o ? nil : r)
    }
    static func * (a: Exact, b: Exact) -> Exact {
        guard let x = a.value, let y = b.value else { return Exact(nil) }
        return Exact(Checked.multiply(x, y))
    }
}

/// Exact parameter formulas per family (formats.md §4). Each reproduces a published count; the tests check them.
public enum ParameterFormula {
    /// The count for `family`, reading family-specific keys from `config`.
    static func count(family: Family, architecture a: Architecture, config: ConfigReader) throws(FormatError) -> FormulaCount {
        func need(_ value: Int?, _ key: String) throws(FormatError) -> Exact {
            guard let value else {
                throw FormatError(file: config.path, field: key, rule: .configValue, detail: "missing; the \(family.rawValue) formula needs it")
            }
            return Exact(value)
        }
        let H = try need(a.hiddenSize, "hidden_size")
        let L = try need(a.layers, "num_hidden_layers")
        let V = try need(a.vocabSize, "vocab_size")
        let nH = try need(a.heads, "num_attention_heads")
        let nKV = Exact(a.kvHeads ?? a.heads)
        let d = Exact(a.headDim)
        let tied = a.tiedEmbeddings ?? family.tiedByDefault
        let head: Exact = tied ? 0 : V * H
        var total: Exact
        var active: Exact? = nil
        var expression: String
        var scope: String? = nil

        switch family {
        case .gpt2:
            let P = try need(a.contextLength, "n_positions")
            let I = Exact(a.ffnSize).value == nil ? 4 * H : Exact(a.ffnSize)
            let perLayer = 2 * H + (3 * H * H + 3 * H) + (H * H + H) + 2 * H + (H * I + I) + (I * H + H)
            total = V * H + P * H + L * perLayer + 2 * H + head
            expression = "V·H + P·H + L·[2H + (3H²+3H) + (H²+H) + 2H + (H·I+I) + (I·H+H)] + 2H"
        case .bert, .roberta, .distilbert:
            let P = try need(a.contextLength, "max_position_embeddings")
            let I = try need(a.ffnSize, "intermediate_size")
            let perLayer = 4 * (H * H + H) + 2 * H + (H * I + I) + (I * H + H) + 2 * H
            if family == .distilbert {
                total = (V + P) * H + 2 * H + L * perLayer
                expression = "(V+P)·H + 2H + L·[4(H²+H) + 2H + (H·I+I) + (I·H+H) + 2H]"
                scope = "DistilBertModel (no task head)"
            } else {
                let T = Exact(try config.int("type_vocab_size", minimum: 0, maximum: 1 << 20) ?? 2)
                total = (V + P + T) * H + 2 * H + L * perLayer + (H * H + H)
                expression = "(V+P+T)·H + 2H + L·[4(H²+H) + 2H + (H·I+I) + (I·H+H) + 2H] + (H²+H)"
                scope = "\(family == .bert ? "BertModel" : "RobertaModel") with pooler; task heads not included"
            }
        case .t5:
            let inner = nH * d
            let ffSize = try need(a.ffnSize, "d_ff")
            let gated = (try config.string("feed_forward_proj") ?? "relu").hasPrefix("gated")
            let FF: Exact = gated ? 3 * H * ffSize : 2 * H * ffSize
            let Ld = Exact(try config.int("num_decoder_layers", maximum: 1 << 16) ?? a.layers)
            let B = Exact(try config.int("relative_attention_num_buckets", maximum: 1 << 16) ?? 32)
            let encoderLayer = 4 * H * inner + H + FF + H
            let decoderLayer = 2 * (4 * H * inner + H) + FF + H
            total = V * H + L * encoderLayer + B * nH + H + Ld * decoderLayer + B * nH + H + head
            expression = "V·D + Le·(4·D·inner + D + FF + D) + B·h + D + Ld·(2·(4·D·inner + D) + FF + D) + B·h + D"
        case .llama, .mistral, .qwen2, .qwen3, .gemma, .gemma2, .gemma3, .mixtral, .qwen2Moe:
            let attention = H * nH * d + 2 * H * nKV * d + nH * d * H
            let attentionBiasFlag = try config.bool("attention_bias") ?? false
            let qkvBias = family == .qwen2 || family == .qwen2Moe || attentionBiasFlag
            let attentionBias: Exact = qkvBias ? nH * d + 2 * nKV * d : 0
            let outputBias: Exact = family == .llama && attentionBiasFlag ? H : 0
            let qkNorm: Exact = (family == .qwen3 || family == .gemma3) ? 2 * d : 0
            let norms: Exact = (family == .gemma2 || family == .gemma3) ? 4 * H : 2 * H
            var feedForward: Exact
            var inactivePerLayer: Exact = 0
            var moeLayers = L
            switch family {
            case .mixtral:
                let I = try need(a.ffnSize, "intermediate_size")
                let E = try need(a.experts, "num_local_experts")
                let k = Exact(a.expertsPerToken ?? 2)
                feedForward = H * E + E * 3 * H * I
                inactivePerLayer = (E - k) * 3 * H * I
                expression = "V·H (+V·H untied) + L·[H·n_h·d + 2·H·n_kv·d + n_h·d·H + H·E + E·3·H·I + 2H] + H"
            case .qwen2Moe:
                let E = try need(a.experts, "num_experts")
                let k = Exact(a.expertsPerToken ?? 4)
                let moeI = try need(try config.int("moe_intermediate_size", maximum: 1 << 24), "moe_intermediate_size")
                let sharedI = Exact(try config.int("shared_expert_intermediate_size", minimum: 0, maximum: 1 << 24) ?? 0)
                let sharedGate: Exact = sharedI.value == 0 ? 0 : H
                let denseI = Exact(a.ffnSize ?? 0)
                let step = try config.int("decoder_sparse_step", maximum: 1 << 16) ?? 1
                let mlpOnly = Set(try config.ints("mlp_only_layers") ?? [])
                let layerCount = a.layers ?? 0
                let sparse = (0..<layerCount).filter { !mlpOnly.contains($0) && ($0 + 1) % step == 0 }.count
                moeLayers = Exact(sparse)
                let moeBlock = H * E + E * 3 * H * moeI + 3 * H * sharedI + sharedGate
                let denseBlock = 3 * H * denseI
                // Dense and sparse layers differ; fold them into one per-layer term over all layers.
                feedForward = 0
                inactivePerLayer = (E - k) * 3 * H * moeI
                let common = attention + attentionBias + norms
                total = V * H + head + L * common + Exact(sparse) * moeBlock + Exact(layerCount - sparse) * denseBlock + H
                active = total - moeLayers * inactivePerLayer
                expression = "V·H (+V·H untied) + L·[attn(+bias) + 2H] + L_moe·[H·E + E·3·H·I_moe + 3·H·I_shared + H] + L_dense·3·H·I + H"
                return try finish(total, active ?? total, expression, scope, config)
            default:
                let I = try need(a.ffnSize, "intermediate_size")
                let mlpBias: Exact = (try config.bool("mlp_bias")) == true ? 2 * I + H : 0
                feedForward = 3 * H * I + mlpBias
                expression =
                    "V·H (+V·H untied) + L·[H·n_h·d + 2·H·n_kv·d + n_h·d·H + 3·H·I + \(family == .gemma2 || family == .gemma3 ? "4H" : "2H")"
                    + (qkvBias ? " + n_h·d + 2·n_kv·d (qkv bias)" : "") + (qkNorm.value != 0 ? " + 2d (q/k norm)" : "") + "] + H"
            }
            let perLayer = attention + attentionBias + outputBias + qkNorm + norms + feedForward
            total = V * H + head + L * perLayer + H
            active = total - moeLayers * inactivePerLayer
        case .phi3:
            let I = try need(a.ffnSize, "intermediate_size")
            let perLayer = H * (nH * d + 2 * nKV * d) + nH * d * H + H * 2 * I + I * H + 2 * H
            total = V * H + head + L * perLayer + H
            expression = "V·H (+V·H untied) + L·[H(n_h·d + 2·n_kv·d) + n_h·d·H + H·2I + I·H + 2H] + H"
        case .falcon:
            let newArchitecture = (try config.bool("new_decoder_architecture")) == true
            let parallel = (try config.bool("parallel_attn")) ?? true
            let bias = (try config.bool("bias")) == true
            let I = Exact(a.ffnSize).value == nil ? 4 * H : Exact(a.ffnSize)
            let qkv = H * (nH * d + 2 * nKV * d) + (bias ? nH * d + 2 * nKV * d : 0)
            let dense = H * H + (bias ? H : 0)
            let mlp = H * I + I * H + (bias ? I + H : 0)
            let layerNorms: Exact = newArchitecture || !parallel ? 4 * H : 2 * H
            total = V * H + head + L * (qkv + dense + mlp + layerNorms) + 2 * H
            expression = "V·H + L·[H(n_h·d + 2·n_kv·d) + H² + 2·H·I + \(newArchitecture || !parallel ? "4H" : "2H")] + 2H"
        case .gptOss:
            // transformers' GptOss: q/k/v/o projections with biases (attention_bias defaults to true), one attention
            // sink a head, a router with a bias, and E experts of a fused gate-up projection (H → 2I) and a down
            // projection (I → H), each with a bias; two RMS norms a layer and a final one.
            let I = try need(a.ffnSize, "intermediate_size")
            let E = try need(a.experts, "num_local_experts")
            let k = Exact(Swift.min(a.expertsPerToken ?? 4, a.experts ?? 0))
            let attention = H * nH * d + 2 * H * nKV * d + nH * d * H
            let attentionBias: Exact = (try config.bool("attention_bias") ?? true) ? nH * d + 2 * nKV * d + H : 0
            let expert = (H * 2 * I + 2 * I) + (I * H + H)
            total = V * H + head + L * (attention + attentionBias + nH + (H * E + E) + E * expert + 2 * H) + H
            active = total - L * (E - k) * expert
            expression =
                "V·H (+V·H untied) + L·[H·n_h·d + 2·H·n_kv·d + n_h·d·H + (n_h·d + 2·n_kv·d + H) + n_h + (H·E + E) + E·((H·2I + 2I) + (I·H + H)) + 2H] + H"
        case .gptNeoX:
            let I = try need(a.ffnSize, "intermediate_size")
            let perLayer = 4 * H + (3 * H * H + 3 * H) + (H * H + H) + (H * I + I) + (I * H + H)
            total = V * H + head + L * perLayer + 2 * H
            expression = "V·H (+V·H untied) + L·[4H + (3H²+3H) + (H²+H) + (H·I+I) + (I·H+H)] + 2H"
        }
        return try finish(total, active ?? total, expression, scope, config)
    }

    private static func finish(_ total: Exact, _ active: Exact, _ expression: String, _ scope: String?, _ config: ConfigReader)
        throws(FormatError) -> FormulaCount
    {
        guard let totalValue = total.value, let activeValue = active.value, totalValue > 0 else {
            throw FormatError(file: config.path, rule: .configValue, detail: "the sizes in config.json give a parameter count beyond 64 bits")
        }
        return FormulaCount(total: totalValue, active: activeValue, expression: expression, scope: scope)
    }
}
