public import HeftFormats

/// Names tensors' roles from their names across model families.
///
/// Naming differs by family: Hugging Face `model.layers.N.self_attn.q_proj`, BERT
/// `encoder.layer.N.attention.self.query`, GPT-2 `h.N.attn.c_attn` (fused qkv), T5
/// `encoder.block.N.layer.K.SelfAttention.q`, GGUF `blk.N.attn_q`, Phi-3 `qkv_proj`/`gate_up_proj`, Mixtral
/// `block_sparse_moe.experts.E`. The rules below look at name components, so unknown families still get a
/// best effort, and a name that matches nothing lands in `other` — never a crash.
public struct TensorClassifier: Sendable {
    /// How packed quantized weights are stored, from `quantization_config` (nil for plain checkpoints).
    public var packing: QuantizationPacking?
    /// The architecture family, where a name's meaning depends on it (Gemma 2/3 `post_attention_layernorm`
    /// follows attention; in Llama it feeds the MLP).
    public var family: Family?

    /// The shapes of MLX `scales` tensors by name: a layer's logical width is its groups × the group size, whatever
    /// bits the layer was quantized with (MLX's mixed recipes quantize some layers with other bits than the
    /// config's default).
    /// (EXL2: each layer's `q_invperm` shape, whose length is the layer's input rows.)
    public var groupShapes: [String: [Int]] = [:]

    /// `tensors`: the checkpoint's tensors, whose MLX scales give each packed layer's width. Without a packing from
    /// the config, NVFP4 weights are recognized by their companions (`weight` bytes beside an E4M3 `weight_scale` and
    /// a `weight_scale_2`, as ModelOpt exports older than its config.json entry write them; or `weight_packed`,
    /// `weight_scale` and `weight_global_scale`, compressed-tensors'), so that their bytes are never read as values.
    public init(packing: QuantizationPacking? = nil, family: Family? = nil, tensors: [TensorInfo] = []) {
        self.packing = packing ?? Self.nvfp4Packing(tensors) ?? Self.exl2Packing(tensors)
        self.family = family
        if self.packing?.method == .mlx {
            for t in tensors where t.name.hasSuffix(".scales") { groupShapes[t.name] = t.shape }
        }
        if self.packing?.method == .exl2 {  // the input rows of each layer: its q_invperm's (or q_perm's) length
            for t in tensors where t.name.hasSuffix(".q_invperm") || t.name.hasSuffix(".q_perm") { groupShapes[t.name] = t.shape }
        }
    }

    /// EXL2, recognized by its tensors when the config names no packing (ExLlamaV2 writes quantization_config only
    /// for some conversions): an int32 `q_weight` beside a `q_invperm` or `q_perm` and `q_groups`.
    private static func exl2Packing(_ tensors: [TensorInfo]) -> QuantizationPacking? {
        let names = Set(tensors.map(\.name))
        for t in tensors where t.storage == .safetensors(.i32) && t.name.hasSuffix(".q_weight") {
            let base = String(t.name.dropLast("q_weight".count))
            if names.contains(base + "q_groups"), names.contains(base + "q_invperm") || names.contains(base + "q_perm") {
                return QuantizationPacking(method: .exl2, bits: 4, groupSize: nil)
            }
        }
        return nil
    }

    /// The NVFP4 packing `tensors` show by their names and types, or nil.
    private static func nvfp4Packing(_ tensors: [TensorInfo]) -> QuantizationPacking? {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for t in tensors where t.storage == .safetensors(.u8) {
            for (suffix, second, method) in [
                (".weight", "_scale_2", QuantizationPacking.Method.modelopt), (".weight_packed", "_global_scale", .compressedTensors),
            ]
            where t.name.hasSuffix(suffix) {
                let base = String(t.name.dropLast(suffix.count)) + ".weight"
                if byName[base + "_scale"]?.storage == .safetensors(.f8e4m3), byName[base + second]?.storage == .safetensors(.f32) {
                    return QuantizationPacking(method: method, bits: 4, groupSize: 16)
                }
            }
        }
        return nil
    }

