internal import HeftFormats

/// `heft plan quantize`: every quantization scheme for one model, with exact sizes and published quality.
public struct QuantizePlan: Sendable, Codable {
    public struct Scheme: Sendable, Codable {
        /// The scheme's own name: llama.cpp's (`Q4_K_M`, `IQ4_XS`) or `F16`, `FP8`, `INT8`, `NF4`, `NF4-DQ`,
        /// `GPTQ-4bit-g128`, `AWQ-3bit-g128`.
        public let name: String
        /// The kind of scheme, for grouping and for finding published results.
        public enum Family: String, Sendable, Hashable, Codable {
            case float, fp8, bitsandbytes, gptq, awq
            case llamaCpp = "llama.cpp"
        }

        public let family: Family
        public let bytes: Int
        /// bytes × 8 ÷ parameters.
        public let bitsPerWeight: Double
        /// Weights + KV cache + activations + overhead at the plan's context.
        public let memoryBytes: Int
        public let fits: Bool?
        /// False when sized per parameter (no tensor list).
        public let exact: Bool
        /// Published quality changes for this scheme (any model), with sources.
        public let quality: [QualityResult]
        public let note: String?
    }

    public let model: String
    public let parameters: Int
    public let context: Int
    public let hardware: String?
    public let budgetBytes: Int?
    public let schemes: [Scheme]
    /// The highest-precision scheme that fits the budget (and the GPU), when one was given.
    public let recommended: String?
    public let rule: String
    public let warnings: [String]

    /// Every scheme the planner sizes, in order of decreasing bits.
    public static func schemeNames(groupSize: Int) -> [(name: String, family: Scheme.Family, precision: WeightPrecision)] {
        var list: [(String, Scheme.Family, WeightPrecision)] = [
            // Float rows as GGUF stores them (1-D tensors F32), so that their names mean what llama.cpp's do.
            ("F32", .float, .ggml(.f32)),
            ("F16", .float, .ggml(.f16)),
            ("BF16", .float, .ggml(.bf16)),
            ("FP8", .fp8, .linear(.fp8)),
            ("INT8", .bitsandbytes, .linear(.int8)),
            ("NF4", .bitsandbytes, .linear(.nf4WithoutDoubleQuantization)),
            ("NF4-DQ", .bitsandbytes, .linear(.nf4)),
        ]
        for (method, family) in [(WeightPrecision.LinearScheme.GroupMethod.gptq, Scheme.Family.gptq), (.awq, .awq)] {
            for bits in [4, 3] {
                list.append(
                    ("\(method.rawValue.uppercased())-\(bits)bit-g\(groupSize)", family, .linear(.grouped(method, bits: bits, group: groupSize))))
            }
        }
        let fileTypes: [LlamaFileType] = [
            .Q8_0, .Q6_K, .Q5_K_M, .Q5_K_S, .Q5_1, .Q5_0, .Q4_K_M, .Q4_K_S, .Q4_1, .IQ4_NL, .Q4_0, .IQ4_XS, .Q3_K_L, .Q3_K_M,
            .IQ3_M, .IQ3_S, .Q3_K_S, .IQ3_XS, .IQ3_XXS, .Q2_K, .Q2_K_S, .IQ2_M, .IQ2_S, .IQ2_XS, .IQ2_XXS, .IQ1_M, .IQ1_S,
        ]
        for type in fileTypes { list.append((type.rawValue, .llamaCpp, .fileType(type))) }
        return list
    }

    /// Published results that belong to a scheme: llama.cpp types by name, GPTQ/AWQ by method and bits.
    static func quality(name: String, family: Scheme.Family, precision: WeightPrecision) -> [QualityResult] {
        Evidence.quantization.filter { result in
            let method = result.method.lowercased()
            switch (family, precision) {
            case (.llamaCpp, _): return method == "llama.cpp " + name.lowercased()
            case (.gptq, .linear(.grouped(let scheme, let bits, _))), (.awq, .linear(.grouped(let scheme, let bits, _))):
                return (method == scheme.rawValue || method.hasPrefix(scheme.rawValue + " w\(bits)")) && result.weightBits == bits
            default: return false
            }
        }
    }

    public init(profile: ModelProfile, context: Int, hardware: HardwareSelection?, budgetBytes: Int?, groupSize: Int = 128) throws(EstimateError) {
        guard budgetBytes.map({ $0 > 0 }) ?? true else { throw EstimateError(field: "budget", "must be a positive size") }
        var warnings = profile.warnings
        var schemes: [Scheme] = []
        for (name, family, precision) in Self.schemeNames(groupSize: groupSize) {
            var request = MemoryRequest()
            request.contexts = [context]
            request.weights = precision
            request.hardware = hardware
            let estimate = try MemoryEstimate(profile: profile, request: request)
            guard let breakdown = estimate.estimates.first else { continue }
            var note: String?
            if case .fileType(let type) = precision, type.needsImportanceMatrix {
                note = "llama.cpp requires an importance matrix for \(type.rawValue); sized without its extra rules"
            }
            schemes.append(
                Scheme(
                    name: name,
                    family: family,
                    bytes: estimate.weights.bytes,
                    bitsPerWeight: Double(estimate.weights.bytes) * 8 / Double(max(profile.parameters, 1)),
                    memoryBytes: breakdown.totalBytes,
                    fits: breakdown.fit?.fits,
                    exact: estimate.weights.exact,
                    quality: Self.quality(name: name, family: family, precision: precision),
                    note: note
                )
            )
        }
        if profile.tensors.isEmpty { warnings.append("no tensor list: sizes are per parameter, not per tensor") }
        let capacity = [budgetBytes, hardware?.usableBytes].compactMap { $0 }.min()
        self.recommended = capacity.flatMap { limit in
            schemes.filter { $0.memoryBytes <= limit }.max { $0.bitsPerWeight < $1.bitsPerWeight }?.name
        }
        if let capacity, recommended == nil {
            warnings.append("no scheme fits \(Formatting.decimalSize(capacity)) at \(context) tokens: lower the context, or distill or prune first")
        }
        self.model = profile.name
        self.parameters = profile.parameters
        self.context = context
        self.hardware = hardware.map { "\($0.count) × \($0.hardware.id)" }
        self.budgetBytes = budgetBytes
        self.schemes = schemes.sorted { $0.bitsPerWeight > $1.bitsPerWeight }
        self.rule =
            "recommended = the scheme with the most bits per weight whose total memory at the context fits the budget and the GPU (more bits lose less quality: see the published ΔPPL)"
        self.warnings = warnings
    }
}
