internal import HeftFormats

/// The engine a memory estimate models (`--engine`).
public enum Engine: String, Sendable, Hashable, Codable, CaseIterable {
    /// llama.cpp's own buffers (llama-completion, llama-cli, llama-server).
    case llamaCpp = "llama.cpp"
    /// Ollama: llama.cpp's buffers with Ollama's defaults for context, parallel sequences and cache type.
    case ollama
    /// vLLM: a KV budget carved from `gpu_memory_utilization` of each GPU.
    case vllm
    /// PyTorch / Hugging Face Transformers: the generic serving formula, and training.
    case transformers
}

/// One buffer an engine allocates, named as the engine names it.
public struct EngineBuffer: Sendable, Hashable, Codable {
    /// What the buffer holds, in llama.cpp's words.
    public enum Kind: String, Sendable, Hashable, Codable {
        case model, kv, compute, output
    }

    /// `CPU`, `CUDA0`, … (the device the bytes live on).
    public var device: String
    /// The buffer type llama.cpp prints (`CPU_Mapped`, `CPU_REPACK`, `CPU`, `CUDA0`, `CUDA_Host`).
    public var name: String
    public var kind: Kind
    public var bytes: Int
    /// For KV buffers: the cache (`non-SWA`, `SWA`) and its cells.
    public var detail: String?
    /// When the size is a range: its top (`bytes` is the bottom). A mixture of experts with flash attention leaves
    /// holes in ggml-alloc's buffer that depend on the order of frees; fits are checked against this.
    public var upperBytes: Int? = nil

    /// The bytes a fit must leave room for: the top of the range.
    public var reservedBytes: Int { max(bytes, upperBytes ?? bytes) }
}

/// llama.cpp's flags that decide its allocations.
public struct LlamaCppSettings: Sendable, Hashable {
    /// The program: they differ in defaults (llama-server runs 4 unified sequences unless told `-np`).
    public enum Tool: String, Sendable, Hashable, Codable, CaseIterable {
        case completion = "llama-completion"
        case cli = "llama-cli"
        case server = "llama-server"
    }

    public var tool: Tool = .completion
    /// `-c`: `nil` or 0 is the model's trained context (× sequences without a unified cache).
    public var context: Int?
    /// `-b` (logical batch), `-ub` (micro-batch).
    public var batch = 2048
    public var ubatch = 512
    /// `-np`; `nil` is the tool's default.
    public var parallel: Int?
    /// `-kvu`; `nil` is the tool's default.
    public var unified: Bool?
    /// `-fa`: on CPU (and current GPUs) `auto` resolves to on.
    public var flashAttention = true
    /// `-ctk`, `-ctv`.
    public var typeK: CacheType = .f16
    public var typeV: CacheType = .f16
    /// `--swa-full`.
    public var swaFull = false
    /// `-ngl`: layers on the GPU (`nil`: all when a GPU is given; 0 without one).
    public var gpuLayers: Int?
    /// `--no-kv-offload` keeps the KV cache in host memory.
    public var kvOffload = true
    /// `--no-mmap` reads the weights into an allocated buffer instead of mapping the file.
    public var mmap = true
    /// `--no-repack`: on x86 with AVX2, Q4_0, Q4_K, IQ4_NL and MXFP4 matrices whose row count is a multiple of 8
    /// are copied into a `CPU_REPACK` buffer (ggml-cpu repack.cpp).
    public var repack = true
    /// `--embedding`: the output buffer also holds embeddings.
    public var embeddings = false
    /// `-ts`: each GPU's share of the layers (llama.cpp normalizes them); `nil`: by free memory, even for identical GPUs.
    public var tensorSplit: [Double]?
    /// `-sm`: layers split over the GPUs (default), everything on one GPU (`none`), or rows (not modelled).
    public var splitMode: SplitMode = .layer

    public enum SplitMode: String, Sendable, Hashable, CaseIterable {
        case layer, none, row
    }

    public init() {}

    /// Sequences: `-np`, or the tool's default.
    public var sequences: Int { parallel ?? (tool == .server ? 4 : 1) }
    /// Whether all sequences share one KV stream: `-kvu`, or llama-server's default with no `-np`.
    public var isUnified: Bool { unified ?? (tool == .server && parallel == nil) }
}