    /// Containers whose next numeric component is a block index.
    private static let blockContainers: Set<String> = [
        "layers", "layer", "h", "blk", "block", "blocks", "transformer_blocks", "decoder_layers", "encoder_layers",
    ]
    /// Final components of non-learned tensors.
    private static let bufferNames: [String: String] = [
        "position_ids": "position ids",
        "inv_freq": "rotary frequencies",
        "num_batches_tracked": "batch-norm counter",
        "masked_bias": "causal-mask constant",
        "_float_tensor": "placeholder buffer",
        "token_type_ids": "token type ids",
    ]
    /// Final components that describe how a weight is quantized.
    private static let quantizationStateNames: Set<String> = [
        "qzeros", "g_idx", "qscale", "scales", "weight_scale", "weight_zero_point", "weight_g_idx", "weight_shape",
        "weight_scale_inv", "input_scale", "output_scale", "k_scale", "v_scale", "weight_global_scale", "weight_scale_2",
        "input_global_scale", "absmax", "quant_map", "nested_absmax", "nested_quant_map", "scb", "weight_format",
        "zeros", "scale_inv",
    ]
    /// ExLlamaV2's companions of `q_weight` (quantization state only in an EXL2 checkpoint).
    private static let exl2StateNames: Set<String> = ["q_invperm", "q_perm", "q_scale", "q_scale_max", "q_groups", "q_group_map"]

    /// The block a name belongs to, if any.
    public static func block(of components: [Substring]) -> (block: BlockID, position: Int)? {
        for (position, component) in components.enumerated() where position > 0 {
            guard let index = Int(component), blockContainers.contains(components[position - 1].lowercased()) else {
                continue
            }
            let before = components[..<(position - 1)].map { $0.lowercased() }
            let stack: String
            if before.contains(where: { $0.includes("vision") || $0 == "visual" }) {
                stack = "vision"
            } else if before.contains("encoder") {
                stack = "encoder"
            } else if before.contains("decoder") {
                stack = "decoder"
            } else {
                stack = ""
            }
            return (BlockID(stack: stack, index: index), position)
        }
        return nil
    }

    /// Classifies one tensor.
    public func classify(_ tensor: TensorInfo) -> TensorRole {
        let components = tensor.name.split(separator: ".", omittingEmptySubsequences: false)
        let lower = components.map { $0.lowercased() }
        let last = lower.last ?? ""

        // Buffers: not learned.
        if let reason = Self.bufferNames[last] { return .buffer(reason: reason) }
        if lower.contains("rotary_emb") || tensor.name == "rope_freqs.weight" || last == "rope_freqs" {
            return .buffer(reason: "rotary frequencies")
        }
        if last == "bias", lower.count >= 2, ["attn", "attention"].contains(lower[lower.count - 2]), tensor.shape.count >= 2 {
            return .buffer(reason: "causal mask")
        }

        // Quantization state: bitsandbytes puts it after `.weight.`; others use dedicated names.
        if let weightIndex = lower.firstIndex(of: "weight"), weightIndex < lower.count - 1 {
            let next = lower[weightIndex + 1]
            if Self.quantizationStateNames.contains(next) || next.hasPrefix("quant_state") { return .quantizationState }
        }
        if Self.quantizationStateNames.contains(last) || last.hasPrefix("quant_state") {
            if last != "scales" || packing != nil { return .quantizationState }
        }
        if last == "biases", packing?.method == .mlx { return .quantizationState }
        if last.hasSuffix("_scales"), packing?.method == .mxfp4 { return .quantizationState }
        if packing?.method == .exl2, Self.exl2StateNames.contains(last) { return .quantizationState }

        let logical = logicalElements(tensor, last: last)
        let kind = Self.kind(lower: lower, last: last)
        let location = location(components: components, lower: lower, kind: kind)
        return .parameter(kind: kind, location: location, logicalElements: logical)
    }

    /// Whether `tensor` holds packed codes under the checkpoint's quantization: GPTQ's and AWQ's `qweight`,
    /// compressed-tensors' `weight_packed` and MLX's `weight` as 32-bit integers, bitsandbytes' 4-bit `weight` bytes.
    /// Such a tensor is never a weight's values, whatever bits the config claims.
    public func holdsPackedCodes(_ tensor: TensorInfo) -> Bool {
        guard let packing, case .safetensors(let dtype) = tensor.storage else { return false }
        let last = tensor.name.split(separator: ".").last.map(String.init) ?? tensor.name
        if packing.method == .bitsandbytes { return packing.bits == 4 && dtype == .u8 && last == "weight" }
        if packing.method == .mxfp4 { return dtype == .u8 && last.hasSuffix("_blocks") }
        if packing.method == .exl2 { return dtype == .i32 && last == "q_weight" }
        // NVFP4: bytes of two E2M1 codes (ModelOpt's `weight`, compressed-tensors' `weight_packed`).
        if dtype == .u8 {
            return (packing.method == .modelopt && last == "weight") || (packing.method == .compressedTensors && last == "weight_packed")
        }
        guard [.i32, .u32].contains(dtype) else { return false }
        return last == "qweight" || last == "weight_packed" || (packing.method == .mlx && last == "weight")
    }

