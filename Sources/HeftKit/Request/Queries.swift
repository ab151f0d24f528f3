import Foundation
internal import HeftFormats

// The request of every calculator, one table each. Bounds, defaults and help live here and nowhere else: the
// command line maps its options into these types and the web app decodes them from JSON or a query string.

/// Shared parsers of text-valued fields.
enum FieldParsers {
    static func gpu(_ text: String) throws(EstimateError) -> HardwareSelection { try HardwareCatalog.select(text) }
    static func gpuName(_ selection: HardwareSelection) -> String {
        selection.count == 1 ? selection.hardware.id : "\(selection.hardware.id)x\(selection.count)"
    }

    /// Every precision name a field accepts in canonical spelling (aliases such as `fp16` work too).
    static let precisionNames = ["stored", "f32", "f16", "bf16", "fp8", "int8", "int4", "nf4"] + LlamaFileType.allCases.map(\.rawValue)
    static let targetNames = ["qv", "q,v", "all", "attention", "mlp", "q,k,v,o", "gate,up,down"]

    static func precision(_ text: String) throws(EstimateError) -> WeightPrecision {
        guard let precision = WeightPrecision(text) else {
            throw EstimateError(
                "unknown precision '\(text)'; use stored, f32, f16, bf16, fp8, int8, int4, nf4, a ggml type (Q4_K) or a llama.cpp file type (Q4_K_M)")
        }
        return precision
    }

    static func targets(_ text: String) throws(EstimateError) -> [LoRAModule] {
        guard let modules = LoRAModule.parse(text) else {
            throw EstimateError("'\(text)' is not a set of matrices; use qv, all, attention, mlp or a list of q,k,v,o,gate,up,down")
        }
        return modules
    }
    static func targetNames(_ modules: [LoRAModule]) -> String { modules.map(\.rawValue).joined(separator: ",") }

    /// `1e-6`, `2.5e-3`: a threshold as people write it.
    static func scientific(_ value: Double) -> String {
        guard value > 0, value.isFinite else { return "\(value)" }
        let exponent = Int(log10(value).rounded(.down))
        let mantissa = value / pow(10, Double(exponent))
        let digits = abs(mantissa - mantissa.rounded()) < 1e-9 ? String(Int(mantissa.rounded())) : String(mantissa)
        return exponent == 0 ? digits : "\(digits)e\(exponent)"
    }

    /// llama.cpp's `-ts 3,1` (or `3/1`): each GPU's share of the layers.
    static func tensorSplit(_ text: String) throws(EstimateError) -> [Double] {
        let values = text.split(whereSeparator: { $0 == "," || $0 == "/" }).map { Quantity.real(String($0)) }
        guard !values.isEmpty, values.count <= 16, values.allSatisfy({ $0.map { $0 >= 0 && $0.isFinite } ?? false }) else {
            throw EstimateError("give 1 to 16 shares of 0 or more separated by commas (3,1: three quarters of the layers on the first GPU)")
        }
        return values.compactMap { $0 }
    }
    static func tensorSplitText(_ shares: [Double]) -> String { shares.map { scientific($0 == 0 ? 0 : $0) }.joined(separator: ",") }

    /// `a,b,example:c`: up to sixteen models (comparing needs two: the comparison refuses fewer).
    static func modelList(_ text: String) throws(EstimateError) -> [String] {
        let names = text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard (1...16).contains(names.count) else {
            throw EstimateError("give 2 to 16 models separated by commas (a path, ORG/NAME, ollama:NAME or example:NAME)")
        }
        return names
    }

    static func thresholds(_ text: String) throws(EstimateError) -> [Double] {
        let values = text.split(separator: ",").map { Quantity.real(String($0)) }
        guard !values.isEmpty, values.count <= StatsOptions.maximumThresholds, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw EstimateError("give 1 to \(StatsOptions.maximumThresholds) positive numbers separated by commas (1e-6,1e-4)")
        }
        return values.compactMap { $0 }
    }
}

/// `heft inspect`: what every tensor of a checkpoint is.
public struct InspectQuery: Calculator {
    public static let name = "inspect"
    public static let summary = "Read a checkpoint's headers and explain every parameter."
    public var model: String?
    public var allTensors = false
    public init() {}

    public static let fields: [RequestField<InspectQuery>] = [
        .text("model", \.model, "The model: a file, a folder, ORG/NAME, ollama:NAME or lmstudio:NAME."),
        .flag("allTensors", \.allTensors, "List every tensor instead of folding repeated blocks."),
    ]

    public static let requiredGroups = [["model"]]

    public func compute(with models: any ModelResolver) async throws -> InspectionReport {
        try await models.inspection(model ?? "", includeTensors: allTensors)
    }
}

/// `heft stats`: every weight read, summarized.
public struct StatsQuery: Calculator {
    public static let name = "stats"
    public static let summary = "Read every weight: zeros, near-zero values, NaN/Inf, moments, outliers, histograms, sparsity, damage."
    public var model: String?
    public var thresholds: [Double] = StatsOptions().thresholds
    public var relative = false
    public var k = 6.0
    public var bins = 32
    public init() {}

    public static let fields: [RequestField<StatsQuery>] = [
        .text("model", \.model, "The model: a file, a folder, ORG/NAME, ollama:NAME or lmstudio:NAME."),
        .parsed(
            "thresholds", \.thresholds, examples: ["1e-6,1e-4,1e-3,1e-2"],
            pattern: #"^[1-9](\.[0-9]{1,3})?e-[1-9](,[1-9](\.[0-9]{1,3})?e-[1-9]){0,7}$"#,
            "Near-zero thresholds, comma-separated.",
            parse: FieldParsers.thresholds, format: { $0.map(FieldParsers.scientific).joined(separator: ",") }),
        .flag("relative", \.relative, "Thresholds are multiples of each tensor's RMS."),
        .number("k", \.k, .above(0, upTo: 1_000), "Outliers are |w − mean| > k·σ, with the mean and σ of their own tensor."),
        .integer("bins", \.bins, StatsOptions.minimumBins...StatsOptions.maximumBins, "The most histogram bins."),
    ]

