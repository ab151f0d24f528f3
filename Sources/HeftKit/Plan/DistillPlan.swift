internal import HeftFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `heft plan distill` inputs.
public struct DistillRequest: Sendable {
    public enum Method: String, Sendable, CaseIterable, Codable { case logit, feature, attention }

    public var teacherParameters: Int
    /// Teacher ÷ student; give this or ``studentParameters``.
    public var ratio: Double?
    public var studentParameters: Int?
    public var method: Method = .logit
    public var temperature = 2.0
    /// The seed's λ (1 by default; presets per method family from published pairs).
    public var lambda = 1.0
    /// Tokens for a 1× (no compression) run; the seed scales them by 1 + 0.4·log₁₀(r).
    public var baseTokens = 1e9
    public var hardware: HardwareSelection?
    /// Fraction of peak bf16 FLOP/s sustained in training (model FLOPs utilization).
    public var utilization = 0.4
    /// The teacher's config, for a concrete student architecture.
    public var teacherConfig: ConfigReader?
    /// Logits kept per token when caching teacher outputs.
    public var cachedTopK = 64

    public init(teacherParameters: Int) { self.teacherParameters = teacherParameters }
}

/// A distillation plan: the seed calculator's numbers exactly, plus compute, memory, a concrete student and the
/// published evidence.
public struct DistillPlan: Sendable, Codable {
    public struct Compute: Sendable, Codable {
        /// 6 · N_student · D.
        public let studentTrainingFlops: Double
        /// 2 · N_teacher · D (online teacher forward passes).
        public let teacherForwardFlops: Double
        public let totalFlops: Double
        /// Bytes to cache the teacher's top-k logits for every token (fp16 value + int32 index).
        public let cachedTopKLogitsBytes: Double
        public let cachedTopK: Int
        /// Bytes to cache full-vocabulary fp16 logits, when the vocabulary is known.
        public let cachedFullLogitsBytes: Double?
        public let gpuHours: Double?
        public let hardware: String?
        public let utilization: Double
    }

    public struct Memory: Sendable, Codable {
        /// Teacher weights in bf16 for forward passes.
        public let teacherBytes: Int
        /// Student weights, gradients and mixed-precision Adam state: 16 bytes per parameter.
        public let studentTrainingBytes: Int
        public let totalBytes: Int
    }

    public struct Student: Sendable, Codable {
        /// How the student shrinks the teacher.
        public enum Strategy: String, Sendable, Hashable, Codable {
            /// Drop layers.
            case depth
            /// Shrink hidden, FFN and heads.
            case width
        }

        public let strategy: Strategy
        public let parameters: Int
        /// The config keys that change, old → new.
        public let changes: [String: Int]
        public let differencePercent: Double
    }

    public struct TemperatureExample: Sendable, Codable {
        public let temperature: Double
        public let probabilities: [Double]
    }

    public struct EvidenceRow: Sendable, Codable {
        public let id: String
        public let family: String
        public let ratio: Double
        public let retention: Double?
        public let impliedLambda: Double?
        public let benchmark: String
        public let source: String
    }

    public struct PresetRow: Sendable, Codable {
        public let family: String
        public let description: String
        public let lambdaMedian: Double
        public let lambdaMinimum: Double
        public let lambdaMaximum: Double
        public let pairs: Int
        /// 100 − 12·λ·log₁₀(r) at the median λ for this plan's ratio.
        public let accuracyPercentAtMedian: Double
        public let accuracyPercentRange: [Double]
    }

    /// One distillation method: what it transfers, and what its teacher signal costs for this teacher.
    public struct MethodRow: Sendable, Codable, Hashable {
        public let method: DistillRequest.Method
        public let transfers: String
        public let complexity: String
        public let typicalUse: String
        /// Bytes per training token to cache the teacher's signal instead of running the teacher (nil: not cached in
        /// practice — attention maps grow with the square of the sequence).
        public let cacheBytesPerToken: Int?
        public let note: String
        public let chosen: Bool
    }

    public let teacherParameters: Int
    public let studentParameters: Int
    public let compressionRatio: Double
    /// 100 − λ·log₁₀(r)·12, percent of teacher quality (estimate).
    public let accuracyPercent: Double
    /// base × (1 + 0.4·log₁₀(r)) (estimate).
    public let trainingTokens: Int
    public let lambda: Double
    public let method: String
    public let temperature: Double
    public let compute: Compute
    public let memory: Memory
    public let students: [Student]
    /// Logit, feature and attention distillation side by side.
    public let methods: [MethodRow]
    public let temperatureExamples: [TemperatureExample]
    public let temperatureExampleLabels: [String]
    public let guidance: [String]
    public let evidence: [EvidenceRow]
    public let presets: [PresetRow]
    public let formulas: [String: String]
    public let warnings: [String]

