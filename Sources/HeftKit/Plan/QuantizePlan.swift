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
        /// Tensor data.
        public let bytes: Int
        /// The whole GGUF file llama-quantize would write (header included), when the source is a single GGUF.
        public let fileBytes: Int?
        /// bytes × 8 ÷ parameters.
        public let bitsPerWeight: Double
        /// fileBytes × 8 ÷ parameters: what a download costs per parameter.
        public let fileBitsPerWeight: Double?
        /// Bits per parameter of the matrices the scheme quantizes (2-D weights), without the tensors it keeps in
        /// F32 or 16 bits: the number a scheme's name promises.
        public let quantizedBitsPerWeight: Double
        /// Weights + KV cache + activations + the engine's buffers at the plan's context.
        public let memoryBytes: Int
        /// Whether ``memoryBytes`` is within the budget and one GPU's usable memory (`nil` when neither is given).
        public let fits: Bool?
        /// Decode tokens per second of one sequence at the plan's context on the GPU, when one is given (estimate).
        public let decodeTokensPerSecond: Double?
        /// The perplexity change the recommendation ranks by: 0 for float formats, else the first published ΔPPL.
        public let deltaPerplexity: Double?
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
        var gpuCapacity: Int?
        for (name, family, precision) in Self.schemeNames(groupSize: groupSize) {
            var request = MemoryRequest()
            request.contexts = [context]
            request.weights = precision
            request.hardware = hardware
            let estimate = try MemoryEstimate(profile: profile, request: request)
            guard let breakdown = estimate.estimates.first else { continue }
            var note: String?
            if estimate.weights.importanceMatrix {
                note = "llama-quantize needs an importance matrix (--imatrix) for \(name) on this model; sized as written with one"
            }
            gpuCapacity = breakdown.fit?.capacityBytes
            let quality = Self.quality(name: name, family: family, precision: precision)
            let parameters = Double(max(profile.parameters, 1))
            let w = estimate.weights
            var fits: Bool?
            if budgetBytes != nil || breakdown.fit != nil {
                fits = (breakdown.fit?.fits ?? true) && budgetBytes.map { breakdown.totalBytes <= $0 } ?? true
            }
            schemes.append(
                Scheme(
                    name: name,
                    family: family,
                    bytes: w.bytes,
                    fileBytes: w.fileBytes,
                    bitsPerWeight: Double(w.bytes) * 8 / parameters,
                    fileBitsPerWeight: w.fileBytes.map { Double($0) * 8 / parameters },
                    quantizedBitsPerWeight: Double(w.matrixBytes) * 8 / Double(max(w.matrixParameters, 1)),
                    memoryBytes: breakdown.totalBytes,
                    fits: fits,
                    decodeTokensPerSecond: breakdown.speed?.decodeTokensPerSecond,
                    deltaPerplexity: family == .float ? 0 : quality.lazy.compactMap(\.delta).first,
                    exact: w.exact,
                    quality: quality,
                    note: note
                )
            )
        }
        if profile.tensors.isEmpty { warnings.append("no tensor list: sizes are per parameter, not per tensor") }
        // Quality first: the lowest published perplexity change among the schemes that fit, then the smallest.
        if budgetBytes != nil || hardware != nil {
            let ranked = schemes.filter { $0.fits == true && $0.deltaPerplexity != nil }
                .min { ($0.deltaPerplexity!, $0.bytes) < ($1.deltaPerplexity!, $1.bytes) }
            self.recommended = ranked?.name
            if !schemes.contains(where: { $0.fits == true }) {
                let limit = [budgetBytes, gpuCapacity].compactMap { $0 }.min() ?? 0
                warnings.append("no scheme fits \(Formatting.decimalSize(limit)) at \(context) tokens: lower the context, or distill or prune first")
            } else if ranked == nil {
                warnings.append("the schemes that fit have no published perplexity change: none is recommended")
            }
        } else {
            self.recommended = nil
        }
        self.model = profile.name
        self.parameters = profile.parameters
        self.context = context
        self.hardware = hardware.map { "\($0.count) × \($0.hardware.id)" }
        self.budgetBytes = budgetBytes
        self.schemes = schemes.sorted { $0.bitsPerWeight > $1.bitsPerWeight }
        self.rule =
            "recommended = among the schemes whose memory at the context fits the budget and one GPU, the lowest published ΔPPL (float formats 0), then the fewest bytes; the figures come from other models (llama.cpp's Llama-3-8B scoreboard, the GPTQ/AWQ papers' Llama-2-7B), so they rank schemes, not predict this model's loss"
        self.warnings = warnings
    }
}
