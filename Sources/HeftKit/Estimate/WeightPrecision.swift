public import HeftFormats

/// A llama.cpp file type (`llama_ftype`, the `Q4_K_M` in a file name): a default tensor type plus
/// per-tensor exceptions (llama-quant.cpp `llama_tensor_get_type`, published.md §B).
public enum LlamaFileType: String, Sendable, Hashable, Codable, CaseIterable {
    case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
    case Q2_K, Q2_K_S, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K
    case IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M, IQ3_XXS, IQ3_XS, IQ3_S, IQ3_M, IQ1_S, IQ1_M, IQ4_NL, IQ4_XS
    case TQ1_0, TQ2_0

    /// The type most tensors get (`llama_ftype_get_default_type`).
    public var defaultType: GGMLType {
        let name: String
        switch self {
        case .Q2_K_S: name = "Q2_K"
        case .Q3_K_S, .Q3_K_M, .Q3_K_L: name = "Q3_K"
        case .Q4_K_S, .Q4_K_M: name = "Q4_K"
        case .Q5_K_S, .Q5_K_M: name = "Q5_K"
        case .IQ3_XS, .IQ3_M: name = "IQ3_S"
        case .IQ2_S: name = "IQ2_XS"
        case .IQ2_M: name = "IQ2_S"
        default: name = rawValue
        }
        return GGMLType.named(name) ?? GGMLType.f16
    }

    /// Types whose llama.cpp rules depend on an importance matrix; Heft applies the rules without one.
    public var needsImportanceMatrix: Bool {
        [.IQ2_XXS, .IQ2_XS, .IQ2_S, .IQ2_M, .IQ1_S, .IQ1_M, .IQ3_XXS, .Q2_K_S].contains(self)
    }

    private var isQuantized: Bool { ![.F32, .F16, .BF16].contains(self) }

    /// The role a tensor plays in llama.cpp's rules, from its GGUF or Hugging Face name.
    public enum Role: Sendable, Hashable {
        case tokenEmbedding, output, attentionQ, attentionK, attentionV, attentionOutput, attentionQKV
        case feedForwardDown, feedForwardGate, feedForwardUp, other
    }

    public static func role(of name: String) -> Role {
        let n = name.lowercased()
        func has(_ parts: String...) -> Bool { parts.contains { n.contains($0) } }
        if has("token_embd.", "embed_tokens", "wte.", "word_embeddings", "tok_embeddings") { return .tokenEmbedding }
        if n == "output.weight" || has("lm_head", "embed_out") { return .output }
        if has("attn_v.", "v_proj", ".value.") { return .attentionV }
        if has("attn_k.", "k_proj", ".key.") { return .attentionK }
        if has("attn_q.", "q_proj", ".query.") { return .attentionQ }
        if has("attn_qkv", "qkv_proj", "query_key_value", "c_attn", "wqkv") { return .attentionQKV }
        if has("attn_output", "o_proj", "out_proj", "attention.output.dense", "attn.c_proj", "attention.dense") { return .attentionOutput }
        if has("ffn_down", "down_proj", ".w2.", "dense_4h_to_h", "fc2", "mlp.c_proj", "output.dense") { return .feedForwardDown }
        if has("ffn_gate", "gate_proj", ".w1.") && !has("ffn_gate_inp") { return .feedForwardGate }
        if has("ffn_up", "up_proj", ".w3.", "dense_h_to_4h", "fc1", "c_fc", "intermediate.dense") { return .feedForwardUp }
        return .other
    }

    /// llama.cpp's `use_more_bits`: the first and last eighth of layers, and every third in between.
    static func useMoreBits(_ index: Int, _ count: Int) -> Bool {
        index < count / 8 || index >= 7 * count / 8 || (index - count / 8) % 3 == 2
    }