/// What llama.cpp (the version vendored in llama-cpp-python 0.3.36) allocates for a GGUF model, buffer by buffer.
///
/// Each rule cites llama.cpp's source; `docs/estimates.md` lists them. KV and output buffers follow llama.cpp's
/// arithmetic exactly; the model buffers are exact for a GGUF file (its tensor offsets); the compute buffer is
/// ggml-alloc replayed over the worst-case graph (``DecoderGraphShape``) on the CPU for the architectures it builds,
/// and otherwise the peak of that graph approximated by its three largest moments (the
/// logits at the end, the feed-forward block, the attention block).
public struct LlamaCppAllocation: Sendable, Hashable, Codable {
    /// `n_ctx` after padding to 256 (and to a multiple of the streams).
    public let contextCells: Int
    /// `n_ctx_seq`: cells per stream.
    public let cellsPerStream: Int
    /// Cells per stream in sliding-window layers (`nil` without such layers).
    public let slidingCellsPerStream: Int?
    public let streams: Int
    public let sequences: Int
    public let unified: Bool
    /// `n_batch`, `n_ubatch` after llama.cpp's clamps.
    public let batch: Int
    public let ubatch: Int
    /// Outputs the worst-case graph reserves logits for.
    public let reservedOutputs: Int
    public let flashAttention: Bool
    public let buffers: [EngineBuffer]
    /// Which moment of the graph sizes the compute buffer: `logits`, `feed-forward` or `attention`.
    public let computePeak: String
    /// Whether llama.cpp runs the GPUs as a pipeline (4 copies of each split's inputs).
    public private(set) var pipelineParallel = false
    /// What each buffer is computed from.
    public let formulas: [String: String]

    public var modelBytes: Int { total(.model) }
    public var kvBytes: Int { total(.kv) }
    /// The compute buffers at the top of their range (what a fit must leave room for).
    public var computeBytes: Int { buffers.filter { $0.kind == .compute }.reduce(0) { $0 + $1.reservedBytes } }
    public var outputBytes: Int { total(.output) }

    /// Bytes on each GPU (`CUDA0`, `CUDA1`, …) in device order; empty on a CPU.
    public var bytesPerGPU: [Int] {
        var totals: [Int: Int] = [:]
        for buffer in buffers where buffer.device.hasPrefix("CUDA") {
            if let index = Int(buffer.device.dropFirst(4)) { totals[index, default: 0] += buffer.reservedBytes }
        }
        return totals.keys.sorted().map { totals[$0] ?? 0 }
    }

    private func total(_ kind: EngineBuffer.Kind) -> Int { buffers.filter { $0.kind == kind }.reduce(0) { $0 + $1.bytes } }

