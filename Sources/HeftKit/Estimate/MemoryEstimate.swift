internal import HeftFormats

/// What to estimate (`heft memory` flags).
public struct MemoryRequest: Sendable {
    /// Contexts to size; empty means 4,096 and the model's maximum side by side.
    public var contexts: [Int] = []
    /// Parallel sequences (multiplies KV cells and activations).
    public var batch = 1
    public var weights: WeightPrecision = .stored
    public var kvCache: CacheType = .f16
    /// Attention scores are not materialized (FlashAttention / llama.cpp `-fa`).
    public var flashAttention = true
    /// Tokens processed per prefill step (llama.cpp `n_ubatch`, default 512).
    public var microBatchTokens = 512
    /// Fixed runtime overhead: CUDA context, allocator slack.
    public var overheadBytes = 512 << 20
    public var hardware: HardwareSelection?
    /// Fraction of peak FLOP/s reached in prefill (model FLOPs utilization).
    public var computeEfficiency = 0.5
    /// Fraction of peak bandwidth reached in decode.
    public var bandwidthEfficiency = 0.7
    public var training: TrainingRequest?
    /// The engine to model; `nil` follows the source: GGUF → llama.cpp, anything else → Transformers.
    public var engine: Engine?
    /// llama.cpp's launch flags (llama.cpp and Ollama engines); `contexts`, `batch`, `kvCache`, `flashAttention`
    /// and `microBatchTokens` override their -c, -np, -ctk/-ctv, -fa and -ub.
    public var llamaCpp = LlamaCppSettings()
    /// `-ctv` when it differs from `kvCache`.
    public var kvCacheV: CacheType?
    /// Ollama's settings (the Ollama engine).
    public var ollama = OllamaSettings()
    /// vLLM's settings (the vLLM engine).
    public var vllm = VLLMSettings()

    public init() {}
}

/// Training settings (`--train`).
public struct TrainingRequest: Sendable {
    public enum Precision: String, Sendable, CaseIterable { case fp32, bf16Mixed = "bf16-mixed", fp16Mixed = "fp16-mixed", bf16 }
    public enum Optimizer: String, Sendable, CaseIterable { case sgd, momentum, adam, adamw, adam8bit, adafactor }
    public enum Checkpointing: String, Sendable, CaseIterable, Codable {
        case none, selective, full

        /// "no recomputation", "selective recomputation", "full recomputation".
        public var phrase: String { self == .none ? "no recomputation" : "\(rawValue) recomputation" }
    }

    public var precision: Precision = .bf16Mixed
    public var optimizer: Optimizer = .adamw
    public var checkpointing: Checkpointing = .none
    public var microBatch = 1
    /// LoRA rank; `nil` for full fine-tuning.
    public var loraRank: Int?
    /// Adapted matrices (the LoRA paper adapts W_q and W_v).
    public var loraModules: [LoRAModule] = [.q, .v]
    /// QLoRA: the frozen base in 4-bit NF4.
    public var qlora = false
    /// ZeRO stage 0–3, sharded over the data-parallel replicas (`devices ÷ tensorParallel`).
    public var zeroStage = 0
    /// Every GPU of the run.
    public var devices = 1
    /// GPUs each layer is split over (Megatron-LM tensor parallelism with sequence parallelism).
    public var tensorParallel = 1

    /// Replicas of the model (each split over `tensorParallel` GPUs): what ZeRO shards over.
    public var dataParallel: Int { max(1, devices / max(1, tensorParallel)) }

    public init() {}
}

/// The memory and speed of serving (or training) a model, each part with its formula.
public struct MemoryEstimate: Sendable, Codable {
    public struct Breakdown: Sendable, Codable {
        public var context: Int
        public var weightsBytes: Int
        public var kvCacheBytes: Int
        public var kvCacheBytesPerToken: Int
        public var activationBytes: Int
        /// Activations of one decode step (the prefill figure is the peak).
        public var decodeActivationBytes: Int
        public var overheadBytes: Int
        public var gradientsBytes: Int?
        public var optimizerBytes: Int?
        /// fp32 master weights under mixed precision (part of the ZeRO paper's 12 bytes of optimizer state).
        public var masterWeightsBytes: Int?
        public var trainableParameters: Int?
        /// The engine's own buffers, named as it names them (llama.cpp and Ollama).
        public var buffers: [EngineBuffer]?
        /// llama.cpp's resolved launch: cells, streams, batch sizes (llama.cpp and Ollama).
        public var llamaCpp: LlamaCppAllocation?
        /// vLLM's budget per GPU, its KV cache in tokens, and what it would print.
        public var vllm: VLLMAllocation?
        public var totalBytes: Int
        /// "where X GB comes from", one line.
        public var answer: String
        public var fit: Fit?
        public var speed: Speed?
    }

    public struct Fit: Sendable, Codable {
        public var hardware: String
        public var devices: Int
        public var capacityBytes: Int
        public var fits: Bool
        /// capacity − total (negative when it does not fit); with several devices, of the fullest one.
        public var marginBytes: Int
        /// What each device needs, in device order: llama.cpp's per-GPU buffers, one training replica or shard per
        /// device, vLLM's per-GPU budget use, or the serving total split evenly (transformers' balanced device map).
        public var perDeviceBytes: [Int]
        /// The longest context that fits at this batch (0 when even the weights do not fit), at most the model's
        /// trained maximum when it is known.
        public var maxContext: Int
        /// What bounds ``maxContext``: the memory, or the model's trained maximum.
        public var maxContextLimit: ContextLimit
        /// The largest batch that fits at this context.
        public var maxBatch: Int
        /// Layers to keep in host memory when it does not fit (llama.cpp `-ngl` = layers − this).
        public var offloadLayers: Int
    }