    public static let requiredGroups = [["model"]]

    /// The scanner's options; `progress` reports bytes done and can stop the scan.
    public func options(progress: StatsProgress? = nil) -> StatsOptions {
        var options = StatsOptions()
        options.thresholds = thresholds
        options.relative = relative
        options.outlierK = k
        options.bins = bins
        options.progress = progress
        return options
    }

    public func compute(with models: any ModelResolver) async throws -> StatsReport {
        try await models.statistics(model ?? "", options: options())
    }
}

/// `heft memory`: what serving or training a model costs, and whether it fits.
public struct MemoryQuery: Calculator {
    public static let name = "memory"
    public static let summary = "Memory to run or train a model (weights + KV cache + activations), fit and speed."
    public var spec = ModelSpec()
    public var context: Int?
    public var batch = 1
    public var weights: WeightPrecision = .stored
    public var kvCache: CacheType = .f16
    public var flashAttention = true
    public var ubatch = 512
    public var overheadMib = 512
    public var gpu: HardwareSelection?
    public var mfu = 0.5
    public var mbu = 0.7
    public var train = false
    public var precision: TrainingRequest.Precision = .bf16Mixed
    public var optimizer: TrainingRequest.Optimizer = .adamw
    public var checkpointing: TrainingRequest.Checkpointing = .none
    public var microBatch = 1
    public var loraRank: Int?
    public var loraTargets: [LoRAModule] = [.q, .v]
    public var qlora = false
    public var zero = 0
    public var devices = 1
    /// The engine to model; unset follows the source (GGUF → llama.cpp, else Transformers).
    public var engine: Engine?
    public var tool: LlamaCppSettings.Tool = .completion
    public var batchSize = 2048
    public var kvCacheV: CacheType?
    public var swaFull = false
    public var gpuLayers: Int?
    public var kvOffload = true
    public var mmap = true
    public var repack = true
    public var kvUnified = false
    public var tensorSplit: [Double]?
    public var splitMode: LlamaCppSettings.SplitMode = .layer
    public var numBatch: Int?
    public var gpuMemoryUtilization = 0.92
    public var tensorParallel = 1
    public var maxNumSeqs: Int?
    public var maxNumBatchedTokens: Int?
    public var blockSize = 16
    public var enforceEager = false
    /// A pasted launch command (llama-server …, ollama run …, vllm serve …) whose flags set the fields above.
    public var command: String?
    /// Also sweep contexts from 1,024 doubling to the model's maximum, with and without FlashAttention.
    public var sweep = false
    /// The text of an engine's log: its settings set the fields above and its buffers are compared with Heft's.
    public var log: String?
    public init() {}

    public static let requiredGroups = [ModelSpec.required + ["command", "log"]]
    public static let exclusiveGroups = [ModelSpec.exclusive, ["command", "log"]]

    /// The devices a training run is spread over: `devices`, or the count of `gpu` (`a100-80gbx8`).
    public var trainingDevices: Int { devices != 1 ? devices : gpu?.count ?? 1 }

    public func validateCombination() throws(EstimateError) {
        try spec.validate()
        if let gpu, gpu.count > 1, devices != 1, devices != gpu.count {
            throw EstimateError(field: "devices", "\(devices) devices, but gpu names \(gpu.count); give one count")
        }
        let training = train || loraRank != nil || qlora
        if !training, devices != 1 {
            throw EstimateError(
                field: "devices",
                "devices counts training replicas; to serve over several GPUs give gpu NAMExN (llama.cpp splits layers, vLLM takes -tp)",
                refused: true)
        }
        if zero > 0, trainingDevices == 1, training {
            throw EstimateError(field: "zero", "ZeRO-\(zero) shards over devices: give devices N or gpu NAMExN")
        }
        if training, zero > 0, tensorParallel > 1, trainingDevices == tensorParallel {
            throw EstimateError(
                field: "zero", "ZeRO shards over data-parallel replicas, and \(trainingDevices) devices split \(tensorParallel) ways leave one",
                refused: true)
        }
        if training, tensorParallel > 1, trainingDevices % tensorParallel != 0 {
            throw EstimateError(
                field: "tensorParallel",
                "tensor parallelism over \(tensorParallel) GPUs needs a multiple of \(tensorParallel) devices, not \(trainingDevices)",
                refused: true)
        }
    }

