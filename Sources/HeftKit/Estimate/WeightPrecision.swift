public import HeftFormats

/// A llama.cpp file type (`llama_ftype`, the `Q4_K_M` in a file name): a default tensor type plus
/// per-tensor exceptions (llama-quant.cpp `llama_tensor_get_type`, published.md §B).
public enum LlamaFileType: String, Sendable, Hashable, Codable, CaseIterable {
    case F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0
    case Q2_K, Q2_K_S, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K
    case IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M, IQ3_XXS, IQ3_XS, IQ3_S, IQ3_M, IQ1_S, IQ1_M, IQ4_NL, IQ4_XS
    case TQ1_0, TQ2_0

    /// The file type a GGUF's `general.file_type` names (llama.h `llama_ftype`), or `nil` for a number it does
    /// not know (removed or newer types).
    public init?(ggufFileType value: Int) {
        let types: [Int: LlamaFileType] = [
            0: .F32, 1: .F16, 2: .Q4_0, 3: .Q4_1, 7: .Q8_0, 8: .Q5_0, 9: .Q5_1, 10: .Q2_K, 11: .Q3_K_S, 12: .Q3_K_M, 13: .Q3_K_L,
            14: .Q4_K_S, 15: .Q4_K_M, 16: .Q5_K_S, 17: .Q5_K_M, 18: .Q6_K, 19: .IQ2_XXS, 20: .IQ2_XS, 21: .Q2_K_S, 22: .IQ3_XS,
            23: .IQ3_XXS, 24: .IQ1_S, 25: .IQ4_NL, 26: .IQ3_S, 27: .IQ3_M, 28: .IQ2_S, 29: .IQ2_M, 30: .IQ4_XS, 31: .IQ1_M, 32: .BF16,
            36: .TQ1_0, 37: .TQ2_0,
        ]
        guard let type = types[value] else { return nil }
        self = type
    }

    /// The type most tensors get (`llama_ftype_get_default_type`).
    public var defaultType: GGMLType {
        switch self {
        case .F32: .f32
        case .F16: .f16
        case .BF16: .bf16
        case .Q4_0: .q4_0
        case .Q4_1: .q4_1
        case .Q5_0: .q5_0
        case .Q5_1: .q5_1
        case .Q8_0: .q8_0
        case .Q2_K, .Q2_K_S: .q2_K
        case .Q3_K_S, .Q3_K_M, .Q3_K_L: .q3_K
        case .Q4_K_S, .Q4_K_M: .q4_K
        case .Q5_K_S, .Q5_K_M: .q5_K
        case .Q6_K: .q6_K
        case .IQ2_XXS: .iq2_XXS
        case .IQ2_XS, .IQ2_S: .iq2_XS
        case .IQ2_M: .iq2_S
        case .IQ3_XXS: .iq3_XXS
        case .IQ3_XS, .IQ3_S, .IQ3_M: .iq3_S
        case .IQ1_S: .iq1_S
        case .IQ1_M: .iq1_M
        case .IQ4_NL: .iq4_NL
        case .IQ4_XS: .iq4_XS
        case .TQ1_0: .tq1_0
        case .TQ2_0: .tq2_0
        }
    }

    /// Whether llama-quantize refuses to write a tensor of `type` in this file type without an importance
    /// matrix (llama-quant.cpp `tensor_requires_imatrix`; the token embedding and output never do).
    public func requiresImportanceMatrix(_ type: GGMLType, role: Role) -> Bool {
        if role == .tokenEmbedding || role == .output { return false }
        if [.iq3_XXS, .iq2_XXS, .iq2_XS, .iq2_S, .iq1_M, .iq1_S].contains(type) { return true }
        return type == .q2_K && self == .Q2_K_S
    }

    private var isQuantized: Bool { ![.F32, .F16, .BF16].contains(self) }

    /// The role a tensor plays in llama.cpp's rules, from its GGUF or Hugging Face name.
    public enum Role: Sendable, Hashable {
        case tokenEmbedding, output, attentionQ, attentionK, attentionV, attentionOutput, attentionQKV
        /// DeepSeek's MLA `attn_kv_b`, which llama.cpp quantizes as it does `attn_v`.
        case attentionKVB
        case feedForwardDown, feedForwardGate, feedForwardUp, other
    }