    /// What bounds the largest context.
    public enum ContextLimit: String, Sendable, Codable {
        case memory
        case trainedMaximum = "trained maximum"
    }

    public struct Speed: Sendable, Codable {
        public var flopsPerToken: Double
        public var prefillTokensPerSecond: Double
        public var decodeTokensPerSecond: Double
        public var timeToFirstTokenSeconds: Double
        public var interTokenLatencySeconds: Double
        public var computePrecision: ComputePrecision
    }

    /// Serving or training (`--train`).
    public enum Mode: String, Sendable, Hashable, Codable {
        case inference, training
    }

    /// What the KV cache is sized from.
    public enum CacheLayout: Sendable, Hashable, Codable, CustomStringConvertible {
        /// An encoder-only model: no KV cache.
        case encoderOnly
        /// The model's attention layout.
        case attention(AttentionLayout)
        /// Neither config nor metadata told the layout: the cache is counted as 0.
        case unknown

        /// The layout as the report states it.
        public var description: String {
            switch self {
            case .encoderOnly: "encoder-only: no KV cache"
            case .attention(let layout): layout.description
            case .unknown: "unknown"
            }
        }
    }

    public var model: String
    /// The engine whose allocation the estimate models.
    public var engine: Engine
    public var parameters: Int
    public var activeParameters: Int
    /// Bytes of the weight files on disk, headers included (what a download weighs); `nil` without files.
    public var fileBytes: Int?
    public var weights: WeightSizing
    public var kvCacheType: CacheType
    public var layout: CacheLayout
    public var mode: Mode
    public var estimates: [Breakdown]
    /// The formulas and assumptions behind every number.
    public var formulas: [String: String]
    public var assumptions: [String: String]
    public var warnings: [String]
    /// Floating-point operations per generated token at the first context.
    public var flopsPerToken: Double
    /// With a log: the engine's printed buffers beside Heft's for the same launch.
    public var comparison: LogComparison?
    /// `--sweep`: memory and speed over contexts, with and without FlashAttention.
    public var sweep: ContextSweep?
    /// The same layers and heads with multi-head (every head its own K and V), grouped-query (this model's KV heads)
    /// and multi-query (one KV head) attention: KV bytes per token and at the first context. Empty without heads.
    public var attentionVariants: [AttentionVariant] = []

    public struct AttentionVariant: Sendable, Codable, Hashable {
        /// `MHA`, `GQA`, `MQA`.
        public let name: String
        public let kvHeads: Int
        /// Σ layers 2 × row(KV heads × head_dim) bytes of the cache type: every layer attending to every token.
        public let bytesPerToken: Int
        public let bytesAtContext: Int
        /// Whether this is the model's own layout.
        public let isModel: Bool
    }