    /// The type llama.cpp gives a tensor (before the row-length fallback).
    ///
    /// - Parameters:
    ///   - layer: the block index (for `attn_v` and `ffn_down`); `layers`: their number.
    ///   - gqa: heads ÷ KV heads. `hasOutput`: whether an untied `output.weight` exists.
    public func tensorType(role: Role, layer: Int, layers: Int, gqa: Int, hasOutput: Bool, rowLength: Int) -> GGMLType {
        let base = defaultType
        guard isQuantized else { return base }
        let t: (String) -> GGMLType = { GGMLType.named($0) ?? base }
        let lowIQ: Set<LlamaFileType> = [.IQ2_XXS, .IQ2_XS, .IQ3_XXS, .IQ1_S, .IQ2_S, .IQ2_M, .IQ1_M]
        if role == .output || (role == .tokenEmbedding && !hasOutput) {
            if rowLength % 256 != 0 { return t("Q8_0") }
            if lowIQ.contains(self) { return t("Q5_K") }
            return base.name == "Q8_0" ? base : t("Q6_K")
        }
        switch role {
        case .tokenEmbedding:
            switch self {
            case .IQ2_XXS, .IQ2_XS, .IQ1_S, .IQ1_M: return t("Q2_K")
            case .IQ2_S, .IQ2_M, .IQ3_XXS: return t("IQ3_S")
            case .TQ1_0, .TQ2_0: return t("Q4_K")
            default: return base
            }
        case .attentionV:
            switch self {
            case .Q2_K: return gqa >= 4 ? t("Q4_K") : t("Q3_K")
            case .Q2_K_S: return gqa >= 4 ? t("Q4_K") : base
            case .IQ2_XXS, .IQ2_XS, .IQ1_S, .IQ1_M: return gqa >= 4 ? t("Q4_K") : t("Q2_K")
            case .IQ2_S, .IQ2_M: return gqa >= 4 ? t("Q4_K") : t("IQ3_S")
            case .IQ3_XXS: return gqa >= 4 ? t("Q4_K") : t("IQ3_S")
            case .IQ3_XS: return gqa >= 4 ? t("Q4_K") : base
            case .IQ3_M: return t("Q4_K")
            case .Q3_K_M: return layer < 2 ? t("Q5_K") : t("Q4_K")
            case .Q3_K_L: return t("Q5_K")
            case .IQ4_NL, .IQ4_XS: return gqa >= 4 ? t("Q5_K") : base
            case .Q4_K_M, .Q5_K_M: return Self.useMoreBits(layer, layers) ? t("Q6_K") : base
            case .Q4_K_S: return layer < 4 ? t("Q5_K") : base
            default: return base
            }
        case .feedForwardDown:
            switch self {
            case .Q2_K: return t("Q3_K")
            case .Q2_K_S: return layer < layers / 8 ? t("Q4_K") : base
            case .Q3_K_M: return layer < layers / 16 ? t("Q5_K") : t("Q4_K")
            case .Q3_K_L: return t("Q5_K")
            case .IQ3_M: return layer < layers / 8 ? t("Q5_K") : t("Q4_K")
            case .Q4_K_M, .Q5_K_M: return Self.useMoreBits(layer, layers) ? t("Q6_K") : base
            case .Q4_K_S, .IQ4_NL, .IQ4_XS: return layer < layers / 8 ? t("Q5_K") : base
            default: return base
            }
        case .attentionOutput:
            switch self {
            case .Q2_K: return t("Q3_K")
            case .IQ3_M, .Q3_K_M: return t("Q4_K")
            case .Q3_K_L: return t("Q5_K")
            default: return base
            }
        case .attentionQKV:
            switch self {
            case .Q3_K_M, .Q3_K_L: return t("Q4_K")
            case .Q4_K_M: return t("Q5_K")
            case .Q5_K_M: return t("Q6_K")
            default: return base
            }
        default:
            return base
        }
    }

    /// llama.cpp's fallback when a row is not a whole number of blocks.
    static func fallback(_ type: GGMLType, rowLength: Int) -> GGMLType {
        var result = type
        if rowLength % type.blockSize != 0 {
            switch type.name {
            case "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "Q2_K", "Q3_K", "IQ4_XS":
                result = GGMLType.named("IQ4_NL") ?? .f16
            case "Q4_K": result = GGMLType.named("Q5_0") ?? .f16
            case "Q5_K": result = GGMLType.named("Q5_1") ?? .f16
            case "Q6_K": result = GGMLType.named("Q8_0") ?? .f16
            default: break
            }
        }
        return rowLength % result.blockSize == 0 ? result : .f16
    }
}

