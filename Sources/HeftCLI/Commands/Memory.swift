import ArgumentParser
import HeftFormats
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
                A GGUF file is sized as llama.cpp allocates it (--engine llama.cpp), buffer by buffer; other sources
                as PyTorch (--engine transformers); --engine ollama and --engine vllm model those servers.
                --command reads a pasted launch command; --log FILE compares a llama.cpp (-lv 4), Ollama or vLLM log
                with Heft.
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
        @Flag(help: Self.help("sweep")) var sweep = false

        @Option(help: Self.help("engine")) var engine: Engine?
        @Option(help: Self.help("command")) var command: String?
        @Option(help: "A log file — llama.cpp with -lv 4, Ollama's server log, or vllm serve's: its settings, and its buffers beside Heft's.")
        var log: String?
        @Option(help: Self.help("tool")) var tool: LlamaCppSettings.Tool?
        @Option(parsing: .unconditional, help: Self.help("batchSize"), transform: Value.whole) var batchSize: Int?
        @Option(help: Self.help("kvCacheV")) var kvCacheV: CacheType?
        @Flag(help: Self.help("swaFull")) var swaFull = false
        @Option(parsing: .unconditional, help: Self.help("gpuLayers"), transform: Value.whole) var gpuLayers: Int?
        @Flag(inversion: .prefixedNo, help: Self.help("kvOffload")) var kvOffload: Bool?
        @Flag(inversion: .prefixedNo, help: Self.help("mmap")) var mmap: Bool?
        @Flag(inversion: .prefixedNo, help: Self.help("repack")) var repack: Bool?
        @Flag(help: Self.help("kvUnified")) var kvUnified = false
        @Option(help: Self.help("tensorSplit")) var tensorSplit: String?
        @Option(help: Self.help("splitMode")) var splitMode: LlamaCppSettings.SplitMode?
        @Option(parsing: .unconditional, help: Self.help("numBatch"), transform: Value.whole) var numBatch: Int?
        @Option(parsing: .unconditional, help: Self.help("gpuMemoryUtilization"), transform: Value.real) var gpuMemoryUtilization: Double?
        @Option(parsing: .unconditional, help: Self.help("tensorParallel"), transform: Value.whole) var tensorParallel: Int?
        @Option(parsing: .unconditional, help: Self.help("maxNumSeqs"), transform: Value.whole) var maxNumSeqs: Int?
        @Option(parsing: .unconditional, help: Self.help("maxNumBatchedTokens"), transform: Value.whole) var maxNumBatchedTokens: Int?
        @Option(parsing: .unconditional, help: Self.help("blockSize"), transform: Value.whole) var blockSize: Int?
        @Flag(help: Self.help("enforceEager")) var enforceEager = false

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
                query.sweep = sweep
                query.engine = engine
                try setText(&query, "command", command)
                if let log { try setText(&query, "log", try Self.read(log)) }
                if let tool { query.tool = tool }
                if let batchSize { query.batchSize = batchSize }
                query.kvCacheV = kvCacheV
                query.swaFull = swaFull
                query.gpuLayers = gpuLayers
                if let kvOffload { query.kvOffload = kvOffload }
                if let mmap { query.mmap = mmap }
                if let repack { query.repack = repack }
                query.kvUnified = kvUnified
                try setText(&query, "tensorSplit", tensorSplit)
                if let splitMode { query.splitMode = splitMode }
                query.numBatch = numBatch
                if let gpuMemoryUtilization { query.gpuMemoryUtilization = gpuMemoryUtilization }
                if let tensorParallel { query.tensorParallel = tensorParallel }
                query.maxNumSeqs = maxNumSeqs
                query.maxNumBatchedTokens = maxNumBatchedTokens
                if let blockSize { query.blockSize = blockSize }
                query.enforceEager = enforceEager
                return query
            }
        }

        /// A log file's text (at most 1 MiB: a llama.cpp log is tens of kilobytes).
        static func read(_ path: String) throws -> String {
            let size = try MappedFile.size(of: path)
            guard size <= 1 << 20 else {
                throw EstimateError(field: "log", "\(path): \(size) bytes; a log of at most 1 MiB is read (cut it to one launch)")
            }
            return String(decoding: try MappedFile.read(path, offset: 0, count: size), as: UTF8.self)
        }

        func run() async throws {
            try output.print(try await answer(try query)) { MemoryText($0).render() }
        }
    }
}
