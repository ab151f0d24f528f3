internal import HeftFormats

/// A tensor as far as sizing needs it: name, row-major shape, element count.
public struct TensorShape: Sendable, Hashable {
    public let name: String
    public let shape: [Int]
    /// The block the tensor belongs to (`blk.N.`), known when it is generated.
    public let layer: Int?
    public var elements: Int { shape.reduce(1, *) }
    /// The innermost dimension (`ne[0]` in GGUF): quantization blocks run along it.
    public var rowLength: Int { shape.last ?? 1 }

    public init(name: String, shape: [Int], layer: Int? = nil) {
        self.name = name
        self.shape = shape
        self.layer = layer
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
        guard let familyName = a.family, let family = Family(rawValue: familyName),
            [.llama, .mistral, .mixtral, .qwen2, .qwen3, .qwen2Moe, .gemma, .gemma2, .gemma3, .phi3].contains(family),
            let H = a.hiddenSize, let L = a.layers, let V = a.vocabSize, let nH = a.heads, let d = a.headDim
        else { return nil }
        let nKV = a.kvHeads ?? nH
        let I = a.ffnSize ?? 0
        var tensors: [TensorShape] = [TensorShape(name: "token_embd.weight", shape: [V, H])]
        let gemmaNorms = family == .gemma2 || family == .gemma3
        let qkNorm = family == .qwen3 || family == .gemma3
        let qkvBias = family == .qwen2 || family == .qwen2Moe || ((try? config?.bool("attention_bias")) ?? nil) == true
        let moeI = (try? config?.int("moe_intermediate_size", maximum: 1 << 24)) ?? nil
        let sharedI = (try? config?.int("shared_expert_intermediate_size", minimum: 0, maximum: 1 << 24)) ?? nil
        for layer in 0..<L {
            let p = "blk.\(layer)."
            let start = tensors.count
            tensors.append(TensorShape(name: p + "attn_norm.weight", shape: [H]))
            if family == .phi3 {
                tensors.append(TensorShape(name: p + "attn_qkv.weight", shape: [nH * d + 2 * nKV * d, H]))
            } else {
                tensors.append(TensorShape(name: p + "attn_q.weight", shape: [nH * d, H]))
                tensors.append(TensorShape(name: p + "attn_k.weight", shape: [nKV * d, H]))
                tensors.append(TensorShape(name: p + "attn_v.weight", shape: [nKV * d, H]))
                if qkvBias {
                    tensors.append(TensorShape(name: p + "attn_q.bias", shape: [nH * d]))
                    tensors.append(TensorShape(name: p + "attn_k.bias", shape: [nKV * d]))
                    tensors.append(TensorShape(name: p + "attn_v.bias", shape: [nKV * d]))
                }
            }
            if qkNorm {
                tensors.append(TensorShape(name: p + "attn_q_norm.weight", shape: [d]))
                tensors.append(TensorShape(name: p + "attn_k_norm.weight", shape: [d]))
            }
            tensors.append(TensorShape(name: p + "attn_output.weight", shape: [H, nH * d]))
            if gemmaNorms { tensors.append(TensorShape(name: p + "post_attention_norm.weight", shape: [H])) }
            tensors.append(TensorShape(name: p + "ffn_norm.weight", shape: [H]))
            if gemmaNorms { tensors.append(TensorShape(name: p + "post_ffw_norm.weight", shape: [H])) }
            if let E = a.experts, family == .mixtral || family == .qwen2Moe {
                let expertI = family == .qwen2Moe ? (moeI ?? I) : I
                tensors.append(TensorShape(name: p + "ffn_gate_inp.weight", shape: [E, H]))
                tensors.append(TensorShape(name: p + "ffn_gate_exps.weight", shape: [E, expertI, H]))
                tensors.append(TensorShape(name: p + "ffn_up_exps.weight", shape: [E, expertI, H]))
                tensors.append(TensorShape(name: p + "ffn_down_exps.weight", shape: [E, H, expertI]))
                if let shared = sharedI, shared > 0 {
                    tensors.append(TensorShape(name: p + "ffn_gate_inp_shexp.weight", shape: [1, H]))
                    tensors.append(TensorShape(name: p + "ffn_gate_shexp.weight", shape: [shared, H]))
                    tensors.append(TensorShape(name: p + "ffn_up_shexp.weight", shape: [shared, H]))
                    tensors.append(TensorShape(name: p + "ffn_down_shexp.weight", shape: [H, shared]))
                }
            } else if family == .phi3 {
                tensors.append(TensorShape(name: p + "ffn_up.weight", shape: [2 * I, H]))
                tensors.append(TensorShape(name: p + "ffn_down.weight", shape: [H, I]))
            } else {
                tensors.append(TensorShape(name: p + "ffn_gate.weight", shape: [I, H]))
                tensors.append(TensorShape(name: p + "ffn_up.weight", shape: [I, H]))
                tensors.append(TensorShape(name: p + "ffn_down.weight", shape: [H, I]))
            }
            for index in start..<tensors.count { tensors[index] = TensorShape(name: tensors[index].name, shape: tensors[index].shape, layer: layer) }
        }
        tensors.append(TensorShape(name: "output_norm.weight", shape: [H]))
        if a.tiedEmbeddings != true { tensors.append(TensorShape(name: "output.weight", shape: [V, H])) }
        // Llama 3.1+ files carry the precomputed rope frequency factors (a buffer, head_dim / 2 floats).
        if let scaling = config?.text["rope_scaling"]?.objectValue,
            (scaling["rope_type"]?.stringValue ?? scaling["type"]?.stringValue) == "llama3"
        {
            tensors.append(TensorShape(name: "rope_freqs.weight", shape: [d / 2]))
        }
        return tensors
    }
}
