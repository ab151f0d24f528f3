/// vLLM's settings that decide its KV budget (`vllm serve` flags).
public struct VLLMSettings: Sendable, Hashable {
    /// `--gpu-memory-utilization` (0.92 in vLLM 0.33; 0.9 before).
    public var gpuMemoryUtilization = 0.92
    /// `-tp`.
    public var tensorParallel = 1
    /// `--max-num-seqs`, `--max-num-batched-tokens`: `nil` is vLLM's default for the GPU's memory.
    public var maxNumSeqs: Int?
    public var maxNumBatchedTokens: Int?
    /// `--block-size` (tokens per KV block).
    public var blockSize = 16
    /// `--enforce-eager`: no CUDA graphs, so no graph memory.
    public var enforceEager = false

    public init() {}
}

/// How vLLM (V1 engine, 0.33) carves each GPU: the budget `gpu_memory_utilization × memory`, less the weights, the
/// peak activations of its profiling run, non-torch memory and CUDA graphs, is the KV cache, in blocks of
/// `block_size` tokens (vllm/v1/worker/gpu_worker.py `determine_available_memory`,
/// vllm/v1/core/kv_cache_utils.py `check_enough_kv_cache_memory`). The weights and KV are exact for the
/// settings; the activation peak, non-torch memory and graph memory are estimates that vLLM measures at start-up.
public struct VLLMAllocation: Sendable, Hashable, Codable {
    /// Per GPU.
    public let budgetBytes: Int
    public let weightsBytes: Int
    public let activationBytes: Int
    public let nonTorchBytes: Int
    public let cudaGraphBytes: Int
    public let kvCacheBytes: Int
    /// What the budget leaves for the cache before it is cut into blocks: negative when the weights, activations,
    /// non-torch memory and graphs alone exceed the budget.
    public let availableBytes: Int
    /// Bytes of one token's K and V in every layer, on one GPU (KV heads split over tensor parallel ranks).
    public let kvBytesPerToken: Int
    /// `GPU KV cache size: N tokens`.
    public let kvCacheTokens: Int
    public let maxModelLen: Int
    /// `Maximum concurrency for X tokens per request: Y×`.
    public let maxConcurrency: Double
    public let maxNumSeqs: Int
    public let maxNumBatchedTokens: Int
    public let tensorParallel: Int
    /// The largest `max_model_len` the cache holds (what vLLM's error suggests).
    public let largestModelLen: Int
    /// What vLLM would print: the cache line, or the start-up error.
    public let message: String
    public var fits: Bool { kvCacheTokens >= maxModelLen }
    /// Per GPU: the cache's bytes (or, when nothing is left for it, the negative remainder) less what one
    /// `max_model_len` sequence needs; negative is the shortfall.
    public var marginBytes: Int { (availableBytes > 0 ? kvCacheBytes : availableBytes) - maxModelLen * kvBytesPerToken }

    init(
        profile: ModelProfile, weights: Int, settings s: VLLMSettings, hardware: HardwareSelection, maxModelLen: Int, kvCache: CacheType,
        nonTorchBytes: Int
    ) throws(EstimateError) {
        let a = profile.architecture
        guard let layout = profile.layout else {
            throw EstimateError(field: "engine", "vLLM's KV cache needs the model's attention layout", refused: true)
        }
        let tp = s.tensorParallel
        guard tp >= 1, tp <= 1024 else { throw EstimateError(field: "tensorParallel", "must be between 1 and 1024", refused: true) }
        guard let heads = a.heads, heads % tp == 0 else {
            throw EstimateError(field: "tensorParallel", "vLLM needs the \(a.heads ?? 0) attention heads divisible by -tp \(tp)", refused: true)
        }
        let gib = 1 << 30
        let memory = hardware.hardware.memoryBytes
        // vllm/engine/arg_utils.py: defaults by GPU memory for `vllm serve`.
        let large = memory >= 70 * gib
        let maxSeqs = s.maxNumSeqs ?? (large ? 1024 : 256)
        let batched = s.maxNumBatchedTokens ?? (memory >= 160 * gib ? 16_384 : large ? 8192 : 2048)
        let budget = Int((Double(memory) * s.gpuMemoryUtilization).rounded(.up))
        let perGPUWeights = (weights + tp - 1) / tp
        // The profiling run: max_num_batched_tokens through the model in 16-bit, logits of max_num_seqs rows in fp32.
        let hidden = a.hiddenSize ?? 0
        let headDim = a.headDim ?? hidden / max(heads, 1)
        let kvHeads = a.kvHeads ?? heads
        let ffn = a.activeFFNSize
        let perTokenActivation = 2 * hidden + (heads + 2 * kvHeads) * headDim / tp + heads * headDim / tp + 3 * ffn / tp
        let activation = try Sizes.product(batched, perTokenActivation * 2, "the activations") + min(maxSeqs, batched) * (a.vocabSize ?? 0) * 4 / tp
        let graphs = s.enforceEager ? 0 : 512 << 20
        let available = budget - perGPUWeights - activation - nonTorchBytes - graphs
        // kv_cache_interface.py: a block holds 2 × block_size × max(1, kv_heads ÷ tp) × head_size × dtype bytes per layer.
        let dtype = kvCache == .fp8 ? 1 : kvCache == .f32 ? 4 : 2
        var perToken = 0
        for layer in layout.layers {
            switch layer.kind {
            case .full, .sliding:
                perToken += max(1, layer.kvHeads / tp) * (layer.keyLength + layer.valueLength) * dtype
            case .latent(let elements):
                perToken += elements * dtype
            case .recurrent, .none:
                break
            }
        }
        let blockBytes = perToken * s.blockSize
        let blocks = available > 0 && blockBytes > 0 ? available / blockBytes : 0
        let tokens = blocks * s.blockSize
        self.budgetBytes = budget
        self.weightsBytes = perGPUWeights
        self.activationBytes = activation
        self.nonTorchBytes = nonTorchBytes
        self.cudaGraphBytes = graphs
        self.kvCacheBytes = blocks * blockBytes
        self.availableBytes = available
        self.kvBytesPerToken = perToken
        self.kvCacheTokens = tokens
        self.maxModelLen = maxModelLen
        self.maxConcurrency = Double(tokens) / Double(max(maxModelLen, 1))
        self.maxNumSeqs = maxSeqs
        self.maxNumBatchedTokens = batched
        self.tensorParallel = tp
        self.largestModelLen = min(tokens, a.contextLength ?? tokens)
        if available <= 0 {
            self.message =
                "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine. (weights \(Formatting.binarySize(perGPUWeights)) per GPU + activations + overhead exceed \(Formatting.binarySize(budget)))"
        } else if tokens < maxModelLen {
            self.message =
                "ValueError: To serve at least one request with the models's max seq len (\(maxModelLen)), (\(Formatting.fixed(Double(perToken * maxModelLen) / Double(gib), decimals: 2)) GiB KV cache is needed, which is larger than the available KV cache memory (\(Formatting.fixed(Double(blocks * blockBytes) / Double(gib), decimals: 2)) GiB). Based on the available memory, the estimated maximum model length is \(tokens). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine."
        } else {
            self.message =
                "GPU KV cache size: \(Formatting.grouped(tokens)) tokens, Maximum concurrency for \(Formatting.grouped(maxModelLen)) tokens per request: \(Formatting.fixed(Double(tokens) / Double(maxModelLen), decimals: 2))x"
        }
    }
}
