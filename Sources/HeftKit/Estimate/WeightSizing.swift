internal import HeftFormats

/// The bytes weights take at a precision: exact from the tensor list where there is one.
public struct WeightSizing: Sendable, Hashable, Codable {
    public let precision: String
    public let bytes: Int
    /// Bytes per storage type.
    public let byType: [String: Int]
    /// False when sized per parameter because no tensor list exists (an approximation).
    public let exact: Bool
    /// How the number was computed.
    public let formula: String
    /// The whole GGUF file llama-quantize would write (header + tensors, each padded to the alignment), for a
    /// llama.cpp type sized from a single-file GGUF; the file on disk for `stored`; else `nil`.
    public var fileBytes: Int? = nil
    /// Whether llama-quantize needs an importance matrix for this type on this model (some tensor gets an IQ1,
    /// IQ2 or IQ3_XXS type, or Q2_K in Q2_K_S): sized as written with one.
    public var importanceMatrix = false
    /// Bytes and parameters of the 2-D parameter tensors (what a quantization scheme quantizes).
    public var matrixBytes = 0
    public var matrixParameters = 0

    /// Sizes `profile`'s weights at `precision`.
    public static func size(_ profile: ModelProfile, precision requested: WeightPrecision) throws(EstimateError) -> WeightSizing {
        var precision = requested
        if case .stored = requested, profile.storedBytes == nil {
            // A config or a bare count has nothing stored: use the published dtype, else 16-bit.
            precision = WeightPrecision(profile.declaredPrecision ?? "bf16") ?? .float(.bf16)
        }
        if case .stored = precision, let stored = profile.storedBytes {
            var byType: [String: Int] = [:]
            for tensor in profile.tensors { byType[tensor.storedType ?? "?", default: 0] += tensor.storedBytes }
            var sized = WeightSizing(
                precision: "stored (\(profile.storedPrecision ?? "?"))", bytes: stored, byType: byType, exact: true,
                formula: "Σ tensor bytes as stored in the file")
            sized.fileBytes = profile.fileBytes
            return sized
        }
        guard !profile.tensors.isEmpty else { return perParameter(profile, precision) }
        let a = profile.architecture
        let heads = a.heads ?? 1
        var model = LlamaFileType.Model(
            gqa: max(1, heads / max(1, a.kvHeads ?? heads)),
            experts: a.experts ?? 0,
            hasOutput: profile.tensors.contains { $0.quantizationRole == .output && $0.isParameter },
            // llama.cpp's LLM_TYPE_70B: a Llama with 80 layers and grouped-query attention.
            is70B: a.family == .llama && a.layers == 80 && a.kvHeads.map { $0 != heads } == true,
            isFalcon: a.family == .falcon
        )
        // llama-quantize counts the tensors of each role (attn_v-like, ffn_down, ffn_gate, ffn_up) and numbers
        // them in file order; for an MoE model the feed-forward ones take their layer from the name.
        func counter(_ role: LlamaFileType.Role) -> LlamaFileType.Role {
            switch role {
            case .attentionQKV, .attentionKVB: .attentionV
            default: role
            }
        }
        func isMatrix(_ t: SizedTensor) -> Bool { t.isParameter && t.shape.filter { $0 > 1 }.count > 1 }
        let counts = Dictionary(grouping: profile.tensors.filter(isMatrix), by: { counter($0.quantizationRole) }).mapValues(\.count)
        let alignment = profile.ggufHeader?.alignment ?? 32
        var byType: [String: Int] = [:]
        var total: Exact = 0
        var padded: Exact = 0
        var needsMatrix = false
        var matrices: (bytes: Exact, parameters: Exact) = (0, 0)
        // Without an importance matrix first; if a tensor then needs one, as llama-quantize writes it with one.
        for withMatrix in [false, true] where withMatrix == needsMatrix {
            model.importanceMatrix = withMatrix
            (byType, total, padded, matrices) = ([:], 0, 0, (0, 0))
            var seen: [LlamaFileType.Role: Int] = [:]
            for tensor in profile.tensors {
                let role = counter(tensor.quantizationRole)
                var position = (index: seen[role, default: 0], count: counts[role] ?? 1)
                if [.feedForwardDown, .feedForwardGate, .feedForwardUp].contains(role), (a.experts ?? 0) > 1, let layer = tensor.layer {
                    position.index = layer
                }
                let (type, bytes, ggml) = size(tensor, precision, model: model, position: position)
                if isMatrix(tensor) {
                    seen[role, default: 0] += 1
                    matrices = (matrices.bytes + Exact(bytes), matrices.parameters + Exact(tensor.elements))
                }
                if case .fileType(let fileType) = precision, let ggml, fileType.requiresImportanceMatrix(ggml, role: tensor.quantizationRole) {
                    needsMatrix = true
                }
                byType[type, default: 0] += bytes
                total = total + Exact(bytes)
                padded = padded + Exact((bytes + alignment - 1) / alignment * alignment)
            }
        }
        guard let bytes = total.value else { throw EstimateError("the weight size overflows 64 bits") }
        var sized = WeightSizing(precision: precision.name, bytes: bytes, byType: byType, exact: true, formula: formula(precision))
        sized.importanceMatrix = needsMatrix
        (sized.matrixBytes, sized.matrixParameters) = (matrices.bytes.value ?? bytes, matrices.parameters.value ?? 0)
        if let header = profile.ggufHeader, precision.isLlamaCppType {
            // llama-quantize copies every key and sets general.quantization_version and general.file_type (u32):
            // 8-byte length + name + 4-byte type + 4-byte value each, when absent.
            let added = (header.hasQuantizationVersion ? 0 : 8 + 28 + 8) + (header.hasFileType ? 0 : 8 + 17 + 8)
            let headerBytes = (header.bytes + added + alignment - 1) / alignment * alignment
            sized.fileBytes = (padded + Exact(headerBytes)).value
        }
        return sized
    }

