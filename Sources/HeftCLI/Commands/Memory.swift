import ArgumentParser
import HeftKit

extension Heft {
    /// `heft memory SOURCE`: what a model costs to run or train, and whether it fits.
    struct Memory: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "memory",
            abstract: MemoryQuery.summary,
            discussion: """
                SOURCE is anything `heft inspect` reads; or give --params with the architecture flags, or --example.
                Without --context, a 4,096-token context and the model's maximum are shown side by side.
                Every number is an estimate with its formula printed below the table.
                """
        )

        @OptionGroup var model: ModelOptions

        @Option(parsing: .unconditional, help: Self.help("context"), transform: Value.tokens) var context: Int?
        @Option(parsing: .unconditional, help: Self.help("batch"), transform: Value.whole) var batch: Int?
        @Option(help: Self.help("weights")) var weights: String?
        @Option(help: Self.help("kvCache")) var kvCache: CacheType?
        @Flag(inversion: .prefixedNo, help: Self.help("flashAttention")) var flashAttention: Bool?
        @Option(parsing: .unconditional, help: Self.help("ubatch"), transform: Value.whole) var ubatch: Int?
        @Option(parsing: .unconditional, help: Self.help("overheadMib"), transform: Value.whole) var overheadMib: Int?
        @Option(help: Self.help("gpu")) var gpu: String?
        @Option(parsing: .unconditional, help: Self.help("mfu"), transform: Value.real) var mfu: Double?
        @Option(parsing: .unconditional, help: Self.help("mbu"), transform: Value.real) var mbu: Double?

        @Flag(help: Self.help("train")) var train = false
        @Option(help: Self.help("precision")) var precision: TrainingRequest.Precision?
        @Option(help: Self.help("optimizer")) var optimizer: TrainingRequest.Optimizer?
        @Option(help: Self.help("checkpointing")) var checkpointing: TrainingRequest.Checkpointing?
        @Option(parsing: .unconditional, help: Self.help("microBatch"), transform: Value.whole) var microBatch: Int?
        @Option(parsing: .unconditional, help: Self.help("loraRank"), transform: Value.whole) var loraRank: Int?
        @Option(help: Self.help("loraTargets")) var loraTargets: String?
        @Flag(help: Self.help("qlora")) var qlora = false
        @Option(parsing: .unconditional, help: Self.help("zero"), transform: Value.whole) var zero: Int?
        @Option(parsing: .unconditional, help: Self.help("devices"), transform: Value.whole) var devices: Int?

        @OptionGroup var output: OutputOptions

        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(MemoryQuery.help(name)) }

        var query: MemoryQuery {
            get throws {
                var query = MemoryQuery()
                query.spec = model.spec
                query.context = context
                if let batch { query.batch = batch }
                try setText(&query, "weights", weights)
                if let kvCache { query.kvCache = kvCache }
                if let flashAttention { query.flashAttention = flashAttention }
                if let ubatch { query.ubatch = ubatch }
                if let overheadMib { query.overheadMib = overheadMib }
                try setText(&query, "gpu", gpu)
                if let mfu { query.mfu = mfu }
                if let mbu { query.mbu = mbu }
                query.train = train
                if let precision { query.precision = precision }
                if let optimizer { query.optimizer = optimizer }
                if let checkpointing { query.checkpointing = checkpointing }
                if let microBatch { query.microBatch = microBatch }
                query.loraRank = loraRank
                try setText(&query, "loraTargets", loraTargets)
                query.qlora = qlora
                if let zero { query.zero = zero }
                if let devices { query.devices = devices }
                return query
            }
        }

        func run() async throws {
            try output.print(try await answer(try query)) { MemoryText($0).render() }
        }
    }
}