    /// The seed's accuracy estimate.
    public static func accuracy(lambda: Double, ratio: Double) -> Double { 100 - lambda * log10(ratio) * 12 }

    /// Plans `request`. Throws on impossible inputs, naming the flag.
    public init(_ r: DistillRequest) throws(EstimateError) {
        guard r.teacherParameters >= 1 else { throw EstimateError(field: "params", "must be at least 1") }
        guard r.lambda.isFinite, r.lambda >= -5, r.lambda <= 20 else {
            throw EstimateError(field: "lambda", "must be a finite number between -5 and 20")
        }
        guard r.temperature.isFinite, r.temperature > 0, r.temperature <= 100 else {
            throw EstimateError(field: "temperature", "must be in (0, 100]")
        }
        guard r.baseTokens.isFinite, r.baseTokens >= 1, r.baseTokens <= 1e16 else {
            throw EstimateError(field: "baseTokens", "must be between 1 and 1e16")
        }
        guard r.utilization.isFinite, r.utilization >= 0.01, r.utilization <= 1 else {
            throw EstimateError(field: "utilization", "must be a fraction from 0.01 to 1")
        }
        let teacher = Double(r.teacherParameters)
        let ratio: Double
        if let given = r.ratio {
            guard given.isFinite, given > 0 else { throw EstimateError(field: "ratio", "must be a positive number") }
            ratio = given
        } else if let student = r.studentParameters {
            guard student >= 1 else { throw EstimateError(field: "studentParams", "must be at least 1") }
            guard student < r.teacherParameters else {
                throw EstimateError(
                    field: "studentParams",
                    "the student (\(Formatting.grouped(student))) must have fewer parameters than the teacher (\(Formatting.grouped(r.teacherParameters))): distillation compresses",
                    refused: true)
            }
            ratio = teacher / Double(student)
        } else {
            throw EstimateError(field: "ratio", "give a compression ratio (--ratio R) or the student's size (--student-params N)")
        }
        var warnings: [String] = []
        if ratio <= 1 { warnings.append("ratio \(ratio) ≤ 1: the student is not smaller than the teacher (no compression)") }
        if ratio >= 10 {
            warnings.append("\(Formatting.fixed(ratio, decimals: 1))× compression: 10× and beyond needs more data and tuning; 3–5× is the safe range")
        }
        let studentParameters: Int =
            if let given = r.studentParameters { given } else { try Sizes.whole(teacher / ratio, "the student's parameter count") }
        guard studentParameters >= 1 else { throw EstimateError("the student would have no parameters at ratio \(ratio)") }
        let logRatio = log10(ratio)
        let tokens = r.baseTokens * (1 + 0.4 * logRatio)

        self.teacherParameters = r.teacherParameters
        self.studentParameters = studentParameters
        self.compressionRatio = ratio
        self.accuracyPercent = Self.accuracy(lambda: r.lambda, ratio: ratio)
        self.trainingTokens = try Sizes.whole(max(tokens, 0), "the training tokens")
        self.lambda = r.lambda
        self.method = r.method.rawValue
        self.temperature = r.temperature

        let studentFlops = 6 * Double(studentParameters) * tokens
        let teacherFlops = 2 * teacher * tokens
        var gpuHours: Double?
        if let hardware = r.hardware {
            let (peak, _) = hardware.hardware.peakFlops(.bf16)
            gpuHours = (studentFlops + teacherFlops) / (peak * r.utilization) / 3600
        }
        let vocab = (try? r.teacherConfig?.int("vocab_size", "n_vocab", maximum: 1 << 31)) ?? nil
        self.compute = Compute(
            studentTrainingFlops: studentFlops,
            teacherForwardFlops: teacherFlops,
            totalFlops: studentFlops + teacherFlops,
            cachedTopKLogitsBytes: tokens * Double(r.cachedTopK) * 6,
            cachedTopK: r.cachedTopK,
            cachedFullLogitsBytes: vocab.map { tokens * Double($0) * 2 },
            gpuHours: gpuHours,
            hardware: r.hardware.map { "\($0.count) × \($0.hardware.id)" },
            utilization: r.utilization
        )
        let teacherBytes = r.teacherParameters * 2
        let studentBytes = try Sizes.product(studentParameters, 16, "the student's training memory")
        self.memory = Memory(teacherBytes: teacherBytes, studentTrainingBytes: studentBytes, totalBytes: teacherBytes + studentBytes)
        self.students = r.teacherConfig.map { Self.students(config: $0, target: studentParameters) } ?? []
        if r.teacherConfig != nil, students.isEmpty {
            warnings.append(
                "no student architecture: Heft derives students for families with an exact formula (Llama, Mistral, Qwen, Gemma, Phi-3, GPT-2, BERT…)"
            )
        }

        // The seed's example of dark knowledge: a "2" whose runner-up classes are 7 and 1.
        let logits = [6.0, 3.0, 2.0, 0.0, -1.0]  // the largest first
        self.temperatureExampleLabels = ["2", "7", "1", "9", "4"]
        self.temperatureExamples = Array(Set([1.0, r.temperature, 4.0])).sorted().map { t in
            // Shifted by the largest logit, so that a tiny temperature underflows to 0 instead of overflowing to ∞.
            let exps = logits.map { exp(($0 - 6.0) / t) }
            let sum = exps.reduce(0, +)
            return TemperatureExample(temperature: t, probabilities: exps.map { $0 / sum })
        }
        var guidance = [
            "Start with logit distillation (Hinton 2015): the simplest and most effective; add feature or attention losses if quality plateaus.",
            "Temperature 2–4 is typical: softer targets carry more dark knowledge; T = 1 is the teacher's plain probabilities.",
            "Moderate compression first: 3–5× is safe; 10×+ requires more data and tuning.",
            "Distill first, then quantize, for maximum compression.",
        ]
        switch r.method {
        case .logit: break
        case .feature:
            guidance.append("Feature distillation matches hidden states (MSE or cosine): the student needs a projection where widths differ.")
        case .attention:
            guidance.append(
                "Attention distillation transfers attention maps: the student needs compatible head counts (or a mapping), and it costs the most.")
        }
        if r.temperature < 1 || r.temperature > 8 {
            warnings.append("temperature \(r.temperature) is outside the usual 1–8 (T = 2–4 is typical)")
        }
        self.guidance = guidance
        let hidden = (try? r.teacherConfig?.int("hidden_size", "n_embd", "d_model", maximum: 1 << 24)) ?? nil
        let layers = (try? r.teacherConfig?.int("num_hidden_layers", "n_layer", "num_layers", maximum: 1 << 16)) ?? nil
        self.methods = [
            MethodRow(
                method: .logit, transfers: "softmax outputs (soft targets at temperature T)", complexity: "low",
                typicalUse: "classification, generation", cacheBytesPerToken: r.cachedTopK * 6,
                note: "top-\(r.cachedTopK) logits, fp16 value + int32 index"
                    + (vocab.map { "; full vocabulary \(Formatting.grouped($0 * 2)) bytes" } ?? ""),
                chosen: r.method == .logit),
            MethodRow(
                method: .feature, transfers: "hidden states (MSE or cosine, a projection where widths differ)", complexity: "medium",
                typicalUse: "BERT-style encoders, embeddings", cacheBytesPerToken: hidden.map { h in (layers ?? 1) * h * 2 },
                note: hidden.map { "every layer's hidden state in bf16: \(layers ?? 1) × \($0) × 2 bytes" } ?? "needs the teacher's width (a config)",
                chosen: r.method == .feature),
            MethodRow(
                method: .attention, transfers: "attention maps (heads × tokens × tokens)", complexity: "high",
                typicalUse: "aligning transformer internals (TinyBERT, MiniLM)", cacheBytesPerToken: nil,
                note: "maps grow with the square of the sequence: computed by the teacher during training, not cached",
                chosen: r.method == .attention),
        ]
        self.evidence = Evidence.pairs.map {
            EvidenceRow(
                id: $0.id, family: $0.family, ratio: $0.ratio, retention: $0.retention, impliedLambda: $0.impliedLambda, benchmark: $0.benchmark,
                source: $0.source)
        }
        self.presets = Evidence.presets.map { p in
            PresetRow(
                family: p.family,
                description: p.description,
                lambdaMedian: p.median,
                lambdaMinimum: p.minimum,
                lambdaMaximum: p.maximum,
                pairs: p.pairs,
                accuracyPercentAtMedian: Self.accuracy(lambda: p.median, ratio: ratio),
                accuracyPercentRange: [Self.accuracy(lambda: p.maximum, ratio: ratio), Self.accuracy(lambda: p.minimum, ratio: ratio)]
            )
        }
        self.formulas = [
            "studentParameters": "teacher ÷ r, rounded to an integer (exact)",
            "accuracyPercent": "100 − λ·log₁₀(r)·12 (an empirical estimate; λ depends on method, data and benchmark)",
            "trainingTokens": "base × (1 + 0.4·log₁₀(r)) (an empirical estimate)",
            "compute": "6·N_student·D training + 2·N_teacher·D teacher forward passes; GPU-hours = FLOPs ÷ (peak bf16 × utilization) ÷ 3600",
            "memory": "teacher bf16 weights 2·N_teacher + student mixed-precision Adam 16·N_student (activations not included)",
            "cachedLogits": "D × k × 6 bytes (fp16 value + int32 index) for top-k; D × vocab × 2 for full fp16 logits",
        ]
        self.warnings = warnings
    }