    /// Elements a packed tensor stands for: `qweight` of I32 holding `32 / bits` values each, and so on.
    private func logicalElements(_ tensor: TensorInfo, last: String) -> Int {
        guard let packing, case .safetensors(let dtype) = tensor.storage else { return tensor.elementCount }
        if dtype == .u8, holdsPackedCodes(tensor) {
            // bitsandbytes 4-bit, gpt-oss's MXFP4 blocks and NVFP4 weights: two 4-bit codes a byte.
            return Checked.multiply(tensor.elementCount, 2) ?? tensor.elementCount
        }
        guard [.i32, .u32].contains(dtype) else { return tensor.elementCount }
        let packed = holdsPackedCodes(tensor)
        if packed, packing.method == .exl2 {
            // Rows packed at their group's width (2 to 8 bits): the logical matrix is q_invperm's rows × q_weight's
            // columns, where the permutation has one entry a row and the packed words fit those rows at 2 to 8 bits
            // (each group's last word may be partly empty: up to 9 bits a row).
            let base = String(tensor.name.dropLast("q_weight".count))
            let permutation = groupShapes[base + "q_invperm"] ?? groupShapes[base + "q_perm"]
            if tensor.shape.count == 2, let shape = permutation, shape.count == 1, let rows = shape.first, rows > 0,
                let words = Checked.multiply(tensor.shape[0], 32), let most = Checked.multiply(rows, 9), words >= 2 * rows, words <= most,
                let logical = Checked.multiply(rows, tensor.shape[1])
            {
                return logical
            }
            return Checked.multiply(tensor.elementCount, 32).map { $0 / Swift.max(1, packing.bits) } ?? tensor.elementCount
        }
        if packed, packing.method == .mlx,
            let size = packing.rule(forModule: String(tensor.name.dropLast(".weight".count)))?.groupSize ?? packing.groupSize, size > 0,
            let scales = groupShapes[String(tensor.name.dropLast("weight".count)) + "scales"], scales.count == tensor.shape.count,
            scales.dropLast() == tensor.shape.dropLast(), let groups = scales.last,
            let logical = Checked.multiply(tensor.elementCount / Swift.max(1, tensor.shape.last ?? 1), groups).flatMap({ Checked.multiply($0, size) })
        {
            return logical
        }
        guard packed, packing.bits > 0, 32 % packing.bits == 0 || packing.bits == 3 || packing.bits == 6 else {
            return tensor.elementCount
        }
        // compressed-tensors' config groups may give a layer other bits than the first group's.
        var bits = packing.bits
        if packing.method == .compressedTensors, last == "weight_packed", tensor.name.count > "_packed".count {
            let module = tensor.name.dropLast(".weight_packed".count)
            bits = packing.bits(forModule: String(module))
        }
        guard bits > 0 else { return tensor.elementCount }
        return Checked.multiply(tensor.elementCount, 32).map { $0 / bits } ?? tensor.elementCount
    }

    private static func kind(lower: [String], last: String) -> ParameterKind {
        if lower.contains(where: { $0.includes("lora") || $0.includes("adapter") || $0 == "ia3_l" }) { return .adapter }
        let body = lower.dropLast()
        let isNorm: (String) -> Bool = { c in
            c.includes("norm") || c == "ln" || c.hasPrefix("ln_") || c.hasPrefix("ln") && c.count <= 4 && c.dropFirst(2).allSatisfy(\.isNumber)
        }
        if body.contains(where: isNorm) || (last.includes("norm") && last != "weight") { return .norm }
        let embeddingNames: Set<String> = [
            "wte", "wpe", "token_embd", "position_embd", "token_types", "tok_embeddings", "relative_attention_bias",
            "word_embeddings", "position_embeddings", "token_type_embeddings",
        ]
        let isEmbedding = body.contains { c in
            embeddingNames.contains(c) || (c.includes("embed") && c != "embed_out")
        }
        if isEmbedding || lower == ["shared", "weight"] { return .embedding }
        // gpt-oss's expert matrices and their biases: `experts.gate_up_proj_blocks`, `experts.down_proj_bias`.
        // gpt-oss's attention sinks: one learned logit a head, added to the softmax's denominator, as a bias is.
        if last == "bias" || last == "b" || last.hasSuffix("_proj_bias") || last == "sinks" { return .bias }
        if last.hasSuffix("_proj_blocks") { return .weight }
        if last == "weight" || last == "qweight" || last == "weight_packed" || last == "q_weight" || last == "w" { return .weight }
        // Bare matrices such as `experts.gate_up_proj` (no `.weight` suffix) are weights.
        if last.hasSuffix("_proj") || last.hasSuffix("proj") { return .weight }
        return .other
    }