    /// Computes the estimate.
    public init(profile: ModelProfile, request given: MemoryRequest) throws(EstimateError) {
        var request = given
        guard request.batch >= 1, request.batch <= 1 << 16 else { throw EstimateError(field: "batch", "must be between 1 and 65536") }
        var warnings = profile.warnings
        let a = profile.architecture
        let maxContext = a.contextLength
        let engine = request.engine ?? (request.training == nil && profile.format == .gguf ? .llamaCpp : .transformers)
        if request.training != nil, engine != .transformers {
            throw EstimateError(
                field: "engine", "training is estimated for PyTorch (--engine transformers); \(engine.rawValue) only serves", refused: true)
        }
        if engine == .vllm, request.hardware == nil {
            throw EstimateError(field: "gpu", "vLLM sizes its KV cache from the GPU's memory: give --gpu NAME or NAMExN", refused: true)
        }
        if engine == .ollama, !request.flashAttention, request.kvCache.isQuantized || (request.kvCacheV?.isQuantized ?? false) {
            // llm/server.go: without flash attention Ollama logs "quantized kv cache requested but flash attention
            // disabled" and launches llama-server with the default f16 cache (llama.cpp itself would refuse).
            warnings.append(
                "Ollama ignores OLLAMA_KV_CACHE_TYPE=\(request.kvCache.rawValue) without flash attention and keeps an f16 KV cache (its log says \"quantized kv cache requested but flash attention disabled\")"
            )
            request.kvCache = .f16
            request.kvCacheV = nil
        }
        if engine == .llamaCpp || engine == .ollama || engine == .vllm, profile.layout == nil {
            throw EstimateError(field: "engine", "\(engine.rawValue) needs the model's attention layout (a GGUF file or config.json)", refused: true)
        }
        var contexts = request.contexts
        if contexts.isEmpty {
            if engine == .ollama {
                // The Modelfile's PARAMETER num_ctx, else Ollama's default by total VRAM (server/routes.go).
                contexts = [profile.numCtx ?? request.ollama.defaultContext(hardware: request.hardware)]
            } else {
                contexts = [4096]
                if let maxContext, maxContext != 4096 { contexts = maxContext < 4096 ? [maxContext] : [4096, maxContext] }
            }
        }
        if engine == .ollama, let maxContext, let asked = contexts.first(where: { $0 > maxContext }) {
            // llm/server.go clamps every num_ctx (asked, Modelfile or default) to the trained length, logging
            // "requested context size too large for model".
            warnings.append(
                "Ollama runs num_ctx \(Formatting.grouped(asked)) at the model's trained \(Formatting.grouped(maxContext)) tokens (its log says \"requested context size too large for model\")"
            )
            contexts = contexts.map { min($0, maxContext) }
        }
        for context in contexts {
            guard context >= 1, context <= 1 << 26 else { throw EstimateError(field: "context", "must be between 1 and 67,108,864 tokens") }
            if let maxContext, context > maxContext {
                warnings.append("context \(context) exceeds the model's \(maxContext) tokens (allowed: context extension needs RoPE scaling)")
            }
        }
        if profile.layout == nil, !profile.isEncoderOnly { warnings.append("the attention layout is unknown: the KV cache is counted as 0") }
        let weights: WeightSizing
        if let training = request.training, training.qlora {
            weights = try WeightSizing.size(profile, precision: .linear(.nf4))
        } else {
            weights = try WeightSizing.size(profile, precision: request.weights)
        }
        if !weights.exact { warnings.append("weights sized per parameter (no tensor list): an approximation") }

        self.model = profile.name
        self.engine = engine
        self.fileBytes = profile.fileBytes
        self.parameters = profile.parameters
        self.activeParameters = profile.activeParameters
        self.weights = weights
        self.kvCacheType = request.kvCache
        self.layout = profile.isEncoderOnly ? .encoderOnly : profile.layout.map(CacheLayout.attention) ?? .unknown
        self.mode = request.training == nil ? .inference : .training
        var formulas: [String: String] = [
            "weights": weights.formula,
            "kvCache":
                "Σ layers cells × (row(n_kv·key_length) + row(n_kv·value_length)) bytes of \(request.kvCache.rawValue); cells = context × batch (sliding layers: min(context, window)); MLA: latent row; recurrent: F32 state per sequence",
            "overhead": "fixed runtime overhead (CUDA context, allocator slack): \(request.overheadBytes >> 20) MiB, --overhead-mib",
            "flopsPerToken": "2 × active parameters + 4 × layers × context × heads × head_dim (attention scores and weighted sum)",
        ]
        var assumptions: [String: String]
        if let training = request.training {
            assumptions = [
                "flashAttention": request.flashAttention
                    ? "on: attention scores are not stored for the backward pass (no 5·a·s²·b term)"
                    : "off: scores, softmax and dropout mask stored, 5·a·s²·b bytes per layer",
                "activationPrecision": "16-bit activations, fp32 logits (Korthikanti et al. 2022)",
                "sequence": "each sequence is the full context; \(training.microBatch) sequence(s) per micro-batch per device",
                "checkpointing": "activation recomputation: \(training.checkpointing.rawValue)",
            ]
        } else {
            assumptions = [
                "flashAttention": request.flashAttention
                    ? "on: attention scores are not materialized" : "off: scores of heads × micro-batch × context in F32",
                "microBatchTokens": "\(request.microBatchTokens) tokens per prefill step (llama.cpp n_ubatch)",
                "activationPrecision": "F32 intermediates, as llama.cpp computes",
            ]
        }
        if request.training != nil { formulas["kvCache"] = nil }  // a training step keeps no KV cache
        if request.hardware != nil, request.training == nil {
            assumptions["computeEfficiency"] = "\(request.computeEfficiency) of peak FLOP/s in prefill (--mfu)"
            assumptions["bandwidthEfficiency"] = "\(request.bandwidthEfficiency) of peak bandwidth in decode (--mbu)"
        }
        if let hardware = request.hardware {
            assumptions["hardware"] = "\(hardware.count) × \(hardware.hardware.name): \(hardware.hardware.source)"
        }
        let estimator = Estimator(profile: profile, request: request, weights: weights, engine: engine)
        var estimates: [Breakdown] = []
        for context in contexts {
            estimates.append(try estimator.breakdown(context: context, batch: request.batch))
        }
        if let training = request.training {
            formulas.merge(Estimator.trainingFormulas(training)) { $1 }
        } else {
            formulas["activations"] =
                "micro-batch × (2H + (n_h + 2·n_kv)·d + n_h·d + 3·FFN_active) × 4 bytes + logits batch × vocab × 4"
                + (request.flashAttention ? "" : " + n_h × micro-batch × context × 4")
        }
        if request.hardware != nil {
            if request.training == nil {
                formulas["prefill"] =
                    request.flashAttention
                    ? "peak FLOP/s × compute efficiency ÷ FLOPs per token"
                    : "1 ÷ (FLOPs per token ÷ (peak FLOP/s × compute efficiency) + 16 × layers × heads × context ÷ (bandwidth × bandwidth efficiency)): standard attention writes, rereads and rewrites each token's F32 scores"
                formulas["decode"] =
                    "batch ÷ ((active weight bytes + batch × KV bytes at context"
                    + (request.flashAttention ? "" : " + batch × 16 × layers × heads × context score bytes")
                    + ") ÷ (bandwidth × bandwidth efficiency))"
            }
            formulas["fit"] =
                request.training == nil
                ? "total ≤ devices × memory × usable fraction; max context and batch by search; offload layers = ⌈excess ÷ bytes per layer⌉"
                : "training: each device holds the per-device total (a replica, or its ZeRO shard), so per-device total ≤ one device's memory × usable fraction; max context and batch by search"
        }
        if let allocation = estimates.first?.llamaCpp {
            // llama.cpp's own arithmetic replaces the generic serving formulas.
            for key in ["activations", "overhead", "kvCache", "weights"] { formulas[key] = nil }
            formulas.merge(allocation.formulas) { $1 }
            assumptions["microBatchTokens"] = nil
            assumptions["activationPrecision"] = nil
            assumptions["engine"] =
                engine == .ollama
                ? "Ollama runs llama-server: -c num_ctx × parallel -np parallel -b/-ub num_batch; llama.cpp's rules as vendored in llama-cpp-python 0.3.36"
                : "\(request.llamaCpp.tool.rawValue) as vendored in llama-cpp-python 0.3.36; CPU backend rules\(request.hardware == nil ? "" : ", GPU layers as -ngl places them (not checked against a GPU here)")"
            if engine == .ollama, request.contexts.isEmpty {
                assumptions["numCtx"] =
                    profile.numCtx.map { "\(Formatting.grouped($0)) from the model's Modelfile (PARAMETER num_ctx)" }
                    ?? "Ollama's default by total GPU memory (no --context, no num_ctx in the Modelfile)"
            }
            if request.hardware.map({ $0.count > 1 }) == true {
                let split = request.llamaCpp.tensorSplit.map { "-ts " + FieldParsers.tensorSplitText($0) } ?? "even (identical GPUs, by free memory)"
                assumptions["split"] =
                    request.llamaCpp.splitMode == .none
                    ? "-sm none: every offloaded layer on the first GPU"
                    : "layers split \(split)\(request.llamaCpp.splitMode == .row ? "; -sm row splits each matrix by rows, sized here as -sm layer" : "")"
                        + (allocation.pipelineParallel
                            ? "; pipeline parallel: 4 copies of each GPU's graph inputs (ggml-backend GGML_SCHED_MAX_COPIES)" : "")
            }
            assumptions["repack"] =
                request.llamaCpp.repack ? "x86 AVX2: Q4_0/Q4_K/IQ4_NL/MXFP4 matrices copied to CPU_REPACK (--no-repack to drop)" : "off (--no-repack)"
            if request.hardware != nil {
                formulas["fit"] =
                    "per GPU: its model layers + KV cache + compute buffer + \(request.overheadBytes >> 20) MiB driver context ≤ one GPU's usable memory; largest context and batch by search (a batch of n gives each sequence the whole context: -c = context × n); speed at one GPU's rate, since split layers take turns"
                formulas["overhead"] =
                    "output buffer + \(request.overheadBytes >> 20) MiB per GPU for the driver context, which llama.cpp does not print (--overhead-mib)"
            } else {
                formulas["overhead"] = "the output buffer (no GPU: no driver context)"
            }
        } else if let vllm = estimates.first?.vllm {
            for key in ["activations", "overhead", "kvCache"] { formulas[key] = nil }
            formulas["budget"] =
                "gpu_memory_utilization × GPU memory = \(Formatting.binarySize(vllm.budgetBytes)) per GPU (vllm/v1/worker/gpu_worker.py)"
            formulas["kvCache"] =
                "budget − weights ÷ tp − profiling-run activations − non-torch memory − CUDA graphs, in blocks of block_size × Σ layers 2 × max(1, kv_heads ÷ tp) × head_dim × dtype bytes"
            formulas["activations"] =
                "estimate of the profiling run: max_num_batched_tokens (\(vllm.maxNumBatchedTokens)) × per-token activations in 16-bit + max_num_seqs (\(vllm.maxNumSeqs)) × vocab × 4 logits, per GPU"
            formulas["overhead"] =
                "non-torch memory \(request.overheadBytes >> 20) MiB (--overhead-mib) + CUDA graphs 512 MiB (0 with --enforce-eager), per GPU: estimates vLLM measures at start-up"
            assumptions["engine"] = "vLLM 0.33 V1 engine, \(vllm.tensorParallel) GPU(s) tensor-parallel"
            assumptions["microBatchTokens"] = nil
            assumptions["activationPrecision"] = "16-bit activations, fp32 logits"
        } else if request.training == nil {
            assumptions["engine"] = "PyTorch / Transformers serving: the generic formula (--engine llama.cpp, ollama or vllm for those engines)"
        }
        self.estimates = estimates
        self.formulas = formulas
        self.assumptions = assumptions
        self.warnings = warnings
        self.flopsPerToken = estimator.flopsPerToken(context: contexts[0])
        if request.training == nil, !profile.isEncoderOnly, let layers = a.layers, let heads = a.heads, heads > 0 {
            let headDim = a.headDim ?? (a.hiddenSize ?? 0) / heads
            let own = a.kvHeads ?? heads
            var variants: [(String, Int)] = [("MHA", heads)]
            if own != heads && own != 1 { variants.append(("GQA", own)) }
            variants.append(("MQA", 1))
            let context = contexts[0] * request.batch
            self.attentionVariants = variants.compactMap { name, kv in
                guard let perToken = Checked.multiply(layers, 2 * request.kvCache.rowBytes(kv * headDim)),
                    let total = Checked.multiply(perToken, context)
                else { return nil }
                return AttentionVariant(name: name, kvHeads: kv, bytesPerToken: perToken, bytesAtContext: total, isModel: kv == own)
            }
        }
    }
}

