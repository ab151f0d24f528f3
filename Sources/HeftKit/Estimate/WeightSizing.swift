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
            return WeightSizing(
                precision: "stored (\(profile.storedPrecision ?? "?"))", bytes: stored, byType: byType, exact: true,
                formula: "Σ tensor bytes as stored in the file")
        }
        guard !profile.tensors.isEmpty else { return perParameter(profile, precision) }
        let layers = profile.architecture.layers ?? 1
        let heads = profile.architecture.heads ?? 1
        let gqa = max(1, heads / max(1, profile.architecture.kvHeads ?? heads))
        let hasOutput = profile.tensors.contains { $0.quantizationRole == .output && $0.isParameter }
        var byType: [String: Int] = [:]
        var total: Exact = 0
        for tensor in profile.tensors {
            let (type, bytes) = size(tensor, precision, layers: layers, gqa: gqa, hasOutput: hasOutput)
            byType[type, default: 0] += bytes
            total = total + Exact(bytes)
        }
        guard let bytes = total.value else { throw EstimateError("the weight size overflows 64 bits") }
        return WeightSizing(precision: precision.name, bytes: bytes, byType: byType, exact: true, formula: formula(precision))
    }

    private static func size(_ t: SizedTensor, _ precision: WeightPrecision, layers: Int, gqa: Int, hasOutput: Bool) -> (String, Int) {
        guard t.isParameter else { return (t.storedType ?? "F32", t.storedBytes > 0 ? t.storedBytes : t.elements * 4) }
        let oneDimensional = t.shape.filter { $0 > 1 }.count <= 1
        // llama-quantize leaves an MoE router (`ffn_gate_inp`) in the type the converter wrote, F32
        // (llama-quant.cpp `tensor_allows_quantization`).
        let router = t.name.contains("ffn_gate_inp") || t.name.hasSuffix("mlp.gate.weight") || t.name.contains("block_sparse_moe.gate.")
        switch precision {
        case .stored:
            return (t.storedType ?? "?", t.storedBytes)
        case .float(let format):
            return (format.rawValue.uppercased(), t.elements * format.bytes)
        case .linear(let scheme):
            guard t.isBlockLinear else { return ("F16", t.elements * 2) }
            return (scheme.name, scheme.bytes(elements: t.elements, rows: t.elements / max(1, t.rowLength)))
        case .ggml(let type):
            if oneDimensional || router { return ("F32", t.elements * 4) }
            let chosen = LlamaFileType.fallback(type, rowLength: t.rowLength)
            return (chosen.name, t.elements / chosen.blockSize * chosen.bytesPerBlock)
        case .fileType(let fileType):
            if fileType == .F32 || oneDimensional || router { return ("F32", t.elements * 4) }
            let role = t.quantizationRole
            let type = fileType.tensorType(role: role, layer: t.layer ?? 0, layers: layers, gqa: gqa, hasOutput: hasOutput, rowLength: t.rowLength)
            let chosen = LlamaFileType.fallback(type, rowLength: t.rowLength)
            return (chosen.name, t.elements / chosen.blockSize * chosen.bytesPerBlock)
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
        case .linear(let scheme): "block Linear weights in \(scheme.name) (layout in docs/estimates.md), all other tensors 16-bit"
        case .ggml(let type): "2-D tensors: elements ÷ \(type.blockSize) × \(type.bytesPerBlock) bytes (\(type.name)); 1-D tensors F32, as in GGUF"
        case .fileType(let fileType): "llama.cpp \(fileType.rawValue) mixture: per-tensor types from llama-quant.cpp rules; 1-D tensors F32"
        }
    }
}
