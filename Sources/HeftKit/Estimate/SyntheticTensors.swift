internal import HeftFormats

/// A tensor as far as sizing needs it: name, row-major shape, element count, and what it is.
public struct TensorShape: Sendable, Hashable {
    /// What a synthesized tensor is, as sizing and llama.cpp's quantization rules see it.
    public enum Kind: Sendable, Hashable {
        /// The token embedding (`token_embd`).
        case tokenEmbedding
        /// The untied LM head (`output`).
        case output
        /// An attention or MLP matrix inside a block, with its role in llama.cpp's rules.
        case blockLinear(LlamaFileType.Role)
        /// Any other parameter: norms, biases, MoE routers.
        case other
        /// Not a parameter: rope frequency factors.
        case buffer
    }

    public let name: String
    public let shape: [Int]
    /// The block the tensor belongs to (`blk.N.`), known when it is generated.
    public let layer: Int?
    public let kind: Kind
    public var elements: Int { shape.reduce(1, *) }
    /// The innermost dimension (`ne[0]` in GGUF): quantization blocks run along it.
    public var rowLength: Int { shape.last ?? 1 }

    public init(name: String, shape: [Int], layer: Int? = nil, kind: Kind = .other) {
        self.name = name
        self.shape = shape
        self.layer = layer
        self.kind = kind
    }
}

/// The tensor list llama.cpp's converter would write for a `config.json`, in GGUF naming.
///
/// Re-quantizing by llama.cpp's per-tensor rules needs every tensor's name, shape and layer, which a
/// config-only source lacks; this rebuilds them for the Llama family and its relatives (Mistral, Mixtral,
/// Qwen2/3, Qwen2-MoE, Gemma 1–3, Phi-3). Its element sum equals the config formula (a test checks it).
public enum SyntheticTensors {
    /// The tensors of a model described by `architecture` and `config`, or `nil` for other families.
    public static func gguf(architecture a: Architecture, config: ConfigReader?) -> [TensorShape]? {
        guard let family = a.family,
            [.llama, .mistral, .mixtral, .qwen2, .qwen3, .qwen2Moe, .gemma, .gemma2, .gemma3, .phi3].contains(family),
            let H = a.hiddenSize, let L = a.layers, let V = a.vocabSize, let nH = a.heads, let d = a.headDim
        else { return nil }
        let nKV = a.kvHeads ?? nH
        let I = a.ffnSize ?? 0
        var tensors: [TensorShape] = [TensorShape(name: "token_embd.weight", shape: [V, H], kind: .tokenEmbedding)]
        let gemmaNorms = family == .gemma2 || family == .gemma3
        let qkNorm = family == .qwen3 || family == .gemma3
        let qkvBias = family == .qwen2 || family == .qwen2Moe || ((try? config?.bool("attention_bias")) ?? nil) == true
        let moeI = (try? config?.int("moe_intermediate_size", maximum: 1 << 24)) ?? nil
        let sharedI = (try? config?.int("shared_expert_intermediate_size", minimum: 0, maximum: 1 << 24)) ?? nil
        for layer in 0..<L {
            let p = "blk.\(layer)."
            func add(_ name: String, _ shape: [Int], _ role: LlamaFileType.Role? = nil) {
                tensors.append(TensorShape(name: p + name, shape: shape, layer: layer, kind: role.map(TensorShape.Kind.blockLinear) ?? .other))
            }
            add("attn_norm.weight", [H])
            if family == .phi3 {
                add("attn_qkv.weight", [nH * d + 2 * nKV * d, H], .attentionQKV)
            } else {
                add("attn_q.weight", [nH * d, H], .attentionQ)
                add("attn_k.weight", [nKV * d, H], .attentionK)
                add("attn_v.weight", [nKV * d, H], .attentionV)
                if qkvBias {
                    add("attn_q.bias", [nH * d])
                    add("attn_k.bias", [nKV * d])
                    add("attn_v.bias", [nKV * d])
                }
            }
            if qkNorm {
                add("attn_q_norm.weight", [d])
                add("attn_k_norm.weight", [d])
            }
            add("attn_output.weight", [H, nH * d], .attentionOutput)
            if gemmaNorms { add("post_attention_norm.weight", [H]) }
            add("ffn_norm.weight", [H])
            if gemmaNorms { add("post_ffw_norm.weight", [H]) }
            if let E = a.experts, family == .mixtral || family == .qwen2Moe {
                let expertI = family == .qwen2Moe ? (moeI ?? I) : I
                add("ffn_gate_inp.weight", [E, H])
                add("ffn_gate_exps.weight", [E, expertI, H], .feedForwardGate)
                add("ffn_up_exps.weight", [E, expertI, H], .feedForwardUp)
                add("ffn_down_exps.weight", [E, H, expertI], .feedForwardDown)
                if let shared = sharedI, shared > 0 {
                    add("ffn_gate_inp_shexp.weight", [1, H])
                    add("ffn_gate_shexp.weight", [shared, H], .feedForwardGate)
                    add("ffn_up_shexp.weight", [shared, H], .feedForwardUp)
                    add("ffn_down_shexp.weight", [H, shared], .feedForwardDown)
                }
            } else if family == .phi3 {
                add("ffn_up.weight", [2 * I, H], .feedForwardUp)
                add("ffn_down.weight", [H, I], .feedForwardDown)
            } else {
                add("ffn_gate.weight", [I, H], .feedForwardGate)
                add("ffn_up.weight", [I, H], .feedForwardUp)
                add("ffn_down.weight", [H, I], .feedForwardDown)
            }
        }
        tensors.append(TensorShape(name: "output_norm.weight", shape: [H]))
        if a.tiedEmbeddings != true { tensors.append(TensorShape(name: "output.weight", shape: [V, H], kind: .output)) }
        // Llama 3.1+ files carry the precomputed rope frequency factors (a buffer, head_dim / 2 floats).
        if let scaling = config?.text["rope_scaling"]?.objectValue,
            (scaling["rope_type"]?.stringValue ?? scaling["type"]?.stringValue) == "llama3"
        {
            tensors.append(TensorShape(name: "rope_freqs.weight", shape: [d / 2], kind: .buffer))
        }
        return tensors
    }
}
