import ArgumentParser
import HeftKit
import HeftRemote

extension Heft {
    /// `heft plan …`: compression planners.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Plan compression: distillation, quantization, pruning, low-rank, LoRA, or the whole pipeline.",
            subcommands: [Distill.self, Quantize.self, Prune.self, LowRank.self, LoRA.self, Pipeline.self, Batch.self]
        )
    }
}

extension Heft.Plan {
    struct Distill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "distill",
            abstract: DistillQuery.summary,
            discussion: "Published pairs (--pair): \(Evidence.pairAliases.map(\.alias).joined(separator: ", ")), or any pair id."
        )
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(DistillQuery.help(name)) }

        @OptionGroup var teacher: ModelOptions
        @Option(help: Self.help("pair")) var pair: String?
        @Option(parsing: .unconditional, help: Self.help("ratio"), transform: Value.real) var ratio: Double?
        @Option(parsing: .unconditional, help: Self.help("studentParams"), transform: Value.whole) var studentParams: Int?
        @Option(help: Self.help("method")) var method: DistillRequest.Method?
        @Option(parsing: .unconditional, help: Self.help("temperature"), transform: Value.real) var temperature: Double?
        @Option(parsing: .unconditional, help: Self.help("lambda"), transform: Value.real) var lambda: Double?
        @Option(help: Self.help("lambdaPreset")) var lambdaPreset: String?
        @Option(parsing: .unconditional, help: Self.help("baseTokens"), transform: Value.real) var baseTokens: Double?
        @Option(help: Self.help("gpu")) var gpu: String?
        @Option(parsing: .unconditional, help: Self.help("utilization"), transform: Value.real) var utilization: Double?
        @Option(help: "Write the width-pruned student's config.json here.", completion: .file()) var writeConfig: String?
        @OptionGroup var output: OutputOptions

        var query: DistillQuery {
            get throws {
                var query = DistillQuery()
                query.teacher = teacher.spec
                query.pair = pair
                query.ratio = ratio
                query.studentParams = studentParams
                if let method { query.method = method }
                if let temperature { query.temperature = temperature }
                query.lambda = lambda
                query.lambdaPreset = lambdaPreset
                if let baseTokens { query.baseTokens = baseTokens }
                try setText(&query, "gpu", gpu)
                if let utilization { query.utilization = utilization }
                return query
            }
        }

        func run() async throws {
            let query = try query
            let plan = try await answer(query)
            if let writeConfig {
                guard let config = try await query.request(with: RemoteModels()).teacherConfig,
                    let width = plan.students.first(where: { $0.strategy == .width })
                else {
                    throw CommandFailure(
                        message: "--write-config needs a teacher SOURCE with a config.json of a family Heft can count", isUsageError: true)
                }
                try writeText(DistillPlan.studentConfig(config, student: width) + "\n", to: writeConfig)
            }
            try output.print(plan) { PlanText.distill($0) }
        }
    }

    struct Quantize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "quantize", abstract: QuantizeQuery.summary)
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(QuantizeQuery.help(name)) }

        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: Self.help("context"), transform: Value.tokens) var context: Int?
        @Option(help: Self.help("gpu")) var gpu: String?
        @Option(help: Self.help("budget"), transform: Value.size) var budget: Int?
        @Option(parsing: .unconditional, help: Self.help("groupSize"), transform: Value.whole) var groupSize: Int?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = QuantizeQuery()
            query.spec = model.spec
            if let context { query.context = context }
            try setText(&query, "gpu", gpu)
            query.budget = budget
            if let groupSize { query.groupSize = groupSize }
            try output.print(try await answer(query)) { PlanText.quantize($0) }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune", abstract: PruneQuery.summary)
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(PruneQuery.help(name)) }

        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: Self.help("dropLayers"), transform: Value.whole) var dropLayers: Int?
        @Option(parsing: .unconditional, help: Self.help("keepHeads"), transform: Value.whole) var keepHeads: Int?
        @Option(parsing: .unconditional, help: Self.help("keepFfn"), transform: Value.whole) var keepFfn: Int?
        @Option(parsing: .unconditional, help: Self.help("keepExperts"), transform: Value.whole) var keepExperts: Int?
        @Option(parsing: .unconditional, help: Self.help("sparsity"), transform: Value.real) var sparsity: Double?
        @Flag(help: Self.help("twoFour")) var twoFour = false
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = PruneQuery()
            query.spec = model.spec
            query.dropLayers = dropLayers
            query.keepHeads = keepHeads
            query.keepFfn = keepFfn
            query.keepExperts = keepExperts
            query.sparsity = sparsity
            query.twoFour = twoFour
            try output.print(try await answer(query)) { PlanText.prune($0) }
        }
    }

    struct LowRank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lowrank", abstract: LowRankQuery.summary)
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(LowRankQuery.help(name)) }

        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: Self.help("rank"), transform: Value.whole) var rank: Int?
        @Option(help: Self.help("targets")) var targets: String?
        @Option(parsing: .unconditional, help: Self.help("embeddingRank"), transform: Value.whole) var embeddingRank: Int?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = LowRankQuery()
            query.spec = model.spec
            query.rank = rank
            try setText(&query, "targets", targets)
            query.embeddingRank = embeddingRank
            try output.print(try await answer(query)) { PlanText.lowRank($0) }
        }
    }

    struct LoRA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lora", abstract: LoRAQuery.summary)
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(LoRAQuery.help(name)) }

        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: Self.help("rank"), transform: Value.whole) var rank: Int?
        @Option(help: Self.help("targets")) var targets: String?
        @Option(parsing: .unconditional, help: Self.help("context"), transform: Value.tokens) var context: Int?
        @Option(help: Self.help("precision")) var precision: TrainingRequest.Precision?
        @Option(help: Self.help("optimizer")) var optimizer: TrainingRequest.Optimizer?
        @Option(help: Self.help("checkpointing")) var checkpointing: TrainingRequest.Checkpointing?
        @Option(parsing: .unconditional, help: Self.help("microBatch"), transform: Value.whole) var microBatch: Int?
        @Flag(inversion: .prefixedNo, help: Self.help("flashAttention")) var flashAttention: Bool?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = LoRAQuery()
            query.spec = model.spec
            if let rank { query.rank = rank }
            try setText(&query, "targets", targets)
            if let context { query.context = context }
            if let precision { query.precision = precision }
            if let optimizer { query.optimizer = optimizer }
            if let checkpointing { query.checkpointing = checkpointing }
            if let microBatch { query.microBatch = microBatch }
            if let flashAttention { query.flashAttention = flashAttention }
            try output.print(try await answer(query)) { PlanText.lora($0) }
        }
    }

    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch", abstract: BatchQuery.summary,
            discussion: "Give --sequence-length, --target-batch (sequences) or --target-tokens, and --gpu NAME[xN].")
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(BatchQuery.help(name)) }

        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: Self.help("sequenceLength"), transform: Value.tokens) var sequenceLength: Int?
        @Option(parsing: .unconditional, help: Self.help("targetBatch"), transform: Value.whole) var targetBatch: Int?
        @Option(parsing: .unconditional, help: Self.help("targetTokens"), transform: Value.tokens) var targetTokens: Int?
        @Option(help: Self.help("gpu")) var gpu: String?
        @Option(parsing: .unconditional, help: Self.help("zero"), transform: Value.whole) var zero: Int?
        @Option(help: Self.help("checkpointing")) var checkpointing: TrainingRequest.Checkpointing?
        @Option(help: Self.help("precision")) var precision: TrainingRequest.Precision?
        @Option(help: Self.help("optimizer")) var optimizer: TrainingRequest.Optimizer?
        @Option(parsing: .unconditional, help: Self.help("loraRank"), transform: Value.whole) var loraRank: Int?
        @Flag(inversion: .prefixedNo, help: Self.help("flashAttention")) var flashAttention: Bool?
        @Option(parsing: .unconditional, help: Self.help("mfu"), transform: Value.real) var mfu: Double?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = BatchQuery()
            query.spec = model.spec
            query.sequenceLength = sequenceLength
            query.targetBatch = targetBatch
            query.targetTokens = targetTokens
            try setText(&query, "gpu", gpu)
            if let zero { query.zero = zero }
            if let checkpointing { query.checkpointing = checkpointing }
            if let precision { query.precision = precision }
            if let optimizer { query.optimizer = optimizer }
            query.loraRank = loraRank
            if let flashAttention { query.flashAttention = flashAttention }
            if let mfu { query.mfu = mfu }
            try output.print(try await answer(query)) { PlanText.batch($0) }
        }
    }

    struct Pipeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pipeline", abstract: PipelineQuery.summary)
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(PipelineQuery.help(name)) }

        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: Self.help("distill"), transform: Value.real) var distill: Double?
        @Option(parsing: .unconditional, help: Self.help("lambda"), transform: Value.real) var lambda: Double?
        @Option(help: Self.help("quantize")) var quantize: String?
        @Flag(help: Self.help("twoFour")) var twoFour = false
        @Option(help: Self.help("targetMemory"), transform: Value.size) var targetMemory: Int?
        @Option(help: Self.help("gpu")) var gpu: String?
        @Option(parsing: .unconditional, help: Self.help("context"), transform: Value.tokens) var context: Int?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = PipelineQuery()
            query.spec = model.spec
            query.distill = distill
            if let lambda { query.lambda = lambda }
            try setText(&query, "quantize", quantize)
            query.twoFour = twoFour
            query.targetMemory = targetMemory
            try setText(&query, "gpu", gpu)
            if let context { query.context = context }
            try output.print(try await answer(query)) { PlanText.pipeline($0) }
        }
    }
}

extension Heft {
    struct Advise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "advise", abstract: AdviseQuery.summary)
        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(AdviseQuery.help(name)) }

        @Option(help: Self.help("task")) var task: Advice.Task?
        @Option(parsing: .unconditional, help: Self.help("dataTokens"), transform: Value.real) var dataTokens: Double?
        @Option(help: Self.help("memory"), transform: Value.size) var memory: Int?
        @Option(parsing: .unconditional, help: Self.help("context"), transform: Value.tokens) var context: Int?
        @Option(parsing: .unconditional, help: Self.help("tokensPerSecond"), transform: Value.real) var tokensPerSecond: Double?
        @Option(help: Self.help("gpu")) var gpu: String?
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var query = AdviseQuery()
            if let task { query.task = task }
            query.dataTokens = dataTokens
            query.memory = memory
            if let context { query.context = context }
            query.tokensPerSecond = tokensPerSecond
            try setText(&query, "gpu", gpu)
            try output.print(try await answer(query)) { PlanText.advice($0) }
        }
    }
}