    public static let fields: [RequestField<MemoryQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .tokens("context", \.context, 1...(1 << 26), "Context length in tokens (default: 4,096 and the model's maximum)."),
            .integer("batch", \.batch, 1...65_536, "Parallel sequences."),
            .parsed(
                "weights", \.weights, examples: FieldParsers.precisionNames,
                "Weight precision: stored, f32, f16, bf16, fp8, int8, int4, nf4, a ggml type (Q4_K) or a llama.cpp file type (Q4_K_M).",
                parse: FieldParsers.precision, format: \.name),
            .choice("kvCache", \.kvCache, "KV cache type."),
            .flag("flashAttention", \.flashAttention, "Attention scores are not materialized (FlashAttention, llama.cpp -fa)."),
            .integer("ubatch", \.ubatch, 1...(1 << 20), "Tokens per prefill step (llama.cpp n_ubatch)."),
            .integer("overheadMib", \.overheadMib, 0...(1 << 24), "Fixed runtime overhead in MiB."),
            .parsed(
                "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "Hardware NAME or NAMExN (h100-sxm, a100-80gbx8, rtx-4090, m4-max…).",
                parse: FieldParsers.gpu, format: FieldParsers.gpuName),
            .number("mfu", \.mfu, .closed(0.01, 1), "Fraction of peak FLOP/s reached in prefill."),
            .number("mbu", \.mbu, .closed(0.01, 1), "Fraction of peak bandwidth reached in decode."),
            .flag("train", \.train, "Estimate training instead of inference."),
            .choice("precision", \.precision, "Training precision."),
            .choice("optimizer", \.optimizer, "Optimizer."),
            .choice("checkpointing", \.checkpointing, "Activation recomputation."),
            .integer("microBatch", \.microBatch, 1...65_536, "Sequences per micro-batch when training."),
            .integer("loraRank", \.loraRank, 1...65_536, "LoRA rank (train adapters only)."),
            .parsed(
                "loraTargets", \.loraTargets, examples: FieldParsers.targetNames,
                "LoRA targets: qv (the LoRA paper), all, attention, mlp, or a list such as q,k,v,o.",
                parse: FieldParsers.targets, format: FieldParsers.targetNames),
            .flag("qlora", \.qlora, "QLoRA: the frozen base in 4-bit NF4 (implies LoRA; default rank 16)."),
            .integer("zero", \.zero, 0...3, "ZeRO stage."),
            .integer("devices", \.devices, 1...100_000, "Devices for ZeRO sharding."),
            .flag("sweep", \.sweep, "Also sweep contexts from 1,024 doubling to the model's maximum, FlashAttention beside standard attention."),
        ] + engineFields

    /// The engines' own settings: llama.cpp's flags, Ollama's and vLLM's, a launch command or a log.
    static let engineFields: [RequestField<MemoryQuery>] = [
        .choice("engine", \.engine, "The engine to model (default: llama.cpp for GGUF, else transformers)."),
        .choice("tool", \.tool, "llama.cpp program: its defaults differ (llama-server runs 4 unified sequences unless -np)."),
        .integer("batchSize", \.batchSize, 1...(1 << 20), "llama.cpp -b: logical batch."),
        .choice("kvCacheV", \.kvCacheV, "llama.cpp -ctv when it differs from the K type."),
        .flag("swaFull", \.swaFull, "llama.cpp --swa-full: sliding-window layers keep every cell."),
        .integer("gpuLayers", \.gpuLayers, 0...100_000, "llama.cpp -ngl: layers on the GPU (default: all)."),
        .flag("kvOffload", \.kvOffload, "KV cache on the GPU (llama.cpp --no-kv-offload turns it off)."),
        .flag("mmap", \.mmap, "Map the GGUF file (llama.cpp --no-mmap turns it off)."),
        .flag("repack", \.repack, "Copy Q4_0/Q4_K/IQ4_NL matrices into CPU_REPACK on x86 (llama.cpp --no-repack turns it off)."),
        .flag("kvUnified", \.kvUnified, "llama.cpp -kvu: one KV stream shared by all sequences."),
        .parsed(
            "tensorSplit", \.tensorSplit, examples: ["1,1", "3,1"],
            "llama.cpp -ts: each GPU's share of the layers (default: even for identical GPUs).",
            parse: FieldParsers.tensorSplit, format: FieldParsers.tensorSplitText),
        .choice("splitMode", \.splitMode, "llama.cpp -sm: layers over the GPUs, none (one GPU), or row (sized as layer)."),
        .integer("numBatch", \.numBatch, 1...(1 << 20), "Ollama num_batch (default: by context)."),
        .number("gpuMemoryUtilization", \.gpuMemoryUtilization, .above(0, upTo: 1), "vLLM --gpu-memory-utilization."),
        .integer(
            "tensorParallel", \.tensorParallel, 1...1024,
            "GPUs one model is split over: vLLM -tp, or Megatron-style tensor parallelism when training (devices ÷ it = data-parallel replicas)."),
        .integer("maxNumSeqs", \.maxNumSeqs, 1...(1 << 20), "vLLM --max-num-seqs (default: by GPU memory)."),
        .integer("maxNumBatchedTokens", \.maxNumBatchedTokens, 1...(1 << 24), "vLLM --max-num-batched-tokens (default: by GPU memory)."),
        .integer("blockSize", \.blockSize, 1...1024, "vLLM --block-size."),
        .flag("enforceEager", \.enforceEager, "vLLM --enforce-eager: no CUDA graphs."),
        .text(
            "command", \.command,
            "A launch command to read the settings from: llama-server -m MODEL -c 32768 -np 4 -fa on, OLLAMA_NUM_PARALLEL=4 ollama run NAME, vllm serve MODEL --max-model-len 8192."
        ),
        .text(
            "log", \.log, maximumBytes: 1 << 20,
            "An engine's log — llama.cpp with -lv 4, Ollama's server log, or vllm serve's: its settings, and its buffers beside Heft's."),
    ]

