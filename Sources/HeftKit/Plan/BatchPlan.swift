/// `heft plan batch`: gradient accumulation. For a target global batch, sequence length and GPUs, the largest
/// micro-batch each GPU holds, the accumulation steps that reach the target, the effective batch that results, the
/// memory per GPU and the time per optimizer step, under every ZeRO stage and recomputation mode.
public struct BatchPlan: Sendable, Codable {
    /// One way to run the step.
    public struct Row: Sendable, Codable, Hashable {
        public let zeroStage: Int
        public let checkpointing: TrainingRequest.Checkpointing
        /// Sequences per micro-batch per GPU (0: not even one fits).
        public let microBatch: Int
        public let accumulationSteps: Int
        /// Sequences per optimizer step: micro-batch × data-parallel GPUs × accumulation steps.
        public let effectiveBatch: Int
        /// One GPU's memory at this micro-batch (estimate).
        public let perDeviceBytes: Int
        /// Estimate: training FLOPs of one step ÷ (GPUs × peak × efficiency).
        public let stepSeconds: Double?
    }

    public let model: String
    public let parameters: Int
    public let sequenceLength: Int
    /// The target in sequences (a token target is rounded up to whole sequences).
    public let targetBatch: Int
    public let devices: Int
    public let hardware: String
    /// One GPU's usable memory.
    public let capacityBytes: Int
    /// The row for the requested ZeRO stage and recomputation (the summary the top-level fields repeat).
    public let microBatch: Int
    public let accumulationSteps: Int
    public let effectiveBatch: Int
    public let perDeviceBytes: Int
    public let stepSeconds: Double?
    public let zeroStage: Int
    public let checkpointing: TrainingRequest.Checkpointing
    /// Every ZeRO stage × recomputation mode.
    public let rows: [Row]
    public let formulas: [String: String]
    public let assumptions: [String: String]
    public let warnings: [String]