extension MemoryEstimate {
    /// The total memory of one training run at `context` tokens (what the LoRA and batch planners size with).
    static func trainingTotal(_ profile: ModelProfile, context: Int, flashAttention: Bool, training: TrainingRequest) throws(EstimateError) -> Int {
        var request = MemoryRequest()
        request.contexts = [context]
        request.flashAttention = flashAttention
        request.training = training
        return try MemoryEstimate(profile: profile, request: request).estimates.first?.totalBytes ?? Int.max
    }

    /// The names of the weights, activations and overhead terms: llama.cpp's buffers when it is the engine.
    public var termNames: (weights: String, activations: String, overhead: String) {
        estimates.first?.llamaCpp != nil ? ("model buffers", "compute buffer", "output + driver") : ("weights", "activations", "overhead")
    }

    /// What the fit's capacity is: one GPU when each is checked on its own (llama.cpp, training), else all of them.
    public var capacityIsPerDevice: Bool { mode == .training || estimates.first?.llamaCpp != nil }
}

/// The arithmetic behind ``MemoryEstimate``, one function per term.
struct Estimator {
    let profile: ModelProfile
    let request: MemoryRequest
    let weights: WeightSizing
    let engine: Engine

    /// llama.cpp's allocation at one context and sequence count (llama.cpp and Ollama engines).
    func llamaCpp(context: Int, batch: Int) throws(EstimateError) -> LlamaCppAllocation {
        var settings = request.llamaCpp
        settings.parallel = batch
        settings.ubatch = request.microBatchTokens
        settings.typeK = request.kvCache
        settings.typeV = request.kvCacheV ?? request.kvCache
        settings.flashAttention = request.flashAttention
        settings.context = context
        if engine == .ollama {
            // Ollama runs llama-server with -c num_ctx × parallel -np parallel -b/-ub num_batch (llm/llama_server.go).
            settings.tool = .server
            settings.unified = false
            settings.context = try Sizes.product(context, batch, "the context")
            let numBatch = request.ollama.numBatch ?? OllamaSettings.scheduledBatch(contextCells: settings.context ?? context)
            settings.batch = numBatch
            settings.ubatch = numBatch
        }
        guard settings.typeV == .f16 || settings.typeV == .f32 || settings.typeV == .bf16 || settings.flashAttention else {
            throw EstimateError(field: "kvCache", "llama.cpp refuses a quantized V cache without flash attention", refused: true)
        }
        let weightsBuffer: Int? = profile.format == .gguf && request.weights == .stored ? nil : weights.bytes
        return try LlamaCppAllocation(profile: profile, settings: settings, gpus: request.hardware?.count ?? 0, weightBytes: weightsBuffer)
    }