    /// The estimate's settings.
    public var settings: MemoryRequest {
        var request = MemoryRequest()
        request.contexts = context.map { [$0] } ?? []
        request.batch = batch
        request.weights = weights
        request.kvCache = kvCache
        request.flashAttention = flashAttention
        request.microBatchTokens = ubatch
        request.overheadBytes = overheadMib << 20
        request.hardware = gpu
        request.computeEfficiency = mfu
        request.bandwidthEfficiency = mbu
        if let gpu, gpu.count == 1, devices > 1 {
            // --devices 8 --gpu a100-80gb: eight of that GPU, each checked on its own.
            request.hardware = HardwareSelection(hardware: gpu.hardware, count: devices)
        }
        if train || loraRank != nil || qlora {
            var training = TrainingRequest()
            training.precision = precision
            training.optimizer = optimizer
            training.checkpointing = checkpointing
            training.microBatch = microBatch
            training.loraRank = loraRank ?? (qlora ? 16 : nil)
            training.loraModules = loraTargets
            training.qlora = qlora
            training.zeroStage = zero
            training.devices = trainingDevices
            training.tensorParallel = tensorParallel
            request.training = training
        }
        request.engine = engine
        request.kvCacheV = kvCacheV
        request.llamaCpp.tool = tool
        request.llamaCpp.batch = batchSize
        request.llamaCpp.swaFull = swaFull
        request.llamaCpp.gpuLayers = gpuLayers
        request.llamaCpp.kvOffload = kvOffload
        request.llamaCpp.mmap = mmap
        request.llamaCpp.repack = repack
        request.llamaCpp.unified = kvUnified
        request.llamaCpp.tensorSplit = tensorSplit
        request.llamaCpp.splitMode = splitMode
        request.ollama.numBatch = numBatch
        request.vllm.gpuMemoryUtilization = gpuMemoryUtilization
        request.vllm.tensorParallel = tensorParallel
        request.vllm.maxNumSeqs = maxNumSeqs
        request.vllm.maxNumBatchedTokens = maxNumBatchedTokens
        request.vllm.blockSize = blockSize
        request.vllm.enforceEager = enforceEager
        return request
    }

    /// This query with the settings a launch command states (its model unless one is given); unknown flags are
    /// returned for the report's warnings.
    public func applying(_ launch: LaunchCommand) -> (MemoryQuery, [String]) {
        var q = self
        q.command = nil
        if q.spec.model == nil, q.spec.example == nil, q.spec.params == nil, let model = launch.model { q.spec.model = model }
        q.engine = q.engine ?? launch.engine
        if let tool = launch.tool { q.tool = tool }
        var notes = launch.unknown.map { "the command's \($0) is not one Heft reads; it is ignored" }
        if let context = launch.context {
            if context > 0 {
                q.context = context
            } else {
                notes.append("-c 0 is the model's trained length: it is the last column (beside 4,096)")
            }
        }
        if let parallel = launch.parallel { q.batch = max(1, parallel) }
        if launch.engine == .llamaCpp, launch.tool == .server, launch.parallel == nil {
            // llama-server with no -np: 4 sequences sharing one unified cache (tools/server/server.cpp).
            q.batch = 4
            q.kvUnified = true
        }
        if let unified = launch.unified { q.kvUnified = unified }
        if let split = launch.tensorSplit { q.tensorSplit = split }
        if let mode = launch.splitMode { q.splitMode = mode }
        if let batch = launch.batch { q.batchSize = batch }
        if let ubatch = launch.ubatch { q.ubatch = ubatch }
        if let flash = launch.flashAttention { q.flashAttention = flash }
        if let k = launch.typeK { q.kvCache = k }
        if let v = launch.typeV { q.kvCacheV = v == q.kvCache ? nil : v }
        if let layers = launch.gpuLayers { q.gpuLayers = layers }
        if let offload = launch.kvOffload { q.kvOffload = offload }
        if let mmap = launch.mmap { q.mmap = mmap }
        if let repack = launch.repack { q.repack = repack }
        if let full = launch.swaFull { q.swaFull = full }
        if let tp = launch.tensorParallel { q.tensorParallel = tp }
        if let utilization = launch.gpuMemoryUtilization { q.gpuMemoryUtilization = utilization }
        if let seqs = launch.maxNumSeqs { q.maxNumSeqs = seqs }
        if let tokens = launch.maxNumBatchedTokens { q.maxNumBatchedTokens = tokens }
        if let size = launch.blockSize { q.blockSize = size }
        if let eager = launch.enforceEager { q.enforceEager = eager }
        if let dtype = launch.dtype, let precision = WeightPrecision(dtype) { q.weights = precision }
        return (q, notes)
    }

    /// This query with the settings a llama.cpp log states (its model unless one is given).
    /// This query with the settings a vLLM log states (its model unless one is given).
    public func applying(_ log: VLLMLog) -> MemoryQuery {
        var q = self
        q.log = nil
        if q.spec.model == nil, q.spec.example == nil, q.spec.params == nil, let model = log.model { q.spec.model = model }
        q.engine = .vllm
        if let length = log.maxModelLen { q.context = length }
        if let utilization = log.gpuMemoryUtilization { q.gpuMemoryUtilization = utilization }
        if let tp = log.tensorParallel { q.tensorParallel = tp }
        if let seqs = log.maxNumSeqs { q.maxNumSeqs = seqs }
        if let tokens = log.maxNumBatchedTokens { q.maxNumBatchedTokens = tokens }
        if let size = log.blockSize { q.blockSize = size }
        if let eager = log.enforceEager { q.enforceEager = eager }
        if let dtype = log.kvCacheDtype, dtype.hasPrefix("fp8") { q.kvCache = .fp8 }
        return q
    }

    public func applying(_ log: LlamaCppLog) -> MemoryQuery {
        var q = self
        q.log = nil
        if q.spec.model == nil, q.spec.example == nil, q.spec.params == nil, let path = log.modelPath { q.spec.model = path }
        q.engine = q.engine ?? log.engine
        if let sequences = log.sequences { q.batch = sequences }
        if let unified = log.unified { q.kvUnified = unified }
        // llama-server reserves logits for one token per sequence; the other tools for a whole batch.
        if let outputs = log.outputsMax, let sequences = log.sequences, outputs == sequences, outputs != log.batch { q.tool = .server }
        // n_ctx as printed is already padded; the padding is idempotent, so it reproduces the same cells.
        if let context = log.context { q.context = context }
        if let batch = log.batch { q.batchSize = batch }
        if let ubatch = log.ubatch { q.ubatch = ubatch }
        if let flash = log.flashAttention { q.flashAttention = flash != "disabled" }
        if let k = log.typeK { q.kvCache = k }
        if let v = log.typeV { q.kvCacheV = v == q.kvCache ? nil : v }
        q.repack = log.buffers.contains { $0.name == "CPU_REPACK" }
        q.mmap = log.buffers.contains { $0.name == "CPU_Mapped" } || !log.buffers.contains { $0.kind == .model && $0.name == "CPU" }
        return q
    }

