internal import HeftFormats

/// `heft plan lora`: trainable parameters and training memory for LoRA and QLoRA.
public struct LoRAPlan: Sendable, Codable {
    public let model: String
    public let parameters: Int
    public let rank: Int
    public let targets: [String]
    public let trainableParameters: Int
    /// trainable ÷ total × 100.
    public let trainablePercent: Double
    public let perModule: [String: Int]
    /// Training memory at `context` (the same estimate as `heft memory --lora-rank R` with the same settings): LoRA
    /// over the base as stored, QLoRA over an NF4 base.
    public let loraMemoryBytes: Int
    public let qloraMemoryBytes: Int
    /// The sequence length, recomputation, micro-batch and attention the memory figures assume.
    public let context: Int
    public let assumptions: [String: String]
    /// Bytes of the adapter file in 16-bit.
    public let adapterBytes: Int
    public let formula: String
    public let warnings: [String]

    /// - Parameter training: precision, optimizer, recomputation and micro-batch of the run (its LoRA fields are
    ///   set here); `flashAttention` as in ``MemoryRequest``.
    public init(
        profile: ModelProfile, rank: Int, modules: [LoRAModule], context: Int, training: TrainingRequest = TrainingRequest(),
        flashAttention: Bool = true
    ) throws(EstimateError) {
        guard rank >= 1, rank <= 65_536 else { throw EstimateError(field: "rank", "must be between 1 and 65536") }
        guard profile.architecture.hiddenSize != nil, profile.architecture.heads != nil, profile.architecture.layers != nil else {
            throw EstimateError(
                "LoRA needs the architecture (layers, hidden size, heads): give a SOURCE with config.json or GGUF metadata, or --layers --hidden --heads"
            )
        }
        let count = LoRACount(architecture: profile.architecture, rank: rank, modules: modules)
        var warnings = profile.warnings
        if !count.missing.isEmpty { warnings.append("this architecture has no \(count.missing.joined(separator: ", ")) matrix; not counted") }
        func memory(qlora: Bool) throws(EstimateError) -> Int {
            var run = training
            run.loraRank = rank
            run.loraModules = modules
            run.qlora = qlora
            return try MemoryEstimate.trainingTotal(profile, context: context, flashAttention: flashAttention, training: run)
        }
        self.model = profile.name
        self.parameters = profile.parameters
        self.rank = rank
        self.targets = modules.map(\.rawValue)
        self.trainableParameters = count.trainableParameters
        self.trainablePercent = Double(count.trainableParameters) / Double(max(profile.parameters, 1)) * 100
        self.perModule = count.perModule
        self.loraMemoryBytes = try memory(qlora: false)
        self.qloraMemoryBytes = try memory(qlora: true)
        self.context = context
        self.assumptions = [
            "context": "\(context) tokens per sequence (--context)",
            "microBatch": "\(training.microBatch) sequence(s) per step (--micro-batch)",
            "checkpointing": "activation recomputation: \(training.checkpointing.rawValue) (--checkpointing)",
            "flashAttention": flashAttention ? "on: no stored attention scores" : "off: attention scores stored",
            "training": "\(training.precision.rawValue) \(training.optimizer.rawValue), the same estimate as heft memory --lora-rank \(rank)",
        ]
        self.adapterBytes = count.trainableParameters * 2
        self.formula =
            "trainable = rank × Σ adapted matrices (d_in + d_out) × layers (× experts for MoE FFN matrices); memory: frozen base + adapters with their gradients and optimizer state + activations, as heft memory computes training"
        self.warnings = warnings
    }
}

/// `heft plan lowrank`: replacing m×n matrices by rank-r factors (m×r + r×n), and ALBERT-style embeddings.
public struct LowRankPlan: Sendable, Codable {
    public struct Matrix: Sendable, Codable {
        public let name: String
        public let rows: Int
        public let columns: Int
        public let parameters: Int
        public let factoredParameters: Int
        public let saved: Int
    }