    /// Students derived from the teacher's config, Minitron-style: drop layers (depth) or shrink hidden size,
    /// FFN and heads together (width), each the candidate with the exact count closest to `target`.
    static func students(config: ConfigReader, target: Int) -> [Student] {
        guard let base = try? ConfigArchitecture(config: config), base.formula != nil,
            let layers = base.architecture.layers, let hidden = base.architecture.hiddenSize, let heads = base.architecture.heads
        else { return [] }
        let ffn = base.architecture.ffnSize
        let headDim = base.architecture.headDim ?? hidden / heads
        let kvHeads = base.architecture.kvHeads ?? heads
        let layerKey = ["num_hidden_layers", "n_layer", "num_layers", "n_layers"].first { config.text[$0] != nil } ?? "num_hidden_layers"
        let hiddenKey = ["hidden_size", "n_embd", "d_model", "dim"].first { config.text[$0] != nil } ?? "hidden_size"
        let headKey = ["num_attention_heads", "n_head", "num_heads", "n_heads"].first { config.text[$0] != nil } ?? "num_attention_heads"
        let ffnKey = ["intermediate_size", "n_inner", "d_ff", "ffn_dim", "hidden_dim"].first { config.text[$0] != nil }
        let kvKey = config.text["num_key_value_heads"] != nil ? "num_key_value_heads" : nil
        let explicitHeadDim = config.text["head_dim"] != nil

        func count(_ changes: [String: Int]) -> Int? {
            let object = config.text.replacing(changes)
            let reader = ConfigReader(path: config.path, root: object)
            return (try? ConfigArchitecture(config: reader))?.formula?.total
        }
        var results: [Student] = []
        // Depth: keep k layers. Counts are linear in k for these formulas, so solve for k and check its neighbours.
        var bestDepth: (Int, Int)?
        if layers > 1, let one = count([layerKey: 1]), let two = count([layerKey: 2]), two > one {
            let guess = 1 + (target - one) / (two - one)
            let low = min(max(1, guess - 2), layers - 1)
            let high = max(low, min(layers - 1, guess + 2))
            for k in low...high {
                guard let total = count([layerKey: k]) else { continue }
                if bestDepth == nil || abs(total - target) < abs(bestDepth!.1 - target) { bestDepth = (k, total) }
            }
        }
        if let (k, total) = bestDepth {
            results.append(
                Student(
                    strategy: .depth, parameters: total, changes: [layerKey: k], differencePercent: Double(total - target) / Double(target) * 100))
        }
        // Width: hidden in steps of whole heads; FFN scaled alike (rounded to 64); KV heads kept when they divide.
        var bestWidth: (changes: [String: Int], total: Int)?
        // At most 64 candidate head counts, evenly spread, so that a config with 65,536 heads stays quick.
        let step = max(1, heads / 64)
        for keptHeads in Set(stride(from: heads, through: 1, by: -step).map { $0 } + [1]).sorted(by: >) {
            var changes: [String: Int] = [headKey: keptHeads]
            let newHidden = explicitHeadDim ? hidden * keptHeads / heads / 64 * 64 : keptHeads * headDim
            guard newHidden > 0 else { continue }
            changes[hiddenKey] = newHidden
            if let kvKey {
                let kv = stride(from: min(kvHeads, keptHeads), through: 1, by: -1).first { keptHeads % $0 == 0 } ?? 1
                changes[kvKey] = kv
            }
            if let ffnKey, let ffn {
                changes[ffnKey] = max(64, ffn * keptHeads / heads / 64 * 64)
            }
            guard let total = count(changes) else { continue }
            if bestWidth == nil || abs(total - target) < abs(bestWidth!.total - target) { bestWidth = (changes, total) }
        }
        if let (changes, total) = bestWidth {
            results.append(
                Student(strategy: .width, parameters: total, changes: changes, differencePercent: Double(total - target) / Double(target) * 100))
        }
        return results
    }

    /// The student's config.json: the teacher's with the strategy's keys replaced.
    public static func studentConfig(_ config: ConfigReader, student: Student) -> String {
        let replaced = config.text.replacing(student.changes)
        if config.text == config.root { return JSONValue.object(replaced).serialized() }
        return JSONValue.object(config.root.replacingValue("text_config", with: .object(replaced))).serialized()
    }
}