    public func compute(with models: any ModelResolver) async throws -> MemoryEstimate {
        if let command {
            let (query, unknown) = applying(try LaunchCommand(command))
            var estimate = try await query.compute(with: models)
            estimate.warnings += unknown
            return estimate
        }
        if let log, VLLMLog.recognizes(log) {
            let parsed = try VLLMLog(text: log, source: "log")
            let query = applying(parsed)
            guard !query.spec.isEmpty else {
                throw EstimateError(field: "log", "the log names no model (no non-default args line): give the model too", refused: true)
            }
            guard query.gpu != nil else {
                throw EstimateError(field: "gpu", "a vLLM log does not name the GPU: give gpu NAME (or NAMExN for -tp)", refused: true)
            }
            var estimate = try await query.compute(with: models)
            if let allocation = estimate.estimates.first?.vllm { estimate.comparison = LogComparison(vllm: parsed, allocation: allocation) }
            return estimate
        }
        if let log {
            let parsed = try LlamaCppLog(text: log, source: "log")
            let query = applying(parsed)
            guard !query.spec.isEmpty else {
                throw EstimateError(field: "log", "the log names no model file: give the model too", refused: true)
            }
            var estimate = try await query.compute(with: models)
            estimate.comparison = LogComparison(log: parsed, buffers: estimate.estimates.first?.buffers ?? [])
            return estimate
        }
        let profile = try await spec.profile(with: models)
        let request = settings
        // A bare parameter count without layers, heads and width leaves the KV cache and activations unknown:
        // a total without them would look like an answer and is not one.
        if profile.format == nil, profile.layout == nil, request.training == nil {
            throw EstimateError(
                field: "params",
                "a parameter count alone does not size the KV cache or activations: add --layers, --heads and --hidden (or give a model, --example or --config)",
                refused: true)
        }
        var estimate = try MemoryEstimate(profile: profile, request: request)
        if sweep {
            let maximum = max(profile.architecture.contextLength ?? 131_072, context ?? 0)
            estimate.sweep = try ContextSweep(profile: profile, request: request, maximum: min(maximum, 1 << 26))
            estimate.formulas["sweep"] =
                "each context from 1,024 doubling to the model's maximum, estimated twice: with FlashAttention, and with standard attention, "
                + "which also stores the F32 scores (n_h × micro-batch × context × 4 bytes) and moves them 4 times per token in prefill and "
                + "decode (16 × layers × heads × context bytes)"
        }
        return estimate
    }
}

/// `heft plan distill`: a teacher → student plan.
public struct DistillQuery: Calculator {
    public static let name = "plan/distill"
    public static let summary = "Plan teacher → student distillation: size, accuracy, tokens, compute, memory, a student architecture, evidence."
    /// The teacher: a model, a bundled config, or a parameter count (`params`).
    public var teacher = ModelSpec()
    /// A published pair by id or short name (see ``Evidence/pair(named:)``).
    public var pair: String?
    public var ratio: Double?
    public var studentParams: Int?
    public var method: DistillRequest.Method = .logit
    public var temperature = 2.0
    public var lambda: Double?
    public var lambdaPreset: String?
    public var baseTokens = 1e9
    public var gpu: HardwareSelection?
    public var utilization = 0.4
    public init() {}

    public static let fields: [RequestField<DistillQuery>] =
        ModelSpec.fields.map { $0.within(\.teacher) } + [
            .text("pair", \.pair, examples: Evidence.pairAliases.map(\.alias), "A published teacher → student pair, by name."),
            .number("ratio", \.ratio, .above(1, upTo: 1_000_000), "Compression ratio r = teacher ÷ student (above 1)."),
            .integer("studentParams", \.studentParams, 1...ModelSpec.maximumParameters, "Student parameters instead of ratio."),
            .choice("method", \.method, "What the student learns from."),
            .number("temperature", \.temperature, .above(0, upTo: 100), "Softmax temperature T."),
            .number("lambda", \.lambda, .closed(-5, 20), "λ in accuracy ≈ 100 − λ·log₁₀(r)·12."),
            .text("lambdaPreset", \.lambdaPreset, examples: Evidence.presets.map(\.family), "λ from published pairs of a family."),
            .number("baseTokens", \.baseTokens, .closed(1, 1e16), "Tokens for an uncompressed run."),
            .parsed(
                "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "Hardware for GPU-hours (NAME or NAMExN).", parse: FieldParsers.gpu,
                format: FieldParsers.gpuName),
            .number("utilization", \.utilization, .closed(0.01, 1), "Sustained fraction of peak bf16 FLOP/s."),
        ]

    public static let requiredGroups = [ModelSpec.required + ["pair"], ["ratio", "studentParams", "pair"]]
    public static let exclusiveGroups = [ModelSpec.exclusive, ["ratio", "studentParams"]]

    public func validateCombination() throws(EstimateError) {
        try teacher.validate()
        if let pair, Evidence.pair(named: pair) == nil {
            throw EstimateError(field: "pair", "unknown pair '\(pair)'; one of \(Evidence.pairAliases.map(\.alias).joined(separator: ", "))")
        }
        if let lambdaPreset, !Evidence.presets.contains(where: { $0.family == lambdaPreset }) {
            throw EstimateError(
                field: "lambdaPreset", "unknown family '\(lambdaPreset)'; one of \(Evidence.presets.map(\.family).joined(separator: ", "))")
        }
    }

