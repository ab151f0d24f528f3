internal import HeftFormats

/// `heft plan pipeline`: the seed's constrained-deployment workflow — distill, quantize, prune — as one plan,
/// with size, memory and estimated quality after each step against a memory target.
public struct PipelinePlan: Sendable, Codable {
    public struct Step: Sendable, Codable {
        public let step: String
        public let detail: String
        public let parameters: Int
        public let weightBytes: Int
        /// Weights + KV cache + activations + overhead at the context.
        public let memoryBytes: Int
        /// Accuracy retained from distillation, % of the original (the distillation estimate; other steps keep it).
        public let accuracyPercent: Double
        /// Perplexity after quantization and pruning as a multiple of the original's (published ratios, multiplied);
        /// `nil` when a step has no published figure: its quality is unknown, never assumed lossless.
        public let perplexityRatio: Double?
        public let qualityBasis: String
        public let meetsTarget: Bool?
    }

    public let model: String
    public let context: Int
    public let targetBytes: Int?
    public let steps: [Step]
    /// The first step after which the model fits the target.
    public let firstFit: String?
    public let assumptions: [String]
    public let warnings: [String]

    public init(
        profile: ModelProfile,
        context: Int,
        distillRatio: Double?,
        lambda: Double,
        scheme: String,
        sparsity24: Bool,
        targetBytes: Int?,
        hardware: HardwareSelection?
    ) throws(EstimateError) {
        guard let precision = WeightPrecision(scheme) else { throw EstimateError(field: "quantize", "unknown scheme '\(scheme)'") }
        var warnings = profile.warnings
        let target = [targetBytes, hardware?.usableBytes].compactMap { $0 }.min()
        func measure(_ p: ModelProfile, _ weights: WeightPrecision) throws(EstimateError) -> (weights: Int, total: Int) {
            var request = MemoryRequest()
            request.contexts = [context]
            request.weights = weights
            let estimate = try MemoryEstimate(profile: p, request: request)
            return (estimate.weights.bytes, estimate.estimates.first?.totalBytes ?? 0)
        }
        var steps: [Step] = []
        var accuracy = 100.0
        var perplexity: Double? = 1
        let start = try measure(profile, .stored)
        steps.append(
            Step(
                step: "start", detail: "as stored", parameters: profile.parameters, weightBytes: start.weights, memoryBytes: start.total,
                accuracyPercent: 100, perplexityRatio: 1, qualityBasis: "the original model", meetsTarget: target.map { start.total <= $0 }))

        var current = profile
        if let ratio = distillRatio {
            guard ratio.isFinite, ratio > 1 else { throw EstimateError(field: "distill", "must be a ratio above 1") }
            let studentTarget = try Sizes.whole(Double(profile.parameters) / ratio, "the student's parameter count")
            guard studentTarget >= 1 else {
                throw EstimateError(
                    field: "distill", "a ratio of \(ratio) leaves the student of a \(profile.parameters)-parameter model no parameters", refused: true
                )
            }
            if let config = profile.config,
                let width = DistillPlan.students(config: config, target: studentTarget).first(where: { $0.strategy == .width })
            {
                let reader = ConfigReader(path: config.path, root: config.text.replacing(width.changes))
                do throws(FormatError) {
                    current = try ModelProfile.configOnly(path: profile.name + " (student)", config: reader, parameters: nil)
                } catch {
                    throw EstimateError("the student config is invalid: \(error.detail)")
                }
                current.declaredPrecision = profile.declaredPrecision ?? "bf16"
            } else {
                current = ModelProfile.bare(parameters: studentTarget, architecture: profile.architecture)
                warnings.append("no config.json to derive a student from: the student keeps the teacher's attention shape")
            }
            let retention = DistillPlan.accuracy(lambda: lambda, ratio: Double(profile.parameters) / Double(current.parameters))
            accuracy = retention
            let m = try measure(current, .float(.bf16))
            steps.append(
                Step(
                    step: "distill", detail: "\(Formatting.fixed(ratio, decimals: 2))× student, width-pruned as in Minitron, bf16",
                    parameters: current.parameters, weightBytes: m.weights, memoryBytes: m.total, accuracyPercent: accuracy,
                    perplexityRatio: perplexity,
                    qualityBasis: "100 − 12·λ·log₁₀(r) with λ = \(lambda)", meetsTarget: target.map { m.total <= $0 }))
        }
        let quantized = try measure(current, precision)
        let published: [QualityResult]
        if case .fileType = precision {
            published = QuantizePlan.quality(name: precision.name, family: .llamaCpp, precision: precision)
        } else {
            published = []
        }
        var basis = "no published figure for \(precision.name): its quality loss is unknown (not assumed lossless)"
        if let result = published.first(where: { $0.baseline != nil && $0.quantized != nil }), let base = result.baseline, let q = result.quantized,
            base > 0
        {
            perplexity = perplexity.map { $0 * q / base }
            basis = "perplexity \(q) vs \(base) on \(result.model) (\(result.source))"
        } else if case .float = precision {
            basis = "a float type: no quantization loss"
        } else {
            perplexity = nil
        }
        steps.append(
            Step(
                step: "quantize", detail: precision.name, parameters: current.parameters, weightBytes: quantized.weights,
                memoryBytes: quantized.total, accuracyPercent: accuracy, perplexityRatio: perplexity, qualityBasis: basis,
                meetsTarget: target.map { quantized.total <= $0 }))
        if sparsity24 {
            // 2:4 halves the pruned Linear weights' values and adds 2 bits per kept value; runtimes that support it
            // (sparse tensor cores) read the compressed form.
            let linear = current.tensors.filter(\.isBlockLinear).reduce(0) { $0 + $1.elements }
            let linearShare = current.tensors.isEmpty ? 0.9 : Double(linear) / Double(max(current.parameters, 1))
            let saved = Int(Double(quantized.weights) * linearShare * 0.5) - linear / 8
            let reference = Evidence.pruning.first { $0.method == "Wanda" && $0.sparsity.contains("2:4") && $0.model.contains("7B") }
            var pruneBasis = "no published 2:4 figure"
            if let reference, let dense = reference.dense, let pruned = reference.pruned, dense > 0 {
                perplexity = perplexity.map { $0 * pruned / dense }
                pruneBasis = "perplexity \(pruned) vs \(dense), Wanda 2:4 on \(reference.model) (\(reference.source))"
            } else {
                perplexity = nil
            }
            steps.append(
                Step(
                    step: "prune", detail: "2:4 sparsity on block Linear weights", parameters: current.parameters,
                    weightBytes: quantized.weights - saved, memoryBytes: quantized.total - saved, accuracyPercent: accuracy,
                    perplexityRatio: perplexity, qualityBasis: pruneBasis,
                    meetsTarget: target.map { quantized.total - saved <= $0 }))
            warnings.append(
                "2:4 sparsity saves memory only in runtimes that store it compressed (sparse tensor cores); quantized 2:4 kernels are rarer still")
        }
        self.model = profile.name
        self.context = context
        self.targetBytes = target
        self.steps = steps
        self.firstFit = steps.first { $0.meetsTarget == true }?.step
        self.assumptions = [
            "two measures, never multiplied together: accuracy retained from distillation (the distillation estimate), and perplexity after quantization and pruning as a multiple of the original's (published ratios, multiplied; an estimate, steps interact)",
            "the distilled student is trained in bf16 and quantized afterwards (distill first, then quantize)",
        ]
        self.warnings = warnings
    }
}