    /// The allocation for `profile` with `settings`, on the CPU or on `gpus` GPUs.
    ///
    /// - Parameter weightBytes: the weights' size when they are not the GGUF file's own tensors (another
    ///   precision, a config): then one allocated buffer, split over the GPUs by layers.
    public init(profile: ModelProfile, settings s: LlamaCppSettings, gpus: Int = 0, weightBytes: Int? = nil) throws(EstimateError) {
        let a = profile.architecture
        guard let layers = a.layers, let hidden = a.hiddenSize, let heads = a.heads, let vocab = a.vocabSize else {
            throw EstimateError("llama.cpp's buffers need the layer count, width, heads and vocabulary (a GGUF file or config.json)")
        }
        guard let layout = profile.layout else { throw EstimateError("llama.cpp's KV cache needs the model's attention layout") }
        let sequences = s.sequences
        guard (1...256).contains(sequences) else {
            throw EstimateError(field: "parallel", "llama.cpp runs 1 to 256 sequences (LLAMA_MAX_SEQ)", refused: true)
        }
        guard s.batch >= 1, s.ubatch >= 1 else { throw EstimateError(field: "ubatch", "batch sizes must be at least 1", refused: true) }
        let unified = s.isUnified
        let streams = unified ? 1 : sequences

        // llama-context.cpp: n_ctx = -c or the trained length (common's fit makes it n_ctx_train × streams);
        // n_batch = min(n_ctx, -b) and n_ubatch = min(n_batch, -ub) use the unpadded n_ctx; n_ctx is padded to 256;
        // without a unified cache n_ctx_seq = pad(n_ctx / n_seq_max, 256) and n_ctx = n_ctx_seq × n_seq_max.
        var requested = s.context ?? 0
        if requested == 0 {
            guard let trained = a.contextLength else {
                throw EstimateError(field: "context", "the model states no trained context: give -c", refused: true)
            }
            requested = try Sizes.product(trained, streams, "the context")
        }
        if s.tool != .server { requested = max(requested, 8) }
        let batch = min(requested, s.batch)
        let ubatch = min(batch, s.ubatch)
        var cells = Self.pad(requested, 256)
        let perStream = unified ? cells : Self.pad(cells / sequences, 256)
        if !unified { cells = try Sizes.product(perStream, sequences, "the context") }

        // llama-kv-cache-iswa.cpp: the SWA cache holds min(n_ctx_seq, n_swa × (unified ? n_seq : 1) + n_ubatch)
        // cells, padded to 256; --swa-full makes it full size.
        var window: Int?
        for layer in layout.layers { if case .sliding(let w) = layer.kind { window = w } }
        let slidingPerStream = window.map { w in
            s.swaFull ? perStream : Self.pad(min(perStream, w * (unified ? sequences : 1) + ubatch), 256)
        }

        // Model buffers: with mmap one CPU_Mapped buffer per file spans the first to the last tensor kept on the
        // CPU (llama-model-loader.cpp get_mapping_range); repacked matrices are copied beside it.
        // -sm none keeps everything on one GPU.
        let gpus = s.splitMode == .none ? min(gpus, 1) : gpus
        let gpuLayers = gpus > 0 ? min(s.gpuLayers ?? layers + 1, layers + 1) : 0
        let firstOnGPU = layers + 1 - gpuLayers
        // llama-model.cpp load_tensors: split points = cumulative -ts shares (float), normalized; layer il goes to
        // the first GPU whose split point exceeds (il − first offloaded layer) ÷ offloaded layers.
        var splitPoints = [Float](repeating: 1, count: max(gpus, 0))
        if gpus > 0 {
            let given = s.tensorSplit ?? []
            var shares = (0..<gpus).map { index in index < given.count ? Float(given[index]) : 0 }
            if shares.allSatisfy({ $0 == 0 }) { shares = [Float](repeating: 1, count: gpus) }
            var sum: Float = 0
            for index in shares.indices {
                sum += shares[index]
                splitPoints[index] = sum
            }
            splitPoints = splitPoints.map { $0 / sum }
        }
        func device(layer: Int?) -> Int? {
            // The output layer (index = layers) goes first, then the last repeating layers; the input layer never.
            guard gpus > 0, let layer, layer >= firstOnGPU else { return nil }
            let x = Float(layer - firstOnGPU) / Float(max(1, gpuLayers))
            return min(gpus - 1, splitPoints.firstIndex { $0 > x } ?? gpus)
        }
        var mappedRange: [String: (low: Int, high: Int)] = [:]
        var repacked = 0
        var allocatedCPU = 0
        var gpuModel = [Int](repeating: 0, count: max(gpus, 0))
        if let weightBytes {
            // Not a GGUF file's tensors: the weights in one buffer, the offloaded share of layers on the GPUs.
            // Each of the layers + 1 (the output layer) an equal share, on the device its layer goes to.
            let perLayer = weightBytes / (layers + 1)
            var onGPUs = 0
            for layer in 0...layers {
                guard let gpu = device(layer: layer) else { continue }
                let bytes = layer == layers ? weightBytes - perLayer * layers : perLayer
                gpuModel[gpu] += bytes
                onGPUs += bytes
            }
            allocatedCPU = weightBytes - onGPUs
        }
        for tensor in profile.tensors where weightBytes == nil {
            let bytes = tensor.storedBytes > 0 ? tensor.storedBytes : tensor.elements * 2
            let layer = Self.layerIndex(tensor, layers: layers)
            if let gpu = device(layer: layer) {
                gpuModel[gpu] += Self.pad(bytes, 256)
                continue
            }
            if s.repack, Self.isRepacked(tensor) {
                repacked += Self.pad(bytes, 32)
                continue
            }
            if s.mmap, let placement = tensor.placement {
                let range = mappedRange[placement.file] ?? (placement.offset, placement.offset + bytes)
                mappedRange[placement.file] = (min(range.low, placement.offset), max(range.high, placement.offset + bytes))
            } else {
                allocatedCPU += Self.pad(bytes, 32)
            }
        }
        var buffers: [EngineBuffer] = []
        let mapped = mappedRange.values.reduce(0) { $0 + ($1.high - $1.low) }
        if mapped > 0 { buffers.append(EngineBuffer(device: "CPU", name: "CPU_Mapped", kind: .model, bytes: mapped)) }
        if allocatedCPU > 0 { buffers.append(EngineBuffer(device: "CPU", name: "CPU", kind: .model, bytes: allocatedCPU)) }
        if repacked > 0 { buffers.append(EngineBuffer(device: "CPU", name: "CPU_REPACK", kind: .model, bytes: repacked)) }
        for (index, bytes) in gpuModel.enumerated() where bytes > 0 {
            buffers.append(EngineBuffer(device: "CUDA\(index)", name: "CUDA\(index)", kind: .model, bytes: bytes))
        }

        // llama-kv-cache.cpp: per layer K = row(type_k, n_embd_k_gqa) × cells × streams, V likewise; without flash
        // attention V rows are the widest layer's (v_trans). Each tensor is aligned to 32 bytes in the buffer, which
        // lives on its layer's device (on the host with --no-kv-offload).
        let widestV = layout.layers.map { $0.kvHeads * $0.valueLength }.max() ?? 0
        struct Cache {
            var bytes: Exact = 0
            var layers = 0
        }
        // Keyed by device index (nil: the CPU) and by cache: 0 non-SWA, 1 SWA, 2 recurrent.
        var caches: [Int: [Int?: Cache]] = [:]
        // llama-model.cpp create_memory: encoder-only models (BERT and its kin) get no memory module, so no KV cache.
        for (index, layer) in layout.layers.enumerated() where !profile.isEncoderOnly {
            let keyElements = layer.kvHeads * layer.keyLength
            let valueElements = s.flashAttention ? layer.kvHeads * layer.valueLength : widestV
            let place = s.kvOffload ? device(layer: index) : nil
            var bytes: Exact
            var cache = 0
            switch layer.kind {
            case .full, .sliding:
                var layerCells = perStream
                if case .sliding = layer.kind, let slidingPerStream {
                    layerCells = slidingPerStream
                    cache = 1
                }
                bytes =
                    Exact(Self.pad(s.typeK.rowBytes(keyElements) * layerCells * streams, 32))
                    + Exact(Self.pad(s.typeV.rowBytes(valueElements) * layerCells * streams, 32))
            case .latent(let elements):
                bytes = Exact(Self.pad(s.typeK.rowBytes(elements) * perStream * streams, 32))
            case .recurrent(let elements):
                bytes = Exact(elements) * 4 * Exact(sequences)
                cache = 2
            case .none:
                continue
            }
            caches[cache, default: [:]][place, default: Cache()].bytes = caches[cache, default: [:]][place, default: Cache()].bytes + bytes
            caches[cache, default: [:]][place, default: Cache()].layers += 1
        }
        for cache in caches.keys.sorted() {
            for (place, content) in (caches[cache] ?? [:]).sorted(by: { ($0.key ?? -1) < ($1.key ?? -1) }) {
                guard let bytes = content.bytes.value else {
                    throw EstimateError("the KV cache size overflows 64 bits: lower the context or sequences")
                }
                let name = place.map { "CUDA\($0)" } ?? "CPU"
                let detail: String
                switch cache {
                case 0: detail = "\(window == nil ? "" : "non-SWA, ")\(perStream) cells × \(streams) stream(s), \(content.layers) layers"
                case 1: detail = "SWA, \(slidingPerStream ?? 0) cells × \(streams) stream(s), \(content.layers) layers"
                default: detail = "recurrent state, \(content.layers) layers"
                }
                buffers.append(EngineBuffer(device: name, name: name, kind: .kv, bytes: bytes, detail: detail))
            }
        }

        // Output buffer (llama-context.cpp output_reserve): n_vocab × n_seq_max floats (+ n_embd with --embedding).
        let outputBytes = try Sizes.product((vocab + (s.embeddings ? hidden : 0)) * 4, sequences, "the output buffer")
        buffers.append(EngineBuffer(device: "CPU", name: gpus > 0 ? "CUDA_Host" : "CPU", kind: .output, bytes: outputBytes))

        // Compute buffer (llama-context.cpp sched_reserve): the graph for N = min(n_ctx, n_ubatch) tokens over the
        // full cache, logits for min(N, n_outputs_max) outputs (n_batch in llama-completion, n_seq in the server).
        var tokens = min(cells, ubatch)
        tokens = Self.pad(tokens, sequences)
        let outputsMax = s.tool == .server ? min(batch, sequences) : batch
        let outputs = min(tokens, outputsMax)
        let headDim = a.headDim ?? hidden / max(heads, 1)
        let valueDim = layout.layers.first.map(\.valueLength) ?? headDim
        let ffn = a.activeFFNSize
        let maskCells = perStream * streams + (slidingPerStream.map { $0 * streams } ?? 0)
        let N = tokens
        let inputs = 4 * hidden * N
        let liveInputs =
            (s.flashAttention ? 2 : 4) * maskCells * N / max(1, streams) + 8 * N + (s.flashAttention ? 8 * N : 8 * N * widestV) + 4 * N + 4 * outputs
        let end = inputs + 4 * outputs * (vocab + hidden)
        let feedForward = inputs + liveInputs + 4 * N * (3 * ffn + hidden)
        let scores = s.flashAttention ? 0 : 4 * perStream * N * heads
        let attention = inputs + liveInputs + 4 * N * (heads * headDim + heads * valueDim + 2 * hidden) + scores
        let peaks = [("logits", end), ("feed-forward", feedForward), ("attention", attention)]
        let peak = peaks.max { $0.1 < $1.1 } ?? ("logits", end)
        // A mixture of experts with flash attention: ggml-alloc's best fit can leave the experts' working set as a
        // hole under the peak — the router's logits and probabilities (n_expert), the chosen ids and weights
        // (n_used), the gate, up and activation outputs (n_used × expert width), the down outputs (n_used × E) and
        // the hidden state; measured 0 to 19.06 MiB on a 16-expert model at -ub 512, never more than this bound.
        var hole: Int?
        if s.flashAttention, let used = a.expertsPerToken, let experts = a.experts, experts > 1 {
            let expert = a.expertFFNSize ?? a.ffnSize ?? 4 * hidden
            hole = 4 * N * (2 * experts + 2 * used + 3 * used * expert + used * hidden + hidden)
        }
        // On the CPU, for the graphs it models, ggml-alloc replayed node by node gives the size itself (no closed form
        // does: holes come and go with -c, and with few outputs the peak sits in a layer).
        var simulated: Int?
        var replayedPeak = ""
        if gpus == 0 || gpuLayers == 0,
            let shape = Self.decoderGraph(
                profile, layout: layout, settings: s, tokens: N, outputs: outputs, streams: streams, cellsPerStream: perStream,
                slidingCellsPerStream: slidingPerStream)
        {
            // llama-context.cpp sched_reserve reserves the prompt graph (N tokens) and the generation graph (one
            // token per sequence, each an output), and the buffer takes the larger: with many sequences and few
            // tokens each, the second can be.
            var generation = shape
            generation.tokens = sequences
            generation.outputs = sequences
            guard let prompt = shape.graph().allocatedBytes(), let decode = generation.graph().allocatedBytes() else {
                throw EstimateError("the compute buffer overflows 64 bits: lower the context or micro-batch")
            }
            simulated = max(prompt, decode)
            replayedPeak =
                prompt >= decode
                ? "ggml-alloc replayed over the prompt graph (\(N) tokens)"
                : "ggml-alloc replayed over the generation graph (one token for each of \(sequences) sequences)"
            hole = nil
        }
        if let simulated {
            buffers.append(
                EngineBuffer(
                    device: "CPU", name: "CPU", kind: .compute, bytes: simulated,
                    detail: replayedPeak))
        } else if gpus == 0 || gpuLayers == 0 {
            buffers.append(EngineBuffer(device: "CPU", name: "CPU", kind: .compute, bytes: peak.1, upperBytes: hole.map { peak.1 + $0 }))
        } else {
            // Each GPU that holds layers reserves its part of the graph; the one with the output layer holds the logits.
            let layersPeak = max(feedForward, attention)
            let outputDevice = device(layer: layers) ?? gpus - 1
            // Pipeline parallelism (llama-context.cpp: several GPUs, every layer offloaded, -sm layer, KV offloaded)
            // makes ggml-backend keep GGML_SCHED_MAX_COPIES = 4 copies of each split's inputs (the hidden state,
            // positions and the F32 mask) alive for the whole graph: three more than without it.
            let copies =
                gpus > 1 && gpuLayers == layers + 1 && s.kvOffload && s.splitMode == .layer
                ? 3 * (4 * hidden * N + 4 * N + 4 * maskCells * N / max(1, streams)) : 0
            for index in Set((firstOnGPU...layers).compactMap { device(layer: $0) }).sorted() {
                buffers.append(
                    EngineBuffer(
                        device: "CUDA\(index)", name: "CUDA\(index)", kind: .compute, bytes: (index == outputDevice ? peak.1 : layersPeak) + copies,
                        detail: copies > 0 ? "includes \(Formatting.binarySize(copies)) of pipeline-parallel input copies" : nil,
                        upperBytes: hole.map { (index == outputDevice ? peak.1 : layersPeak) + copies + $0 }))
            }
            self.pipelineParallel = copies > 0
            // The host's share (ggml-backend.c: graph inputs go to the CPU backend, whose buffer is the GPU's pinned
            // host memory): the token embeddings, gathered on the CPU where the input layer always stays (4·E·N),
            // the F32 mask (cast to F16 on the GPU for flash attention), tokens, positions and output ids. Layers
            // left on the CPU by -ngl compute there too, so the host then holds their working set instead.
            // Real logs: Llama-3-8B at -c 8192 -ub 512, every layer offloaded: "CUDA_Host compute buffer size =
            // 24.01 MiB" = 8 MiB of embeddings + 16 MiB of mask.
            let hostInputs = inputs + 4 * maskCells * N / max(1, streams) + 8 * N + 4 * outputs
            let hostBytes = firstOnGPU > 0 ? max(hostInputs, layersPeak) : hostInputs
            buffers.append(EngineBuffer(device: "CPU", name: "CUDA_Host", kind: .compute, bytes: hostBytes))
        }

        self.contextCells = cells
        self.cellsPerStream = perStream
        self.slidingCellsPerStream = slidingPerStream
        self.streams = streams
        self.sequences = sequences
        self.unified = unified
        self.batch = batch
        self.ubatch = ubatch
        self.reservedOutputs = outputs
        self.flashAttention = s.flashAttention
        self.buffers = buffers
        self.computePeak = simulated == nil ? peak.0 : replayedPeak
        self.formulas = [
            "model":
                "CPU_Mapped = last − first byte of the tensors kept on the CPU, per file (mmap); CPU_REPACK = Q4_0/Q4_K/IQ4_NL/MXFP4 matrices with rows % 8 = 0, copied (AVX2); GPU layers: output layer first, then the last repeating layers",
            "kv":
                "per layer row(type_k, n_kv·key_length) + row(type_v, n_kv·value_length) × cells × streams; cells = pad(-c ÷ streams, 256); SWA layers pad(min(cells, window·(unified ? n_seq : 1) + n_ubatch), 256)",
            "output": "n_vocab × n_seq_max × 4 bytes (logits of one token per sequence)",
            "compute": simulated != nil
                ? "ggml-alloc (best fit, in-place reuse, frees after each tensor's last reader) replayed over the graphs llama.cpp builds for \(a.modelType ?? "this model") \(s.flashAttention ? "with" : "without") flash attention, the prompt's at N = min(n_ctx, n_ubatch) = \(N) tokens and generation's at one token per sequence (\(sequences)): the highest byte any tensor reaches, the larger of the two"
                : "peak of the worst-case graph at N = min(n_ctx, n_ubatch) tokens: max(logits 4·O·(V + E), feed-forward 4·N·(3·FFN + E), attention 4·N·(heads·(d_k + d_v) + 2E)\(s.flashAttention ? "" : " + scores 4·cells·N·heads")) + inputs 4·E·N + mask \(s.flashAttention ? 2 : 4)·cells·N; O = \(s.tool == .server ? "n_seq" : "n_ubatch") outputs"
                ,
        ]
    }