    /// The planner's inputs, with the teacher opened.
    public func request(with models: any ModelResolver) async throws -> DistillRequest {
        var teacherCount = teacher.model == nil && teacher.example == nil ? teacher.params : nil
        var student = studentParams
        var lambdaValue = lambda
        var config: ConfigReader?
        if let published = pair.flatMap(Evidence.pair(named:)) {
            teacherCount = teacherCount ?? published.teacherParameters
            if ratio == nil { student = student ?? published.studentParameters }
            lambdaValue = lambdaValue ?? published.impliedLambda
        }
        if teacher.model != nil || teacher.example != nil {
            let profile = try await teacher.profile(with: models)
            teacherCount = teacherCount ?? profile.parameters
            config = profile.config
        }
        if let preset = lambdaPreset.flatMap({ name in Evidence.presets.first { $0.family == name } }) {
            lambdaValue = lambdaValue ?? preset.median
        }
        guard let teacherCount else { throw EstimateError(field: "params", "the teacher's size is unknown") }
        var request = DistillRequest(teacherParameters: teacherCount)
        request.ratio = ratio
        request.studentParameters = ratio == nil ? student : nil
        request.method = method
        request.temperature = temperature
        request.lambda = lambdaValue ?? 1
        request.baseTokens = baseTokens
        request.utilization = utilization
        request.hardware = gpu
        request.teacherConfig = config
        return request
    }

    public func compute(with models: any ModelResolver) async throws -> DistillPlan {
        try DistillPlan(try await request(with: models))
    }
}

/// `heft plan quantize`: every scheme, exact bytes and published quality.
public struct QuantizeQuery: Calculator {
    public static let name = "plan/quantize"
    public static let summary = "Every quantization scheme: exact bytes, bits per weight, memory, fit, published quality."
    public var spec = ModelSpec()
    public var context = 4096
    public var gpu: HardwareSelection?
    public var budget: Int?
    public var groupSize = 128
    public init() {}

    public static let fields: [RequestField<QuantizeQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .tokens("context", \.context, 1...(1 << 26), "Context for the memory column."),
            .parsed(
                "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "Hardware (NAME or NAMExN).", parse: FieldParsers.gpu,
                format: FieldParsers.gpuName),
            .size("budget", \.budget, "Memory budget (6GB, 6GiB, 6e9): recommends the best scheme that fits."),
            .integer("groupSize", \.groupSize, 8...(1 << 20), "GPTQ/AWQ group size."),
        ]

    public static let requiredGroups = [ModelSpec.required]
    public static let exclusiveGroups = [ModelSpec.exclusive]
    public func validateCombination() throws(EstimateError) { try spec.validate() }

    public func compute(with models: any ModelResolver) async throws -> QuantizePlan {
        try QuantizePlan(profile: try await spec.profile(with: models), context: context, hardware: gpu, budgetBytes: budget, groupSize: groupSize)
    }
}

/// `heft plan prune`: structured pruning and sparsity.
public struct PruneQuery: Calculator {
    public static let name = "plan/prune"
    public static let summary = "Structured pruning (exact counts) and unstructured or 2:4 sparsity (storage)."
    public var spec = ModelSpec()
    public var dropLayers: Int?
    public var keepHeads: Int?
    public var keepFfn: Int?
    public var keepExperts: Int?
    public var sparsity: Double?
    public var twoFour = false
    public init() {}

    public static let fields: [RequestField<PruneQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .integer("dropLayers", \.dropLayers, 1...16_384, "Layers to remove."),
            .integer("keepHeads", \.keepHeads, 1...65_536, "Attention heads to keep per layer."),
            .integer("keepFfn", \.keepFfn, 1...(1 << 24), "Feed-forward width to keep."),
            .integer("keepExperts", \.keepExperts, 1...65_536, "Experts to keep (mixture of experts)."),
            .number("sparsity", \.sparsity, .open(0, 1), "Unstructured sparsity, a fraction."),
            .flag("twoFour", \.twoFour, "2:4 structured sparsity."),
        ]

    public static let requiredGroups = [ModelSpec.required, ["dropLayers", "keepHeads", "keepFfn", "keepExperts", "sparsity", "twoFour"]]
    public static let exclusiveGroups = [ModelSpec.exclusive]
    public func validateCombination() throws(EstimateError) { try spec.validate() }

    public func compute(with models: any ModelResolver) async throws -> PrunePlan {
        let profile = try await spec.profile(with: models)
        return try PrunePlan(
            profile: profile, config: profile.config, dropLayers: dropLayers, keepHeads: keepHeads, keepFFN: keepFfn, keepExperts: keepExperts,
            sparsity: sparsity, twoFour: twoFour)
    }
}

/// `heft plan lowrank`: rank-r factorization.
public struct LowRankQuery: Calculator {
    public static let name = "plan/lowrank"
    public static let summary = "Rank-r factorization of chosen matrices, and ALBERT-style embeddings."
    public var spec = ModelSpec()
    public var rank: Int?
    public var targets: [LoRAModule] = LoRAModule.allCases
    public var embeddingRank: Int?
    public init() {}

    public static let fields: [RequestField<LowRankQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .integer("rank", \.rank, 1...65_536, "The rank r."),
            .parsed(
                "targets", \.targets, examples: FieldParsers.targetNames, "Matrices: q,k,v,o,gate,up,down, qv, attention, mlp or all.",
                parse: FieldParsers.targets, format: FieldParsers.targetNames),
            .integer("embeddingRank", \.embeddingRank, 1...1_048_576, "Factorize the embedding through E dimensions (ALBERT)."),
        ]