    /// - Parameters:
    ///   - training: precision, optimizer, LoRA; its ZeRO stage and recomputation pick the summary row.
    ///   - efficiency: the fraction of peak FLOP/s a training step reaches (MFU).
    public init(
        profile: ModelProfile, sequenceLength: Int, targetBatch: Int, hardware: HardwareSelection, training: TrainingRequest,
        flashAttention: Bool, efficiency: Double
    ) throws(EstimateError) {
        guard targetBatch >= 1 else { throw EstimateError(field: "targetBatch", "must be at least one sequence", refused: true) }
        let devices = hardware.count
        guard targetBatch >= devices else {
            throw EstimateError(
                field: "targetBatch",
                "a batch of \(targetBatch) sequences cannot give each of \(devices) GPUs one: lower the GPUs or raise the batch",
                refused: true)
        }
        let capacity = hardware.usableBytes / max(1, devices)
        let peak = hardware.hardware.peakFlops(.bf16).value
        var warnings = profile.warnings
        if let trained = profile.architecture.contextLength, sequenceLength > trained {
            warnings.append("sequences of \(sequenceLength) tokens are longer than the model's \(trained): training past it needs RoPE scaling")
        }
        func memory(_ zero: Int, _ checkpointing: TrainingRequest.Checkpointing, _ microBatch: Int) throws(EstimateError) -> Int {
            var t = training
            t.zeroStage = zero
            t.devices = devices
            t.checkpointing = checkpointing
            t.microBatch = microBatch
            return try MemoryEstimate.trainingTotal(profile, context: sequenceLength, flashAttention: flashAttention, training: t)
        }
        // Forward FLOPs per token (2 × active parameters + attention over the sequence); a training step runs the
        // forward, a backward of twice its cost, and under recomputation the forward again (full) or its
        // attention (selective).
        let a = profile.architecture
        let attention =
            4.0 * Double(a.layers ?? 0) * Double(sequenceLength) * Double((a.heads ?? 0) * (a.headDim ?? (a.hiddenSize ?? 0) / max(1, a.heads ?? 1)))
        let forward = 2.0 * Double(profile.activeParameters) + attention
        func seconds(_ checkpointing: TrainingRequest.Checkpointing, sequences: Int) -> Double? {
            guard peak > 0 else { return nil }
            let perToken: Double
            switch checkpointing {
            case .none: perToken = 3 * forward
            case .selective: perToken = 3 * forward + attention
            case .full: perToken = 4 * forward
            }
            return perToken * Double(sequences) * Double(sequenceLength) / (Double(devices) * peak * efficiency)
        }
        var rows: [Row] = []
        // More than the batch needs per GPU is never useful.
        let needed = (targetBatch + devices - 1) / devices
        for zero in 0...3 {
            for checkpointing in TrainingRequest.Checkpointing.allCases {
                let largest = try Estimator.largest(upTo: needed) { (n: Int) throws(EstimateError) in try memory(zero, checkpointing, n) <= capacity }
                guard largest > 0 else {
                    rows.append(
                        Row(
                            zeroStage: zero, checkpointing: checkpointing, microBatch: 0, accumulationSteps: 0, effectiveBatch: 0,
                            perDeviceBytes: try memory(zero, checkpointing, 1), stepSeconds: nil))
                    continue
                }
                // The fewest steps, then the smallest micro-batch that still needs only that many (least overshoot).
                let steps = (targetBatch + largest * devices - 1) / (largest * devices)
                let micro = (targetBatch + steps * devices - 1) / (steps * devices)
                let effective = micro * devices * steps
                rows.append(
                    Row(
                        zeroStage: zero, checkpointing: checkpointing, microBatch: micro, accumulationSteps: steps, effectiveBatch: effective,
                        perDeviceBytes: try memory(zero, checkpointing, micro), stepSeconds: seconds(checkpointing, sequences: effective)))
            }
        }
        guard let chosen = rows.first(where: { $0.zeroStage == training.zeroStage && $0.checkpointing == training.checkpointing }) else {
            throw EstimateError(field: "zero", "takes 0 to 3", refused: true)
        }
        if chosen.microBatch == 0 {
            let better = rows.filter { $0.microBatch > 0 }.min { ($0.zeroStage, $0.checkpointing.rank) < ($1.zeroStage, $1.checkpointing.rank) }
            warnings.append(
                "not one sequence of \(sequenceLength) tokens fits one \(hardware.hardware.id) with ZeRO-\(training.zeroStage) and \(training.checkpointing.phrase)"
                    + (better.map { ": ZeRO-\($0.zeroStage) with \($0.checkpointing.phrase) fits \($0.microBatch)" }
                        ?? ": no setting fits; more GPUs, LoRA or a shorter sequence"))
        } else if chosen.effectiveBatch != targetBatch {
            warnings.append(
                "the effective batch is \(chosen.effectiveBatch) sequences, \(chosen.effectiveBatch - targetBatch) more than the target: \(targetBatch) is not a multiple of micro-batch × GPUs for any micro-batch up to \(chosen.microBatch) in \(chosen.accumulationSteps) steps"
            )
        }
        if devices > 1, training.zeroStage == 0 {
            warnings.append("without ZeRO each GPU holds the whole model, its gradients and optimizer states")
        }
        self.model = profile.name
        self.parameters = profile.parameters
        self.sequenceLength = sequenceLength
        self.targetBatch = targetBatch
        self.devices = devices
        self.hardware = hardware.hardware.id
        self.capacityBytes = capacity
        self.microBatch = chosen.microBatch
        self.accumulationSteps = chosen.accumulationSteps
        self.effectiveBatch = chosen.effectiveBatch
        self.perDeviceBytes = chosen.perDeviceBytes
        self.stepSeconds = chosen.stepSeconds
        self.zeroStage = training.zeroStage
        self.checkpointing = training.checkpointing
        self.rows = rows
        self.formulas = [
            "microBatch":
                "the largest number of sequences whose training memory (heft memory --train) fits one GPU, at most ⌈target ÷ GPUs⌉; then the smallest that needs no more steps",
            "accumulationSteps": "⌈target ÷ (micro-batch × GPUs)⌉",
            "effectiveBatch": "micro-batch × GPUs × accumulation steps (sequences)",
            "stepSeconds":
                "estimate: (3 × forward FLOPs, + attention for selective or + a forward for full recomputation) per token × tokens per step ÷ (GPUs × peak bf16 FLOP/s × efficiency); forward = 2 × active parameters + 4 × layers × sequence × heads × head_dim",
        ]
        var assumptions = [
            "efficiency": "\(efficiency) of peak FLOP/s (--mfu)",
            "dataParallel": "every GPU is a data-parallel replica (ZeRO shards over all \(devices))",
            "memory": "per GPU, as heft memory --train computes it for the micro-batch",
        ]
        if flashAttention {
            assumptions["flashAttention"] =
                "on: the a·s² attention scores are never stored, so selective recomputation keeps as much as none (Korthikanti et al. 2022: 34·s·b·h per layer either way)"
        }
        self.assumptions = assumptions
        self.warnings = warnings
    }
}

extension TrainingRequest.Checkpointing {
    /// Less recomputation first.
    var rank: Int {
        switch self {
        case .none: 0
        case .selective: 1
        case .full: 2
        }
    }
}