    var hidden: Int { profile.architecture.hiddenSize ?? 0 }
    var heads: Int { profile.architecture.heads ?? 0 }
    var kvHeads: Int { profile.architecture.kvHeads ?? heads }
    var headDim: Int { profile.architecture.headDim ?? (heads > 0 ? hidden / heads : 0) }
    var layers: Int { profile.architecture.layers ?? 0 }
    var vocab: Int { profile.architecture.vocabSize ?? 0 }
    var activeFFN: Int { profile.architecture.activeFFNSize }

    func kv(context: Int, batch: Int) throws(EstimateError) -> KVCacheEstimate? {
        guard !profile.isEncoderOnly, let layout = profile.layout else { return nil }
        return try KVCacheEstimate(layout: layout, context: context, sequences: batch, cacheType: request.kvCache)
    }

    /// Peak activations of one prefill step (the largest transient buffer set; layers run one at a time).
    func inferenceActivations(context: Int, batch: Int, tokens: Int) -> Int {
        let perToken = 2 * hidden + (heads + 2 * kvHeads) * headDim + heads * headDim + 3 * activeFFN
        var bytes = tokens * perToken * 4 + batch * vocab * 4
        if !request.flashAttention { bytes += heads * tokens * context * 4 }
        return bytes
    }

    /// Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models", eq. 1–2:
    /// per layer s·b·h·(34 + 5·a·s/h) bytes with 16-bit activations; 34·s·b·h with selective recomputation;
    /// 2·s·b·h (the layer input) with full recomputation. Plus fp32 logits s·b·V·4.
    /// FlashAttention never stores the a·s² score, softmax and dropout tensors, so with it the no-recomputation
    /// figure drops the 5·a·s/h term (the same 34·s·b·h that selective recomputation keeps).
    /// Korthikanti et al. 2022 (Table 2), per GPU: with tensor parallelism t and sequence parallelism every
    /// per-layer term and the vocabulary-parallel logits are divided by t.
    func trainingActivations(sequence s: Int, microBatch b: Int, checkpointing: TrainingRequest.Checkpointing, tensorParallel: Int = 1)
        throws(EstimateError)
        -> Int
    {
        let h = Double(hidden), a = Double(heads), sd = Double(s), bd = Double(b), t = Double(max(1, tensorParallel))
        let perLayer: Double
        switch checkpointing {
        case .none: perLayer = sd * bd * h * (34 + (request.flashAttention ? 0 : 5 * a * sd / max(h, 1)))
        case .selective: perLayer = 34 * sd * bd * h
        case .full: perLayer = 2 * sd * bd * h
        }
        return try Sizes.whole((perLayer * Double(layers) + sd * bd * Double(vocab) * 4) / t, "the activation memory")
    }

    func flopsPerToken(context: Int) -> Double {
        2 * Double(profile.activeParameters) + 4 * Double(layers) * Double(context) * Double(heads * headDim)
    }