    public let model: String
    public let rank: Int
    public let matrices: [Matrix]
    public let parametersBefore: Int
    public let parametersAfter: Int
    public let saved: Int
    /// Saved bytes at the stored precision (bytes per parameter of the model as a whole).
    public let savedBytes: Int
    public let embedding: Embedding?
    public let formula: String
    public let warnings: [String]

    public struct Embedding: Sendable, Codable {
        public let vocabulary: Int
        public let hidden: Int
        public let rank: Int
        /// V·H.
        public let parameters: Int
        /// V·E + E·H.
        public let factoredParameters: Int
        public let saved: Int
        public let reduction: Double
    }

    /// ALBERT's factorized embedding: V·H → V·E + E·H.
    public static func embedding(vocabulary: Int, hidden: Int, rank: Int) -> Embedding {
        let before = vocabulary * hidden
        let after = vocabulary * rank + rank * hidden
        return Embedding(
            vocabulary: vocabulary, hidden: hidden, rank: rank, parameters: before, factoredParameters: after, saved: before - after,
            reduction: Double(before) / Double(after))
    }

    public init(profile: ModelProfile, rank: Int, modules: [LoRAModule], embeddingRank: Int?) throws(EstimateError) {
        guard rank >= 1 else { throw EstimateError(field: "rank", "must be at least 1") }
        let warnings = profile.warnings
        let wanted = Set(modules.map(\.rawValue))
        var matrices: [Matrix] = []
        for tensor in profile.tensors where tensor.isBlockLinear && tensor.shape.count == 2 {
            guard let module = Self.module(of: tensor.name), wanted.contains(module) else { continue }
            let (m, n) = (tensor.shape[0], tensor.shape[1])
            let factored = rank * (m + n)
            matrices.append(Matrix(name: tensor.name, rows: m, columns: n, parameters: m * n, factoredParameters: factored, saved: m * n - factored))
        }
        if matrices.isEmpty {
            throw EstimateError(
                "no \(modules.map(\.rawValue).joined(separator: ",")) matrices in this model's tensor list (low-rank planning needs a SOURCE with tensors or a Llama-family config.json)"
            )
        }
        // A rank at or past a matrix's break-even point m·n ÷ (m + n) makes it larger: refuse it, naming the
        // largest rank that still saves on every matrix.
        let losing = matrices.filter { $0.saved <= 0 }
        if let worst = losing.min(by: { $0.parameters / ($0.rows + $0.columns) < $1.parameters / ($1.rows + $1.columns) }) {
            let largest = matrices.map { ($0.parameters - 1) / ($0.rows + $0.columns) }.min() ?? 0
            throw EstimateError(
                field: "rank",
                "rank \(rank) saves nothing on \(losing.count) of \(matrices.count) matrices (\(worst.name), \(worst.rows)×\(worst.columns), breaks even at r = \(worst.parameters / (worst.rows + worst.columns))); the largest rank that saves on every matrix is \(largest)",
                refused: true
            )
        }
        let saved = matrices.reduce(0) { $0 + max(0, $1.saved) }
        var embedding: Embedding?
        if let e = embeddingRank, let v = profile.architecture.vocabSize, let h = profile.architecture.hiddenSize {
            guard e >= 1 else { throw EstimateError(field: "embeddingRank", "must be at least 1") }
            embedding = Self.embedding(vocabulary: v, hidden: h, rank: e)
            if let embedding, embedding.saved <= 0 {
                throw EstimateError(
                    field: "embeddingRank",
                    "embedding rank \(e) saves nothing on a \(v)×\(h) embedding; the largest that saves is \((v * h - 1) / (v + h))",
                    refused: true)
            }
        }
        let totalSaved = saved + max(0, embedding?.saved ?? 0)
        let bytesPerParameter = Double(profile.storedBytes ?? profile.parameters * 2) / Double(max(profile.parameters, 1))
        self.model = profile.name
        self.rank = rank
        self.matrices = matrices
        self.parametersBefore = profile.parameters
        self.parametersAfter = profile.parameters - totalSaved
        self.saved = totalSaved
        self.savedBytes = try Sizes.whole(Double(totalSaved) * bytesPerParameter, "the bytes saved")
        self.embedding = embedding
        self.formula =
            "an m×n matrix (m·n parameters) becomes m×r and r×n factors (r·(m + n)); worth it only for r < m·n ÷ (m + n). ALBERT embeddings: V·H → V·E + E·H"
        self.warnings = warnings
    }