/// `heft advise`: the seed's "choose model size" decision flow.
public struct Advice: Sendable, Codable {
    public enum Task: String, Sendable, CaseIterable, Codable { case simple, moderate, complex }

    public struct Technique: Sendable, Codable {
        public let technique: String
        public let reason: String
    }

    public let task: String
    public let tier: String
    public let tierReason: String
    /// The largest model (parameters) whose weights, KV cache and overhead fit the memory budget at Q4_K_M
    /// (≈ 4.89 bits per weight), 8 bits and 16 bits.
    public let largestFitting: [String: Int]
    /// The largest model whose weights the GPU can stream at the target decode speed, at 4 and 16 bits.
    public let largestForLatency: [String: Int]
    public let smallestLikely: String
    public let techniques: [Technique]
    public let decisionFlow: [String]
    /// How the size limits are estimated.
    public let formulas: [String: String]

    public init(task: Task, dataTokens: Double?, memoryBytes: Int?, context: Int, tokensPerSecond: Double?, hardware: HardwareSelection?)
        throws(EstimateError)
    {
        if let dataTokens {
            guard dataTokens.isFinite, dataTokens >= 0 else { throw EstimateError(field: "dataTokens", "must be a non-negative number") }
        }
        if let tokensPerSecond {
            guard tokensPerSecond.isFinite, tokensPerSecond > 0 else { throw EstimateError(field: "tokensPerSecond", "must be positive") }
        }
        guard context >= 1, context <= 1 << 26 else { throw EstimateError(field: "context", "must be between 1 and 67108864") }
        let tiers: [Task: (String, String)] = [
            .simple: ("10M–100M", "simple tasks: edge-friendly, fast models suffice"),
            .moderate: ("100M–1B", "contextual understanding at reasonable latency; may need task-specific fine-tuning"),
            .complex: ("1B–100B+", "heavy reasoning, long context and generation favour larger models (strong generalization, few-shot)"),
        ]
        let (tier, reason) = tiers[task] ?? ("100M–1B", "")
        self.task = task.rawValue
        self.tier = tier
        self.tierReason = reason
        // Memory: weights at bpw + a GQA-style KV cache (≈ 0.1 MB per token per 1B parameters, Llama-3-8B-like)
        // + 512 MiB overhead. Solved for parameters.
        let capacity = [memoryBytes, hardware?.usableBytes].compactMap { $0 }.min()
        var fitting: [String: Int] = [:]
        if let capacity {
            let kvPerTokenPerParameter = 131_072.0 / 8.03e9
            for (name, bits) in [("Q4_K_M", 4.8944), ("8-bit", 8.5), ("16-bit", 16.0)] {
                let perParameter = bits / 8 + kvPerTokenPerParameter * Double(context)
                fitting[name] = Sizes.capped((Double(capacity) - Double(512 << 20)) / perParameter, at: ModelSpec.maximumParameters)
            }
        }
        self.largestFitting = fitting
        var latency: [String: Int] = [:]
        if let tokensPerSecond, let hardware {
            let bytesPerSecond = hardware.hardware.bandwidth * Double(hardware.count) * 0.7
            for (name, bits) in [("Q4_K_M", 4.8944), ("16-bit", 16.0)] {
                latency[name] = Sizes.capped(bytesPerSecond / tokensPerSecond / (bits / 8), at: ModelSpec.maximumParameters)
            }
        }
        self.largestForLatency = latency
        let limit = ([fitting["Q4_K_M"], latency["Q4_K_M"]].compactMap { $0 }).min()
        let tierFloor: Int = task == .simple ? 10_000_000 : task == .moderate ? 100_000_000 : 1_000_000_000
        if let limit, limit < tierFloor {
            smallestLikely =
                "the budget allows about \(Formatting.compactCount(limit)) parameters at Q4_K_M, below the \(tier) tier: distill to it, or relax the budget"
        } else {
            smallestLikely =
                "start at the bottom of the \(tier) tier (\(Formatting.compactCount(tierFloor))) and scale up only if the metrics are not met"
                + (limit.map { "; the budget allows up to \(Formatting.compactCount($0)) at Q4_K_M" } ?? "")
        }
        var techniques: [Technique] = []
        if let dataTokens, dataTokens < 1e8 {
            techniques.append(
                Technique(
                    technique: "adapters / LoRA",
                    reason:
                        "\(Formatting.compactCount(Sizes.capped(dataTokens, at: Int.max))) tokens of data is small: keep the base frozen and train tiny adapters with regularization to avoid overfitting"
                ))
        } else {
            techniques.append(Technique(technique: "fine-tuning", reason: "enough data to fine-tune; LoRA still saves memory (heft plan lora)"))
        }
        if capacity != nil || tokensPerSecond != nil {
            techniques.append(
                Technique(
                    technique: "quantization to 8 or 4 bits",
                    reason: "memory and latency budgets: 8-bit is nearly lossless, 4-bit needs calibration (heft plan quantize --budget)"))
            techniques.append(
                Technique(
                    technique: "knowledge distillation",
                    reason: "to reach a smaller architecture while keeping behaviour: 3–5× is safe (heft plan distill)"))
        }
        techniques.append(
            Technique(
                technique: "structured pruning",
                reason: "only if the inference library exploits it; remove heads, layers or FFN width rather than single weights (heft plan prune)"))
        self.techniques = techniques
        self.formulas = [
            "largestFitting":
                "(memory − 512 MiB overhead) ÷ (bits per weight ÷ 8 + context × 131,072 ÷ 8.03e9 bytes of KV cache per parameter, the Llama-3-8B ratio)",
            "largestForLatency": "bandwidth × 0.7 ÷ tokens per second ÷ (bits per weight ÷ 8): every weight is read once per generated token",
        ]
        self.decisionFlow = [
            "1. Define success metrics: accuracy, latency, cost.",
            "2. Estimate data scale and variability.",
            "3. Start with the smallest model likely to meet the metrics; scale up only if necessary.",
            "Constrained deployment: medium model → distill → quantize to 8 or 4 bits → prune if the runtime supports it; validate at production precision.",
        ]
    }
}