    static func trainingFormulas(_ t: TrainingRequest) -> [String: String] {
        var f: [String: String] = [
            "activations":
                "Korthikanti et al. 2022: layers × s·b·h·(34 + 5·a·s/h) bytes (none; 34·s·b·h with FlashAttention, which stores no a·s² scores), 34·s·b·h (selective), 2·s·b·h (full) + logits s·b·V·4",
            "gradients": "trainable parameters × gradient bytes (4 fp32, 2 otherwise)",
            "optimizer":
                "trainable parameters × states × state bytes (+ 4-byte fp32 master copy under mixed precision): mixed-precision Adam = 2 + 2 + 12 = 16 bytes per parameter (ZeRO paper)",
        ]
        if t.zeroStage > 0 {
            f["zero"] =
                "ZeRO-\(t.zeroStage) over \(t.dataParallel) data-parallel replicas: optimizer states\(t.zeroStage >= 2 ? ", gradients" : "")\(t.zeroStage >= 3 ? ", weights" : "") ÷ \(t.dataParallel)"
        }
        if t.tensorParallel > 1 {
            f["tensorParallel"] =
                "tensor parallelism over \(t.tensorParallel) GPUs (Megatron-LM, with sequence parallelism): weights, gradients, optimizer states and activations ÷ \(t.tensorParallel) per GPU; \(t.devices) devices = \(t.dataParallel) replica(s) × \(t.tensorParallel)"
        }
        if t.loraRank != nil {
            f["lora"] = "trainable = rank × Σ adapted matrices (d_in + d_out) × layers; the base is frozen (no gradients, no optimizer state)"
        }
        return f
    }

    func breakdown(context: Int, batch: Int) throws(EstimateError) -> MemoryEstimate.Breakdown {
        var result = try breakdownWithoutFit(context: context, batch: batch)
        guard let total = Self.sumOfParts(result) else { throw EstimateError("the total overflows 64 bits") }
        result.totalBytes = total
        result.answer = answer(result)
        if let hardware = request.hardware, let vllm = result.vllm {
            // vLLM takes its whole budget; what matters is whether the cache holds one max_model_len sequence.
            guard vllm.tensorParallel <= hardware.count else {
                throw EstimateError(
                    field: "tensorParallel", "-tp \(vllm.tensorParallel) needs \(vllm.tensorParallel) GPUs; gpu names \(hardware.count)",
                    refused: true)
            }
            result.fit = MemoryEstimate.Fit(
                hardware: hardware.hardware.id, devices: vllm.tensorParallel, capacityBytes: vllm.budgetBytes * vllm.tensorParallel, fits: vllm.fits,
                marginBytes: vllm.marginBytes * vllm.tensorParallel,
                perDeviceBytes: Array(repeating: vllm.budgetBytes - vllm.marginBytes, count: vllm.tensorParallel), maxContext: vllm.largestModelLen,
                maxContextLimit: vllm.largestModelLen == profile.architecture.contextLength ? .trainedMaximum : .memory,
                maxBatch: min(vllm.maxNumSeqs, vllm.kvCacheTokens / max(1, context)), offloadLayers: 0)
            result.speed = speed(hardware, context: context, batch: batch, kvBytes: result.kvCacheBytesPerToken * context * batch)
        } else if let hardware = request.hardware {
            result.fit = try fit(hardware, context: context, batch: batch, total: total)
            // Serving speed (prefill, decode) means nothing for a training step.
            if request.training == nil { result.speed = speed(hardware, context: context, batch: batch, kvBytes: result.kvCacheBytes) }
        }
        return result
    }

    /// weights + KV cache + activations + overhead (+ gradients + optimizer state), or `nil` on overflow.
    static func sumOfParts(_ b: MemoryEstimate.Breakdown) -> Int? {
        Checked.sum([b.weightsBytes, b.kvCacheBytes, b.activationBytes, b.overheadBytes, b.gradientsBytes ?? 0, b.optimizerBytes ?? 0])
    }

    /// The terms at one context and batch, without the total, fit and speed.
    private func breakdownWithoutFit(context: Int, batch: Int) throws(EstimateError) -> MemoryEstimate.Breakdown {
        let kv = try kv(context: context, batch: batch)
        var result = MemoryEstimate.Breakdown(
            context: context,
            weightsBytes: weights.bytes,
            kvCacheBytes: kv?.bytes ?? 0,
            kvCacheBytesPerToken: kv?.bytesPerCell ?? 0,
            activationBytes: 0,
            decodeActivationBytes: inferenceActivations(context: context, batch: batch, tokens: batch),
            overheadBytes: request.overheadBytes,
            totalBytes: 0,
            answer: ""
        )
        if let training = request.training {
            try applyTraining(training, context: context, batch: batch, to: &result)
        } else if engine == .vllm, let hardware = request.hardware {
            let allocation = try VLLMAllocation(
                profile: profile, weights: weights.bytes, settings: request.vllm, hardware: hardware, maxModelLen: context,
                kvCache: request.kvCache, nonTorchBytes: request.overheadBytes)
            let ranks = allocation.tensorParallel
            result.weightsBytes = allocation.weightsBytes * ranks
            result.kvCacheBytes = allocation.kvCacheBytes * ranks
            result.kvCacheBytesPerToken = allocation.kvBytesPerToken * ranks
            result.activationBytes = allocation.activationBytes * ranks
            result.overheadBytes = (allocation.nonTorchBytes + allocation.cudaGraphBytes) * ranks
            result.vllm = allocation
        } else if engine == .llamaCpp || engine == .ollama {
            let allocation = try llamaCpp(context: context, batch: batch)
            result.weightsBytes = allocation.modelBytes
            result.kvCacheBytes = allocation.kvBytes
            result.activationBytes = allocation.computeBytes
            // Beside llama.cpp's buffers: the output buffer, and each GPU's driver context (none on a CPU).
            result.overheadBytes = allocation.outputBytes + (request.hardware.map { $0.count * request.overheadBytes } ?? 0)
            result.buffers = allocation.buffers
            result.llamaCpp = allocation
        } else {
            result.activationBytes = inferenceActivations(context: context, batch: batch, tokens: min(context, request.microBatchTokens) * batch)
        }
        return result
    }