    /// The graph ``DecoderGraphShape`` builds for this model, when it is one llama.cpp builds that way: `llama`
    /// (dense, or with experts: Mixtral; biases on Q, K and V when the file has them), `qwen2` (biases), `qwen3` and
    /// `qwen3moe` (Q/K norms), every layer attending to the whole cache, and `gemma3` (sliding-window layers beside
    /// full ones). `nil` otherwise.
    static func decoderGraph(
        _ profile: ModelProfile, layout: AttentionLayout, settings s: LlamaCppSettings, tokens: Int, outputs: Int, streams: Int,
        cellsPerStream: Int, slidingCellsPerStream: Int?
    ) -> DecoderGraphShape? {
        let a = profile.architecture
        let biases = profile.tensors.contains { $0.name.hasSuffix("attn_q.bias") || $0.name.hasSuffix("q_proj.bias") }
        let qkNorm: Bool, qkvBias: Bool
        var style = DecoderGraphShape.Style.llama
        switch a.modelType {
        case "qwen3", "qwen3moe", "qwen3_moe": (qkNorm, qkvBias) = (true, false)
        case "qwen2": (qkNorm, qkvBias) = (false, true)
        case "llama", "mixtral": (qkNorm, qkvBias) = (false, biases)
        case "gemma3", "gemma3_text": (qkNorm, qkvBias, style) = (true, false, .gemma3)
        default: return nil
        }
        var sliding = Set<Int>()
        for (index, layer) in layout.layers.enumerated() {
            switch layer.kind {
            case .full: break
            case .sliding where style == .gemma3: sliding.insert(index)
            default: return nil
            }
        }
        guard let first = layout.layers.first,
            layout.layers.allSatisfy({ ($0.kvHeads, $0.keyLength, $0.valueLength) == (first.kvHeads, first.keyLength, first.valueLength) }),
            let layers = a.layers, layers == layout.layers.count, let hidden = a.hiddenSize, let heads = a.heads, let vocab = a.vocabSize,
            sliding.isEmpty || slidingCellsPerStream != nil
        else { return nil }
        let feedForward: DecoderGraphShape.FeedForward
        let widths: [Int]
        if let experts = a.experts, experts > 1, let used = a.expertsPerToken {
            guard used <= experts else { return nil }
            let width = a.expertFFNSize ?? a.ffnSize ?? 4 * hidden
            feedForward = .experts(count: experts, used: used, width: width)
            widths = [experts, used, width]
        } else {
            guard let width = a.ffnSize else { return nil }
            feedForward = .dense(width: width)
            widths = [width]
        }
        // Every size the graph multiplies stays far from overflow; the tensors' bytes are checked as they are built.
        let dims = [hidden, heads, first.kvHeads, first.keyLength, first.valueLength, layers, vocab, tokens, outputs] + widths
        // llama.cpp itself loads at most LLAMA_MAX_LAYERS = 512 layers and LLAMA_MAX_EXPERTS = 1024 experts
        // (llama-hparams.h), which also bounds the graph replayed here.
        guard dims.allSatisfy({ (1...1 << 31).contains($0) }), tokens % streams == 0, layers <= 512, widths.count == 1 || widths[0] <= 1024
        else { return nil }
        return DecoderGraphShape(
            style: style, hidden: hidden, heads: heads, kvHeads: first.kvHeads, keyLength: first.keyLength, valueLength: first.valueLength,
            layers: layers, vocab: vocab, feedForward: feedForward, sliding: sliding, slidingCellsPerStream: slidingCellsPerStream ?? 0,
            qkNorm: qkNorm, qkvBias: qkvBias, tokens: tokens,
            outputs: outputs, streams: streams, cellsPerStream: cellsPerStream,
            rotateK: s.typeK.isQuantized && first.keyLength % 64 == 0, rotateV: s.typeV.isQuantized && first.valueLength % 64 == 0,
            flashAttention: s.flashAttention)
    }