    private func location(components: [Substring], lower: [String], kind: ParameterKind) -> Location {
        guard let (block, position) = Self.block(of: components) else {
            return Self.topLevelLocation(lower: lower, kind: kind)
        }
        let inner = Array(lower[(position + 1)...])
        let innerBody = inner.dropLast()

        // Norms whose sublayer is given by name.
        let attentionNorms: Set<String> = [
            "input_layernorm", "ln_1", "attn_norm", "ln_attn", "attn_output_norm", "attention_norm", "norm1",
            "pre_attention_layernorm", "self_attn_layer_norm", "attn_ln", "attn_q_norm", "attn_k_norm",
        ]
        let feedForwardNorms: Set<String> = [
            "ln_2", "ffn_norm", "ln_mlp", "layer_output_norm", "pre_feedforward_layernorm", "post_feedforward_layernorm",
            "norm2", "final_layer_norm", "post_ffw_norm", "ffn_layer_norm", "mlp_ln",
        ]
        if let first = innerBody.first ?? inner.first {
            if attentionNorms.contains(first) { return .attention(block) }
            if feedForwardNorms.contains(first) { return .feedForward(block) }
            if first == "post_attention_layernorm" || first == "post_attention_norm" {
                // Llama, Mistral, Qwen, GPT-NeoX: the norm before the MLP. Gemma 2/3: the norm after attention.
                let gemmaLike = family == .gemma2 || family == .gemma3
                return gemmaLike ? .attention(block) : .feedForward(block)
            }
        }
        // T5: layer.K.layer_norm belongs to sublayer K (encoder: 0 attention, 1 FF; decoder: 0, 1 attention, 2 FF).
        if inner.count >= 3, inner[0] == "layer", let sublayer = Int(inner[1]), innerBody.contains("layer_norm") {
            let feedForwardSublayer = block.stack == "decoder" ? 2 : 1
            return sublayer == feedForwardSublayer ? .feedForward(block) : .attention(block)
        }
        let attentionExact: Set<String> = [
            "q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj", "query", "key", "value", "c_attn", "wq", "wk", "wv",
            "wo", "query_key_value", "wqkv", "out_proj", "q", "k", "v", "o",
        ]
        if innerBody.contains(where: { $0.includes("attn") || $0.includes("attention") || attentionExact.contains($0) }) {
            return .attention(block)
        }
        let feedForwardExact: Set<String> = [
            "c_fc", "fc1", "fc2", "w1", "w2", "w3", "dense_h_to_4h", "dense_4h_to_h", "gate_proj", "up_proj",
            "down_proj", "gate_up_proj", "wi", "wi_0", "wi_1", "router", "gate", "output", "shared_expert_gate",
        ]
        let isFeedForward = innerBody.contains { c in
            c.includes("mlp") || c.includes("ffn") || c.includes("feed_forward") || c.includes("feedforward")
                || c.includes("intermediate") || c.includes("expert") || c.includes("moe")
                || c.includes("densereludense") || feedForwardExact.contains(c)
        }
        if isFeedForward { return .feedForward(block) }
        return .other(block)
    }

    private static func topLevelLocation(lower: [String], kind: ParameterKind) -> Location {
        let body = lower.dropLast()
        if kind == .embedding || body.contains("embeddings") || body.contains("token_embd_norm") || body.contains("emb_ln") {
            return .embeddings
        }
        let headNames: Set<String> = [
            "lm_head", "output", "classifier", "pooler", "cls", "score", "qa_outputs", "embed_out", "ln_f", "norm",
            "output_norm", "final_layer_norm", "final_layernorm", "final_norm", "head", "logits", "predictions",
            "model_norm", "lm_head_norm",
        ]
        if body.contains(where: { headNames.contains($0) }) { return .head }
        return .other(nil)
    }
}