    private func applyTraining(_ t: TrainingRequest, context: Int, batch: Int, to result: inout MemoryEstimate.Breakdown) throws(EstimateError) {
        guard t.devices >= 1, (0...3).contains(t.zeroStage) else { throw EstimateError(field: "zero", "takes 0–3 and --devices at least 1") }
        let P = profile.parameters
        let mixed = t.precision == .bf16Mixed || t.precision == .fp16Mixed
        let weightBytesPerParameter = t.precision == .fp32 ? 4 : 2
        let gradientBytes = t.precision == .fp32 ? 4 : 2
        let stateBytes = t.precision == .bf16 ? 2 : 4
        // LoRA freezes the base at the weight precision (QLoRA: NF4); full fine-tuning trains every parameter.
        let trainable = t.loraRank.map { LoRACount(architecture: profile.architecture, rank: $0, modules: t.loraModules).trainableParameters } ?? P
        let frozenWeights = t.loraRank == nil ? 0 : weights.bytes
        let states: Int
        switch t.optimizer {
        case .sgd: states = 0
        case .momentum: states = trainable * stateBytes
        case .adam, .adamw: states = 2 * trainable * stateBytes
        case .adam8bit: states = 2 * trainable
        case .adafactor: states = adafactorElements(trainable: trainable, lora: t.loraRank != nil) * stateBytes
        }
        let master = mixed ? trainable * 4 : 0
        // Tensor parallelism splits every matrix (and so its gradients and optimizer state) over tp GPUs; ZeRO then
        // shards over the data-parallel replicas.
        let tp = max(1, t.tensorParallel)
        let split = { (bytes: Int) in (bytes + tp - 1) / tp }
        var weightBytes = split(t.loraRank != nil ? frozenWeights + trainable * weightBytesPerParameter : P * weightBytesPerParameter)
        var gradients = split(trainable * gradientBytes)
        var optimizer = split(states + master)
        let n = t.dataParallel
        if t.zeroStage >= 1 { optimizer = (optimizer + n - 1) / n }
        if t.zeroStage >= 2 { gradients = (gradients + n - 1) / n }
        if t.zeroStage >= 3 { weightBytes = (weightBytes + n - 1) / n }
        result.weightsBytes = weightBytes
        result.gradientsBytes = gradients
        result.optimizerBytes = optimizer
        result.masterWeightsBytes = mixed ? (t.zeroStage >= 1 ? (split(master) + n - 1) / n : split(master)) : 0
        result.trainableParameters = trainable
        result.kvCacheBytes = 0
        result.kvCacheBytesPerToken = 0
        result.activationBytes = try trainingActivations(
            sequence: context, microBatch: try Sizes.product(t.microBatch, batch, "the micro-batch"), checkpointing: t.checkpointing,
            tensorParallel: tp)
    }

    /// Adafactor keeps row and column sums for each matrix and full state for vectors.
    private func adafactorElements(trainable: Int, lora: Bool) -> Int {
        guard !lora, !profile.tensors.isEmpty else { return trainable / 64 }
        return profile.tensors.filter(\.isParameter).reduce(0) { sum, t in
            let dims = t.shape.filter { $0 > 1 }
            return sum + (dims.count >= 2 ? t.elements / t.rowLength + t.rowLength : t.elements)
        }
    }

    private func answer(_ r: MemoryEstimate.Breakdown) -> String {
        // llama.cpp's terms are its buffers; the others are the generic parts.
        let engineBuffers = r.llamaCpp != nil
        var parts = ["\(engineBuffers ? "model buffers" : "weights") \(Formatting.decimalSize(r.weightsBytes))"]
        if r.kvCacheBytes > 0 { parts.append("KV cache \(Formatting.decimalSize(r.kvCacheBytes))") }
        if let gradients = r.gradientsBytes { parts.append("gradients \(Formatting.decimalSize(gradients))") }
        if let optimizer = r.optimizerBytes { parts.append("optimizer \(Formatting.decimalSize(optimizer))") }
        parts.append("\(engineBuffers ? "compute buffer" : "activations") \(Formatting.decimalSize(r.activationBytes))")
        parts.append("\(engineBuffers ? "output + driver" : "overhead") \(Formatting.decimalSize(r.overheadBytes))")
        return "\(Formatting.decimalSize(r.totalBytes)) at \(Formatting.grouped(r.context)) tokens = " + parts.joined(separator: " + ")
    }

    private func total(context: Int, batch: Int) throws(EstimateError) -> Int {
        Self.sumOfParts(try breakdownWithoutFit(context: context, batch: batch)) ?? Int.max
    }

    /// The largest n in 1...limit for which `fits(n)` holds, given that `fits` is monotone; 0 when even 1 does not fit.
    static func largest(upTo limit: Int, _ fits: (Int) throws(EstimateError) -> Bool) throws(EstimateError) -> Int {
        guard try fits(1) else { return 0 }
        var low = 1, high = limit
        while low < high {
            let mid = (low + high + 1) / 2
            if try fits(mid) { low = mid } else { high = mid - 1 }
        }
        return low
    }