    private static func size(_ t: SizedTensor, _ precision: WeightPrecision, model: LlamaFileType.Model, position: (index: Int, count: Int))
        -> (name: String, bytes: Int, ggml: GGMLType?)
    {
        guard t.isParameter else { return (t.storedType ?? "F32", t.storedBytes > 0 ? t.storedBytes : t.elements * 4, nil) }
        let oneDimensional = t.shape.filter { $0 > 1 }.count <= 1
        // llama-quantize leaves an MoE router (`ffn_gate_inp`) in the type the converter wrote, F32
        // (llama-quant.cpp `tensor_allows_quantization`).
        let router = t.name.contains("ffn_gate_inp") || t.name.hasSuffix("mlp.gate.weight") || t.name.contains("block_sparse_moe.gate.")
        switch precision {
        case .stored:
            return (t.storedType ?? "?", t.storedBytes, nil)
        case .float(let format):
            return (format.rawValue.uppercased(), t.elements * format.bytes, nil)
        case .linear(let scheme):
            guard t.isBlockLinear else { return ("F16", t.elements * 2, nil) }
            return (scheme.name, scheme.bytes(elements: t.elements, rows: t.elements / max(1, t.rowLength)), nil)
        case .ggml(let type):
            if oneDimensional || router { return ("F32", t.elements * 4, .f32) }
            let chosen = LlamaFileType.fallback(type, rowLength: t.rowLength)
            return (chosen.name, t.elements / chosen.blockSize * chosen.bytesPerBlock, chosen)
        case .fileType(let fileType):
            if fileType == .F32 || oneDimensional || router { return ("F32", t.elements * 4, .f32) }
            let type = fileType.tensorType(
                role: t.quantizationRole, index: position.index, count: position.count, model: model, rowLength: t.rowLength)
            let chosen = LlamaFileType.fallback(type, rowLength: t.rowLength)
            return (chosen.name, t.elements / chosen.blockSize * chosen.bytesPerBlock, chosen)
        }
    }

    private static func perParameter(_ profile: ModelProfile, _ precision: WeightPrecision) -> WeightSizing {
        let p = profile.parameters
        let (bytes, label): (Int, String) =
            switch precision {
            case .stored: (p * 2, "BF16")
            case .float(let format): (p * format.bytes, format.rawValue.uppercased())
            case .linear(let scheme): (scheme.bytes(elements: p, rows: 1), scheme.name)
            case .ggml(let type): (p / type.blockSize * type.bytesPerBlock, type.name)
            case .fileType(let fileType): (p / fileType.defaultType.blockSize * fileType.defaultType.bytesPerBlock, fileType.defaultType.name)
            }
        return WeightSizing(
            precision: precision.name,
            bytes: bytes,
            byType: [label: bytes],
            exact: false,
            formula: "parameters × bytes per parameter of \(label) (no tensor list: norms, embeddings and mixtures not told apart)"
        )
    }

    private static func formula(_ precision: WeightPrecision) -> String {
        switch precision {
        case .stored: "Σ tensor bytes as stored"
        case .float(let format): "Σ elements × \(format.bytes) bytes (\(format.rawValue))"
        case .linear(let scheme): "block Linear weights in \(scheme.name) (its blocks' bytes per value), all other tensors 16-bit"
        case .ggml(let type): "2-D tensors: elements ÷ \(type.blockSize) × \(type.bytesPerBlock) bytes (\(type.name)); 1-D tensors F32, as in GGUF"
        case .fileType(let fileType): "llama.cpp \(fileType.rawValue) mixture: per-tensor types from llama-quant.cpp rules; 1-D tensors F32"
        }
    }
}