    public static func role(of name: String) -> Role {
        let n = name.lowercased()
        func has(_ parts: String...) -> Bool { parts.contains { n.contains($0) } }
        if has("token_embd.", "embed_tokens", "wte.", "word_embeddings", "tok_embeddings") { return .tokenEmbedding }
        if n == "output.weight" || has("lm_head", "embed_out") { return .output }
        if has("attn_kv_b.", "kv_b_proj") { return .attentionKVB }
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

    /// What llama-quantize knows about the whole model when it picks a tensor's type (`quantize_state_impl`).
    public struct Model: Sendable, Hashable {
        /// Heads ÷ KV heads (`n_gqa`).
        public var gqa: Int
        /// Experts per MoE layer (`n_expert`; 0 for a dense model).
        public var experts: Int
        /// Whether an untied `output.weight` exists (else the token embedding is the output).
        public var hasOutput: Bool
        /// llama.cpp's `LLM_TYPE_70B` (80 layers of Llama or Qwen2), whose `attn_v` gets more bits.
        public var is70B: Bool
        /// Falcon, which has rules of its own.
        public var isFalcon: Bool
        /// Whether an importance matrix is given (`--imatrix`); a few rules depend on it.
        public var importanceMatrix: Bool = false

        public init(gqa: Int, experts: Int = 0, hasOutput: Bool, is70B: Bool = false, isFalcon: Bool = false) {
            self.gqa = gqa
            self.experts = experts
            self.hasOutput = hasOutput
            self.is70B = is70B
            self.isFalcon = isFalcon
        }
    }

    /// The type llama.cpp gives a tensor before the row-length fallback (llama-quant.cpp
    /// `llama_tensor_get_type_impl`, in the llama.cpp version `docs/llamacpp-fidelity.md` names).
    ///
    /// - Parameters:
    ///   - index: the tensor's position among the tensors of its role (`i_attention_wv`, `i_ffn_down`, …), which
    ///     for an MoE model llama.cpp takes from the `blk.N.` in its name; `count`: their number.
    public func tensorType(role: Role, index: Int, count: Int, model m: Model, rowLength: Int) -> GGMLType {
        let base = defaultType
        guard isQuantized else { return base }
        let lowIQ: Set<LlamaFileType> = [.IQ2_XXS, .IQ2_XS, .IQ3_XXS, .IQ1_S, .IQ2_S, .IQ2_M, .IQ1_M]
        if role == .output || (role == .tokenEmbedding && !m.hasOutput) {
            if m.isFalcon || rowLength % base.blockSize != 0 { return .q8_0 }
            if lowIQ.contains(self) { return .q5_K }
            return base == .q8_0 ? base : .q6_K
        }
        if role == .tokenEmbedding {
            switch self {
            case .IQ2_XXS, .IQ2_XS, .IQ1_S, .IQ1_M: return .q2_K
            case .IQ2_S, .IQ2_M, .IQ3_XXS: return .iq3_S
            case .TQ1_0, .TQ2_0: return .q4_K
            default: return base
            }
        }
        let attentionVLike = role == .attentionV || role == .attentionQKV || role == .attentionKVB
        let eighth = index < count / 8
        if [.IQ2_XXS, .IQ2_XS, .IQ1_S, .IQ2_S, .IQ2_M, .IQ1_M].contains(self) {
            let wide: GGMLType = self == .IQ2_S || self == .IQ2_M ? .iq3_S : .q2_K
            if attentionVLike { return m.gqa >= 4 || m.experts >= 4 ? .q4_K : wide }
            if m.experts == 8 && role == .attentionK { return .q4_K }
            if role == .feedForwardDown { return eighth ? wide : base }
            if role == .attentionOutput {
                if m.experts == 8 { return .q5_K }
                if self == .IQ1_S || self == .IQ1_M { return .iq2_XXS }
                return self == .IQ2_S || self == .IQ2_M ? .iq3_S : base
            }
            return base
        }
        switch role {
        case .attentionV, .attentionQKV, .attentionKVB:
            var type = base
            switch self {
            case .Q2_K: type = m.gqa >= 4 ? .q4_K : .q3_K
            case .Q2_K_S: type = m.gqa >= 4 ? .q4_K : base
            case .IQ3_XXS: type = m.gqa >= 4 ? .q4_K : m.importanceMatrix ? .iq3_XXS : .iq3_S
            case .IQ3_XS, .IQ3_S: type = m.gqa >= 4 ? .q4_K : base
            case .IQ3_M: type = .q4_K
            case .Q3_K_M: type = index < 2 ? .q5_K : .q4_K
            case .Q3_K_L: type = .q5_K
            case .IQ4_NL, .IQ4_XS: type = m.gqa >= 4 ? .q5_K : base
            case .Q4_K_M, .Q5_K_M: type = Self.useMoreBits(index, count) ? .q6_K : base
            case .Q4_K_S: type = index < 4 ? .q5_K : base
            default: break
            }
            if m.is70B && (type == .q3_K || type == .q4_K) { type = .q5_K }
            return m.experts == 8 ? .q8_0 : type
        case .attentionK:
            if m.experts == 8 { return .q8_0 }
            if self == .IQ3_XS { return .iq3_XXS }
            return self == .IQ3_XXS ? .iq2_S : base
        case .attentionQ:
            if self == .IQ3_XS { return .iq3_XXS }
            return self == .IQ3_XXS ? .iq2_S : base
        case .feedForwardDown:
            switch self {
            case .Q2_K: return .q3_K
            case .Q2_K_S: return eighth ? .q4_K : base
            case .IQ3_XXS where !m.importanceMatrix: return eighth ? .q4_K : .q3_K
            case .Q3_K_M: return index < count / 16 ? .q5_K : !m.isFalcon || Self.useMoreBits(index, count) ? .q4_K : .q3_K
            case .IQ3_M: return eighth || (m.experts == 8 && Self.useMoreBits(index, count)) ? .q4_K : base
            case .Q3_K_L: return m.isFalcon ? .q4_K : .q5_K
            case .Q4_K_M where m.isFalcon: return index < count / 16 ? .q6_K : Self.useMoreBits(index, count) ? .q5_K : base
            case .Q4_K_M, .Q5_K_M: return Self.useMoreBits(index, count) ? .q6_K : base
            case .IQ4_NL, .IQ4_XS: return eighth && !m.importanceMatrix ? .q5_K : base
            case .Q4_K_S: return eighth && !m.isFalcon ? .q5_K : base
            // With an importance matrix, llama.cpp guards the first ffn_down layers of Q4_0/Q5_0.
            case .Q4_0 where m.importanceMatrix && eighth: return .q4_1
            case .Q5_0 where m.importanceMatrix && eighth: return .q5_1
            default: return base
            }
        case .attentionOutput:
            if m.isFalcon { return self == .Q3_K_L ? .q4_K : base }
            if m.experts == 8 {
                let bumped: Set<LlamaFileType> = [.Q2_K, .IQ3_XS, .IQ3_XXS, .Q3_K_S, .Q3_K_M, .IQ4_NL, .Q4_K_S, .Q4_K_M, .IQ3_S, .IQ3_M, .IQ4_XS]
                return bumped.contains(self) ? .q5_K : base
            }
            switch self {
            case .Q2_K: return .q3_K
            case .IQ3_XXS: return .iq3_S
            case .IQ3_M, .Q3_K_M: return .q4_K
            case .Q3_K_L: return .q5_K
            default: return base
            }
        case .feedForwardGate, .feedForwardUp:
            return self == .IQ3_XS && index >= count / 8 && index < 7 * count / 8 ? .iq3_XXS : base
        default:
            return base
        }
    }

    /// llama.cpp's fallback when a row is not a whole number of blocks.
    static func fallback(_ type: GGMLType, rowLength: Int) -> GGMLType {
        var result = type
        if rowLength % type.blockSize != 0 {
            switch type {
            case .iq2_XXS, .iq2_XS, .iq2_S, .iq3_XXS, .iq3_S, .iq1_S, .iq1_M, .iq4_XS: result = .iq4_NL
            case .q2_K, .q3_K, .tq1_0, .tq2_0: result = .q4_0
            case .q4_K: result = .q5_0
            case .q5_K: result = .q5_1
            case .q6_K: result = .q8_0
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
    case float(FloatFormat)
    /// Linear weights quantized as `fp8`, `int8`, `int4`, `nf4` or a GPTQ/AWQ scheme; embeddings, head, norms and
    /// biases in 16 bits.
    case linear(LinearScheme)
    /// Every 2-D tensor in one ggml type; 1-D tensors stay F32, as in GGUF files.
    case ggml(GGMLType)
    /// A llama.cpp file type with its per-tensor mixture.
    case fileType(LlamaFileType)

    /// Whether llama-quantize writes it (a ggml type or a llama.cpp file type): a GGUF file.
    public var isLlamaCppType: Bool {
        switch self {
        case .ggml, .fileType: true
        default: false
        }
    }

    /// A float type every tensor is held in.
    public enum FloatFormat: String, Sendable, Hashable, CaseIterable {
        case f32, f16, bf16

        /// Bytes per element.
        public var bytes: Int {
            switch self {
            case .f32: 4
            case .f16, .bf16: 2
            }
        }
    }

    /// How block Linear weights are quantized, with its storage layout (``bytes(elements:rows:)``).
    public enum LinearScheme: Sendable, Hashable {
        /// One byte + an fp32 scale per tensor.
        case fp8
        /// One byte + an fp32 scale per row (LLM.int8).
        case int8
        /// GPTQ/AWQ-style 4-bit with groups of 128 (4.156 bpw).
        case int4
        /// bitsandbytes NF4 with double quantization (4.127 bpw, the QLoRA paper's figure).
        case nf4
        /// bitsandbytes NF4 without double quantization: an fp32 absmax per 64.
        case nf4WithoutDoubleQuantization
        /// `gptq-4bit-g128` / `awq-3bit`: `bits` per value, an fp16 scale and a `bits`-bit zero per `group`
        /// values (`nil`: unstated, 128).
        case grouped(GroupMethod, bits: Int, group: Int?)

        public enum GroupMethod: String, Sendable, Hashable, CaseIterable { case gptq, awq }

        /// The group size when a scheme does not state one.
        public static let defaultGroup = 128

        /// The scheme's `--weights` spelling (`nf4-nodq`, `gptq-4bit-g128`).
        public var name: String {
            switch self {
            case .fp8: "fp8"
            case .int8: "int8"
            case .int4: "int4"
            case .nf4: "nf4"
            case .nf4WithoutDoubleQuantization: "nf4-nodq"
            case .grouped(let method, let bits, let group): "\(method.rawValue)-\(bits)bit" + (group.map { "-g\($0)" } ?? "")
            }
        }

        /// Parses `fp8`, `int8`, `int4`, `nf4`, `nf4-nodq` or `gptq-4bit-g128` / `awq-3bit` (bits 2–8, group
        /// 8…2²⁰), lowercase; `nil` for anything else.
        init?(_ name: String) {
            switch name {
            case "fp8": self = .fp8
            case "int8": self = .int8
            case "int4": self = .int4
            case "nf4": self = .nf4
            case "nf4-nodq": self = .nf4WithoutDoubleQuantization
            default:
                let parts = name.split(separator: "-")
                guard parts.count == 2 || parts.count == 3, let method = GroupMethod(rawValue: String(parts[0])), parts[1].hasSuffix("bit"),
                    let bits = Int(parts[1].dropLast(3)), (2...8).contains(bits)
                else { return nil }
                guard parts.count == 3 else {
                    self = .grouped(method, bits: bits, group: nil)
                    return
                }
                guard parts[2].hasPrefix("g"), let group = Int(parts[2].dropFirst()), group >= 8, group <= 1 << 20 else { return nil }
                self = .grouped(method, bits: bits, group: group)
            }
        }

        /// Bytes of a Linear weight of `elements` in `rows` rows: fp8 one byte + an fp32 scale per tensor; int8 one
        /// byte + an fp32 scale per row (LLM.int8); int4 GPTQ/AWQ-style half a byte + an fp16 scale and a 4-bit zero
        /// per group of 128 (4.156 bpw); nf4 bitsandbytes with double quantization: half a byte + an 8-bit absmax
        /// per 64 + an fp32 per 256 absmaxes (4.127 bpw, the QLoRA paper's figure).
        func bytes(elements: Int, rows: Int) -> Int {
            switch self {
            case .fp8: return elements + 4
            case .int8: return elements + 4 * rows
            case .int4: return Self.grouped(.gptq, bits: 4, group: Self.defaultGroup).bytes(elements: elements, rows: rows)
            case .nf4WithoutDoubleQuantization: return (elements + 1) / 2 + (elements + 63) / 64 * 4
            case .nf4: return (elements + 1) / 2 + (elements + 63) / 64 + ((elements + 63) / 64 + 255) / 256 * 4
            case .grouped(_, let bits, let group):
                // Packed values + an fp16 scale and a `bits`-bit zero point per group (GPTQ / AWQ storage).
                let group = group ?? Self.defaultGroup
                let groups = (elements + group - 1) / group
                return (elements * bits + 7) / 8 + groups * 2 + (groups * bits + 7) / 8
            }
        }
    }

    /// Parses a `--weights` value; `nil` when it names nothing Heft knows.
    public init?(_ text: String) {
        let lower = text.lowercased()
        switch lower {
        case "stored": self = .stored
        case "f32", "fp32", "float32": self = .float(.f32)
        case "f16", "fp16", "float16": self = .float(.f16)
        case "bf16", "bfloat16": self = .float(.bf16)
        default:
            // A llama.cpp file type name means what llama-quantize writes (with its mixture); `ggml:NAME` or a
            // ggml type that is no file type (Q4_K, Q8_K) means every 2-D tensor in that one type.
            if let scheme = LinearScheme(lower) {
                self = .linear(scheme)
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
        case .float(let format): format.rawValue
        case .linear(let scheme): scheme.name
        case .ggml(let type): type.name
        case .fileType(let type): type.rawValue
        }
    }
}