    private func fit(_ selection: HardwareSelection, context: Int, batch: Int, total: Int) throws(EstimateError) -> MemoryEstimate.Fit {
        // Serving splits one model across the devices; training puts a replica (or its ZeRO shard) on each, so its
        // per-device total is compared with one device.
        let perDevice = selection.usableBytes / max(selection.count, 1)
        // llama.cpp places layers, KV and compute buffers on particular GPUs, so each GPU is checked on its own.
        let perGPU = engine == .llamaCpp || engine == .ollama
        let capacity = request.training == nil && !perGPU ? selection.usableBytes : perDevice
        let need = { (context: Int, batch: Int) throws(EstimateError) -> Int in
            guard perGPU else { return try self.total(context: context, batch: batch) }
            return (try self.llamaCpp(context: context, batch: batch).bytesPerGPU.max() ?? 0) + self.request.overheadBytes
        }
        let perDeviceBytes: [Int]
        if perGPU {
            perDeviceBytes = try llamaCpp(context: context, batch: batch).bytesPerGPU.map { $0 + request.overheadBytes }
        } else if request.training != nil {
            perDeviceBytes = Array(repeating: total, count: selection.count)
        } else {
            let count = max(selection.count, 1)
            perDeviceBytes = Array(repeating: (total + count - 1) / count, count: count)
        }
        // The same as need(context, batch) for llama.cpp, whose allocation is already computed above.
        let total = perGPU ? perDeviceBytes.max() ?? request.overheadBytes : total
        // Memory grows with context and with batch, so the largest of each that fits is a binary search.
        // A context past the model's trained maximum is not one it can use (without RoPE scaling), so the search
        // stops there when the maximum is known.
        let trained = profile.architecture.contextLength
        let limit = min(trained ?? 1 << 26, 1 << 26)
        let maxContext = try Self.largest(upTo: limit) { (n: Int) throws(EstimateError) in try need(n, batch) <= capacity }
        // llama.cpp runs at most 256 sequences (LLAMA_MAX_SEQ).
        let batchLimit = engine == .llamaCpp || engine == .ollama ? 256 : 1 << 16
        // llama.cpp's -c is shared by its -np sequences, so "the largest batch at this context" gives each sequence
        // the whole context: -c = context × n.
        let maxBatch = try Self.largest(upTo: batchLimit) { (n: Int) throws(EstimateError) in
            try need(self.engine == .llamaCpp ? try Sizes.product(context, n, "the context") : context, n) <= capacity
        }
        var offload = 0
        if total > capacity, layers > 0 {
            let kvPerLayer = (try kv(context: context, batch: batch)?.bytes ?? 0) / layers
            let perLayer = max(1, weights.bytes / layers + kvPerLayer)
            offload = min(layers, (total - capacity + perLayer - 1) / perLayer)
        }
        return MemoryEstimate.Fit(
            hardware: selection.hardware.id,
            devices: selection.count,
            capacityBytes: capacity,
            fits: total <= capacity,
            marginBytes: capacity - total,
            perDeviceBytes: perDeviceBytes,
            maxContext: maxContext,
            maxContextLimit: trained != nil && maxContext == limit ? .trainedMaximum : .memory,
            maxBatch: maxBatch,
            offloadLayers: offload
        )
    }

    private func speed(_ selection: HardwareSelection, context: Int, batch: Int, kvBytes: Int) -> MemoryEstimate.Speed {
        let precision = computePrecision()
        let (peak, used) = selection.hardware.peakFlops(precision)
        let flops = flopsPerToken(context: context)
        // llama.cpp splits layers across GPUs, which then take turns: one GPU's rate. Tensor-parallel engines add them.
        let parallelDevices = Double(engine == .llamaCpp || engine == .ollama ? 1 : selection.count)
        let bandwidth = selection.hardware.bandwidth * parallelDevices * request.bandwidthEfficiency
        // Standard attention writes each token's scores (F32, heads × context per layer), and softmax and the
        // weighted sum read and write them again: 4 passes over memory that FlashAttention keeps on chip.
        let scoreBytesPerToken = request.flashAttention ? 0 : 16 * Double(layers) * Double(heads) * Double(context)
        let prefill = 1 / (max(flops, 1) / (peak * parallelDevices * request.computeEfficiency) + scoreBytesPerToken / bandwidth)
        let activeWeightBytes = Double(weights.bytes) * Double(profile.activeParameters) / Double(max(profile.parameters, 1))
        let bytesPerStep = activeWeightBytes + Double(kvBytes) + Double(batch) * scoreBytesPerToken
        let stepSeconds = bytesPerStep / bandwidth
        let decode = Double(batch) / max(stepSeconds, 1e-12)
        return MemoryEstimate.Speed(
            flopsPerToken: flops,
            prefillTokensPerSecond: prefill,
            decodeTokensPerSecond: decode,
            timeToFirstTokenSeconds: Double(context) / max(prefill, 1e-12),
            interTokenLatencySeconds: stepSeconds,
            computePrecision: used
        )
    }

    /// The tensor-core precision the weights run at: 8-bit for 8-bit weights, else 16-bit.
    private func computePrecision() -> ComputePrecision {
        switch request.weights {
        case .float(.f32): .fp32
        case .float(.f16): .fp16
        case .linear(.fp8): .fp8
        case .linear(.int8): .int8
        default: .bf16
        }
    }
}