    /// The LoRA module name of a tensor (GGUF or Hugging Face naming).
    static func module(of name: String) -> String? {
        switch LlamaFileType.role(of: name) {
        case .attentionQ: "q"
        case .attentionK: "k"
        case .attentionV: "v"
        case .attentionOutput: "o"
        case .feedForwardGate: "gate"
        case .feedForwardUp: "up"
        case .feedForwardDown: "down"
        default: nil
        }
    }
}

/// `heft plan prune`: structured pruning with exact counts, and unstructured or 2:4 sparsity with storage.
public struct PrunePlan: Sendable, Codable {
    public struct Structured: Sendable, Codable {
        public let changes: [String: Int]
        public let parametersBefore: Int
        public let parametersAfter: Int
        public let activeParametersAfter: Int
        /// Weights at the model's stored bytes per parameter.
        public let weightBytesAfter: Int
    }

    public struct Sparse: Sendable, Codable {
        /// Fraction of zeros in the pruned Linear weights.
        public let sparsity: Double
        public let pattern: String
        public let prunedParameters: Int
        /// Bytes of those weights stored densely.
        public let denseBytes: Int
        /// Values of the non-zeros + a 1-bit mask per element.
        public let bitmaskBytes: Int
        /// Values + int32 column index per non-zero + int32 row pointers.
        public let csrBytes: Int
        /// 2:4 (NVIDIA sparse tensor cores): half the values + 2 bits of index metadata per kept value.
        public let twoFourBytes: Int?
        public let caveat: String
    }

    public let model: String
    public let structured: Structured?
    public let sparse: Sparse?
    public let references: [PruningResult]
    public let formulas: [String: String]
    public let warnings: [String]