    public static let requiredGroups = [ModelSpec.required, ["rank"]]
    public static let exclusiveGroups = [ModelSpec.exclusive]
    public func validateCombination() throws(EstimateError) { try spec.validate() }

    public func compute(with models: any ModelResolver) async throws -> LowRankPlan {
        try LowRankPlan(profile: try await spec.profile(with: models), rank: rank ?? 1, modules: targets, embeddingRank: embeddingRank)
    }
}

/// `heft plan lora`: trainable parameters and training memory of LoRA.
public struct LoRAQuery: Calculator {
    public static let name = "plan/lora"
    public static let summary = "LoRA and QLoRA: trainable parameters and training memory."
    public var spec = ModelSpec()
    public var rank = 8
    public var targets: [LoRAModule] = [.q, .v]
    /// The same defaults as `heft memory` training, so both give one answer for one run.
    public var context = 4096
    public var precision: TrainingRequest.Precision = .bf16Mixed
    public var optimizer: TrainingRequest.Optimizer = .adamw
    public var checkpointing: TrainingRequest.Checkpointing = .none
    public var microBatch = 1
    public var flashAttention = true
    public init() {}

    public static let fields: [RequestField<LoRAQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .integer("rank", \.rank, 1...65_536, "The rank r."),
            .parsed(
                "targets", \.targets, examples: FieldParsers.targetNames, "Matrices: q,k,v,o,gate,up,down, qv, attention, mlp or all.",
                parse: FieldParsers.targets, format: FieldParsers.targetNames),
            .tokens("context", \.context, 1...(1 << 26), "Training sequence length."),
            .choice("precision", \.precision, "Training precision."),
            .choice("optimizer", \.optimizer, "Optimizer."),
            .choice("checkpointing", \.checkpointing, "Activation recomputation."),
            .integer("microBatch", \.microBatch, 1...65_536, "Sequences per micro-batch."),
            .flag("flashAttention", \.flashAttention, "Attention scores are not stored (FlashAttention)."),
        ]

    public static let requiredGroups = [ModelSpec.required]
    public static let exclusiveGroups = [ModelSpec.exclusive]
    public func validateCombination() throws(EstimateError) { try spec.validate() }

    public func compute(with models: any ModelResolver) async throws -> LoRAPlan {
        var training = TrainingRequest()
        training.precision = precision
        training.optimizer = optimizer
        training.checkpointing = checkpointing
        training.microBatch = microBatch
        return try LoRAPlan(
            profile: try await spec.profile(with: models), rank: rank, modules: targets, context: context, training: training,
            flashAttention: flashAttention)
    }
}

/// `heft compare A B …`: models side by side.
public struct CompareQuery: Calculator {
    public static let name = "compare"
    public static let summary = "Compare models side by side: bytes on disk, bits per parameter, KV per token, memory, fit and speed."
    /// Each a model (a path, ORG/NAME, ollama:NAME, or an id under the served folders) or `example:NAME`.
    public var models: [String] = []
    public var context = 4096
    public var gpu: HardwareSelection?
    public var weights: WeightPrecision = .stored
    public var engine: Engine?
    public init() {}

    public static let fields: [RequestField<CompareQuery>] = [
        .parsed(
            "models", \.models, examples: ["example:llama-3.1-8b,example:mistral-7b", "example:qwen2-0.5b,example:gemma-2-9b,example:phi-3-mini"],
            "Models separated by commas: paths, ORG/NAME, ollama:NAME, or example:NAME for a bundled config.",
            parse: FieldParsers.modelList, format: { $0.joined(separator: ",") }),
        .tokens("context", \.context, 1...(1 << 26), "Context length for memory and speed."),
        .parsed(
            "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "Hardware NAME or NAMExN for the fit and speed columns.",
            parse: FieldParsers.gpu, format: FieldParsers.gpuName),
        .parsed(
            "weights", \.weights, examples: FieldParsers.precisionNames, "Weight precision for every model (default: as stored).",
            parse: FieldParsers.precision, format: \.name),
        .choice("engine", \.engine, "The engine to size every model for (default: by each model's format)."),
    ]

    public static let requiredGroups = [["models"]]

    public func compute(with models: any ModelResolver) async throws -> ModelComparison {
        var profiles: [ModelProfile] = []
        for name in self.models {
            var spec = ModelSpec()
            if name.hasPrefix("example:") { spec.example = String(name.dropFirst("example:".count)) } else { spec.model = name }
            profiles.append(try await spec.profile(with: models))
        }
        var request = MemoryRequest()
        request.contexts = [context]
        request.hardware = gpu
        request.weights = weights
        request.engine = engine
        return try ModelComparison(profiles: profiles, request: request)
    }
}

/// `heft plan batch`: gradient accumulation to a target global batch.
public struct BatchQuery: Calculator {
    public static let name = "plan/batch"
    public static let summary = "Gradient accumulation: the micro-batch per GPU and the steps that reach a target batch."
    public var spec = ModelSpec()
    public var sequenceLength: Int?
    public var targetBatch: Int?
    public var targetTokens: Int?
    public var gpu: HardwareSelection?
    public var zero = 0
    public var checkpointing: TrainingRequest.Checkpointing = .none
    public var precision: TrainingRequest.Precision = .bf16Mixed
    public var optimizer: TrainingRequest.Optimizer = .adamw
    public var loraRank: Int?
    public var flashAttention = true
    public var mfu = 0.4
    public init() {}