    /// `GGML_PAD`.
    static func pad(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }

    /// The layer a tensor belongs to for offloading: its block, `layers` for the output layer, `nil` for the input.
    static func layerIndex(_ tensor: SizedTensor, layers: Int) -> Int? {
        if let layer = tensor.layer { return layer }
        if tensor.name.hasPrefix("blk.") {
            let digits = tensor.name.dropFirst(4).prefix { $0.isNumber }
            if let index = Int(digits) { return index }
        }
        if tensor.name == "output.weight" || tensor.name == "output_norm.weight" || tensor.name.hasPrefix("output") { return layers }
        return nil
    }

    /// Whether ggml-cpu's AVX2 repack takes the tensor (repack.cpp `ggml_repack_get_optimal_repack_type`): a
    /// matrix-multiplied Q4_0, Q4_K, IQ4_NL or MXFP4 weight whose second dimension is a multiple of 8.
    static func isRepacked(_ tensor: SizedTensor) -> Bool {
        guard let type = tensor.storedType, ["Q4_0", "Q4_K", "IQ4_NL", "MXFP4"].contains(type) else { return false }
        guard tensor.shape.count >= 2, !tensor.name.hasPrefix("token_embd") else { return false }
        return tensor.shape[tensor.shape.count - 2] % 8 == 0
    }
}