    public init(
        profile: ModelProfile,
        config: ConfigReader?,
        dropLayers: Int?,
        keepHeads: Int?,
        keepFFN: Int?,
        keepExperts: Int?,
        sparsity: Double?,
        twoFour: Bool
    ) throws(EstimateError) {
        var warnings = profile.warnings
        var structured: Structured?
        if dropLayers != nil || keepHeads != nil || keepFFN != nil || keepExperts != nil {
            guard let config else { throw EstimateError("structured pruning needs the model's config.json (a SOURCE directory or config.json)") }
            let a = profile.architecture
            var changes: [String: Int] = [:]
            if let drop = dropLayers {
                guard let layers = a.layers, drop >= 1, drop < layers else {
                    throw EstimateError(field: "dropLayers", "must be between 1 and the layer count − 1", refused: true)
                }
                changes[["num_hidden_layers", "n_layer", "num_layers", "n_layers"].first { config.text[$0] != nil } ?? "num_hidden_layers"] =
                    layers - drop
            }
            if let heads = keepHeads {
                guard let h = a.heads, heads >= 1, heads <= h else {
                    throw EstimateError(field: "keepHeads", "must be between 1 and the head count", refused: true)
                }
                let d = a.headDim ?? (a.hiddenSize ?? 0) / h
                changes["num_attention_heads"] = heads
                changes["head_dim"] = d
                if let kv = a.kvHeads {
                    changes["num_key_value_heads"] = stride(from: min(kv, heads), through: 1, by: -1).first { heads % $0 == 0 } ?? 1
                }
            }
            if let ffn = keepFFN {
                guard let i = a.ffnSize, ffn >= 1, ffn <= i else {
                    throw EstimateError(field: "keepFfn", "must be between 1 and the FFN size", refused: true)
                }
                changes[["intermediate_size", "n_inner", "d_ff", "ffn_dim"].first { config.text[$0] != nil } ?? "intermediate_size"] = ffn
            }
            if let experts = keepExperts {
                guard let e = a.experts, experts >= 1, experts <= e else {
                    throw EstimateError(field: "keepExperts", "needs a mixture-of-experts model and a count up to its experts", refused: true)
                }
                changes[["num_local_experts", "num_experts", "n_routed_experts"].first { config.text[$0] != nil } ?? "num_local_experts"] = experts
                if let k = a.expertsPerToken, k > experts { changes["num_experts_per_tok"] = experts }
            }
            let pruned = ConfigReader(path: config.path, root: config.text.replacing(changes))
            let result: ConfigArchitecture
            do throws(FormatError) {
                result = try ConfigArchitecture(config: pruned)
            } catch {
                throw EstimateError("the pruned config is invalid: \(error.detail)")
            }
            guard let formula = result.formula else { throw EstimateError("no exact formula for this family; structured pruning cannot be counted") }
            let bytesPerParameter = Double(profile.storedBytes ?? profile.parameters * 2) / Double(max(profile.parameters, 1))
            structured = Structured(
                changes: changes,
                parametersBefore: profile.parameters,
                parametersAfter: formula.total,
                activeParametersAfter: formula.active,
                weightBytesAfter: try Sizes.whole(Double(formula.total) * bytesPerParameter, "the pruned weights' bytes")
            )
        }
        var sparse: Sparse?
        if sparsity != nil || twoFour {
            let s = twoFour ? 0.5 : sparsity ?? 0.5
            guard s.isFinite, s > 0, s < 1 else { throw EstimateError(field: "sparsity", "must be a fraction in (0, 1)") }
            let linear = profile.tensors.filter(\.isBlockLinear)
            let n = linear.isEmpty ? profile.parameters : linear.reduce(0) { $0 + $1.elements }
            if linear.isEmpty { warnings.append("no tensor list: every parameter is treated as prunable") }
            let rows = linear.isEmpty ? n / 4096 : linear.reduce(0) { $0 + $1.elements / max(1, $1.rowLength) }
            let valueBytes = 2  // 16-bit values: sparse kernels run on fp16/bf16 weights.
            let nonZeros = try Sizes.whole(Double(n) * (1 - s), "the non-zero count")
            sparse = Sparse(
                sparsity: s,
                pattern: twoFour ? "2:4" : "unstructured",
                prunedParameters: n,
                denseBytes: n * valueBytes,
                bitmaskBytes: SparseStorage.bitmaskBytes(elements: n, nonZeros: nonZeros, bytesPerValue: Double(valueBytes)),
                csrBytes: SparseStorage.csrBytes(rows: rows, nonZeros: nonZeros, bytesPerValue: Double(valueBytes)),
                twoFourBytes: twoFour ? n / 2 * valueBytes + (n / 2 * 2 + 7) / 8 : nil,
                caveat:
                    "Storage and speed drop only where the runtime exploits the sparsity: 2:4 on sparse tensor cores, unstructured only in specialized kernels; apply structured pruning only where your inference library supports it"
            )
        }
        guard structured != nil || sparse != nil else {
            throw EstimateError(
                field: "prune", "say what to prune: --drop-layers, --keep-heads, --keep-ffn, --keep-experts, --sparsity or --two-four")
        }
        self.model = profile.name
        self.structured = structured
        self.sparse = sparse
        self.references = Evidence.pruning.filter { r in
            twoFour ? r.sparsity.contains("2:4") : sparse != nil ? r.sparsity.contains("unstructured") || r.sparsity.contains("%") : true
        }
        self.formulas = [
            "structured": "the pruned config's exact family formula (layers, heads, FFN width, experts)",
            "bitmask": "non-zeros × value bytes + ⌈n ÷ 8⌉",
            "csr": "non-zeros × (value bytes + 4) + (rows + 1) × 4",
            "twoFour": "n ÷ 2 × value bytes + 2 bits per kept value",
        ]
        self.warnings = warnings
    }
}