    public static let fields: [RequestField<BatchQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .tokens("sequenceLength", \.sequenceLength, 1...(1 << 20), "Tokens per training sequence."),
            .integer("targetBatch", \.targetBatch, 1...(1 << 24), "Target global batch in sequences."),
            .tokens("targetTokens", \.targetTokens, 1...(1 << 40), "Or the target global batch in tokens (4M, 1M)."),
            .parsed(
                "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "GPUs: NAME or NAMExN (every GPU a data-parallel replica).",
                parse: FieldParsers.gpu, format: FieldParsers.gpuName),
            .integer("zero", \.zero, 0...3, "ZeRO stage of the summary row (the table shows all)."),
            .choice("checkpointing", \.checkpointing, "Activation recomputation of the summary row (the table shows all)."),
            .choice("precision", \.precision, "Training precision."),
            .choice("optimizer", \.optimizer, "Optimizer."),
            .integer("loraRank", \.loraRank, 1...65_536, "LoRA rank (train adapters only)."),
            .flag("flashAttention", \.flashAttention, "Attention scores are not stored (FlashAttention)."),
            .number("mfu", \.mfu, .closed(0.01, 1), "Fraction of peak FLOP/s a training step reaches."),
        ]

    public static let requiredGroups = [ModelSpec.required, ["sequenceLength"], ["targetBatch", "targetTokens"], ["gpu"]]
    public static let exclusiveGroups = [ModelSpec.exclusive, ["targetBatch", "targetTokens"]]
    public func validateCombination() throws(EstimateError) { try spec.validate() }

    public func compute(with models: any ModelResolver) async throws -> BatchPlan {
        guard let sequenceLength, let gpu else { throw EstimateError(field: "sequenceLength", "is required") }
        var target = targetBatch ?? 0
        if let targetTokens { target = (targetTokens + sequenceLength - 1) / sequenceLength }
        var training = TrainingRequest()
        training.zeroStage = zero
        training.checkpointing = checkpointing
        training.precision = precision
        training.optimizer = optimizer
        training.loraRank = loraRank
        return try BatchPlan(
            profile: try await spec.profile(with: models), sequenceLength: sequenceLength, targetBatch: target, hardware: gpu, training: training,
            flashAttention: flashAttention, efficiency: mfu)
    }
}

/// `heft plan pipeline`: distill → quantize → prune against a memory target.
public struct PipelineQuery: Calculator {
    public static let name = "plan/pipeline"
    public static let summary = "Distill → quantize → prune as one plan, against a memory target."
    public var spec = ModelSpec()
    public var distill: Double?
    public var lambda = 1.0
    public var quantize: WeightPrecision = .fileType(.Q4_K_M)
    public var twoFour = false
    public var targetMemory: Int?
    public var gpu: HardwareSelection?
    public var context = 4096
    public init() {}

    public static let fields: [RequestField<PipelineQuery>] =
        ModelSpec.fields.map { $0.within(\.spec) } + [
            .number("distill", \.distill, .above(1, upTo: 1_000_000), "Distillation ratio (omit to skip)."),
            .number("lambda", \.lambda, .closed(-5, 20), "λ for the distillation step."),
            .parsed(
                "quantize", \.quantize, examples: FieldParsers.precisionNames, "Quantization scheme (Q4_K_M, nf4, int8, …).",
                parse: FieldParsers.precision, format: \.name),
            .flag("twoFour", \.twoFour, "Add 2:4 sparsity."),
            .size("targetMemory", \.targetMemory, "Memory target (8GB, 8GiB)."),
            .parsed(
                "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "Hardware (NAME or NAMExN).", parse: FieldParsers.gpu,
                format: FieldParsers.gpuName),
            .tokens("context", \.context, 1...(1 << 26), "Context for memory."),
        ]

    public static let requiredGroups = [ModelSpec.required]
    public static let exclusiveGroups = [ModelSpec.exclusive]
    public func validateCombination() throws(EstimateError) { try spec.validate() }

    public func compute(with models: any ModelResolver) async throws -> PipelinePlan {
        try PipelinePlan(
            profile: try await spec.profile(with: models), context: context, distillRatio: distill, lambda: lambda, scheme: quantize.name,
            sparsity24: twoFour, targetBytes: targetMemory, hardware: gpu)
    }
}

/// `heft advise`: which size of model to start from.
public struct AdviseQuery: Calculator {
    public static let name = "advise"
    public static let summary = "Choose a model size: tier, largest model that fits, techniques to try."
    public var task: Advice.Task = .moderate
    public var dataTokens: Double?
    public var memory: Int?
    public var context = 4096
    public var tokensPerSecond: Double?
    public var gpu: HardwareSelection?
    public init() {}

    public static let fields: [RequestField<AdviseQuery>] = [
        .choice("task", \.task, "How hard the task is."),
        .number("dataTokens", \.dataTokens, .closed(0, 1e16), "Training data in tokens."),
        .size("memory", \.memory, "Memory budget (16GB)."),
        .tokens("context", \.context, 1...(1 << 26), "Context length."),
        .number("tokensPerSecond", \.tokensPerSecond, .above(0, upTo: 1e9), "Decode speed target in tokens per second."),
        .parsed(
            "gpu", \.gpu, examples: HardwareCatalog.all.map(\.id), "Hardware (NAME or NAMExN).", parse: FieldParsers.gpu,
            format: FieldParsers.gpuName),
    ]

    public func compute(with models: any ModelResolver) async throws -> Advice {
        try Advice(task: task, dataTokens: dataTokens, memoryBytes: memory, context: context, tokensPerSecond: tokensPerSecond, hardware: gpu)
    }
}

/// Every calculator, for the web app's routes, the OpenAPI document and the tests.
public enum Calculators {
    public static let all: [any Calculator.Type] = [
        InspectQuery.self, StatsQuery.self, MemoryQuery.self, DistillQuery.self, QuantizeQuery.self, PruneQuery.self, LowRankQuery.self,
        LoRAQuery.self, PipelineQuery.self, AdviseQuery.self, BatchQuery.self, CompareQuery.self,
    ]
}