/// The precision weights are held in (`--weights`).
public enum WeightPrecision: Sendable, Hashable {
    /// As stored in the file.
    case stored
    /// Every tensor in a float type: `f32` (4 bytes), `f16`/`bf16` (2).
    case float(name: String, bytes: Int)
    /// Linear weights quantized as `fp8`, `int8`, `int4` or `nf4`; embeddings, head, norms and biases in 16 bits.
    case linear(name: String)
    /// Every 2-D tensor in one ggml type; 1-D tensors stay F32, as in GGUF files.
    case ggml(GGMLType)
    /// A llama.cpp file type with its per-tensor mixture.
    case fileType(LlamaFileType)

    /// Parses a `--weights` value; `nil` when it names nothing Heft knows.
    public init?(_ text: String) {
        let lower = text.lowercased()
        switch lower {
        case "stored": self = .stored
        case "f32", "fp32", "float32": self = .float(name: "f32", bytes: 4)
        case "f16", "fp16", "float16": self = .float(name: "f16", bytes: 2)
        case "bf16", "bfloat16": self = .float(name: "bf16", bytes: 2)
        case "fp8", "int8", "int4", "nf4", "nf4-nodq": self = .linear(name: lower)
        default:
            // A llama.cpp file type name means what llama-quantize writes (with its mixture); `ggml:NAME` or a
            // ggml type that is no file type (Q4_K, Q8_K) means every 2-D tensor in that one type.
            if Self.groupScheme(lower) != nil {
                self = .linear(name: lower)
            } else if let fileType = LlamaFileType.allCases.first(where: { $0.rawValue.lowercased() == lower }) {
                self = .fileType(fileType)
            } else if let type = GGMLType.named(lower.hasPrefix("ggml:") ? String(lower.dropFirst(5)) : lower) {
                self = .ggml(type)
            } else {
                return nil
            }
        }
    }

    public var name: String {
        switch self {
        case .stored: "stored"
        case .float(let name, _), .linear(let name): name
        case .ggml(let type): type.name
        case .fileType(let type): type.rawValue
        }
    }

    /// Bytes of a Linear weight of `elements` in `rows` rows under the `linear` schemes, with their layouts:
    /// fp8 one byte + an fp32 scale per tensor; int8 one byte + an fp32 scale per row (LLM.int8);
    /// int4 GPTQ/AWQ-style half a byte + an fp16 scale and a 4-bit zero per group of 128 (4.156 bpw);
    /// nf4 bitsandbytes with double quantization: half a byte + an 8-bit absmax per 64 + an fp32 per 256
    /// absmaxes (4.127 bpw, the QLoRA paper's figure).
    static func linearBytes(_ name: String, elements: Int, rows: Int) -> Int {
        if let (bits, group) = groupScheme(name) {
            // Packed values + an fp16 scale and a `bits`-bit zero point per group (GPTQ / AWQ storage).
            let groups = (elements + group - 1) / group
            return (elements * bits + 7) / 8 + groups * 2 + (groups * bits + 7) / 8
        }
        switch name {
        case "fp8": return elements + 4
        case "int8": return elements + 4 * rows
        case "int4": return linearBytes("gptq-4bit-g128", elements: elements, rows: rows)
        case "nf4-nodq": return (elements + 1) / 2 + (elements + 63) / 64 * 4
        default: return (elements + 1) / 2 + (elements + 63) / 64 + ((elements + 63) / 64 + 255) / 256 * 4
        }
    }

    /// `gptq-4bit-g128` / `awq-3bit` (group 128 by default) → (bits, group).
    static func groupScheme(_ name: String) -> (bits: Int, group: Int)? {
        let parts = name.split(separator: "-")
        guard parts.count >= 2, parts[0] == "gptq" || parts[0] == "awq", parts[1].hasSuffix("bit"),
            let bits = Int(parts[1].dropLast(3)), (2...8).contains(bits)
        else { return nil }
        guard parts.count == 3 else { return parts.count == 2 ? (bits, 128) : nil }
        guard parts[2].hasPrefix("g"), let group = Int(parts[2].dropFirst()), group >= 8, group <= 1 << 20 else { return nil }
        return (bits, group)
    }
}
