/// What a `vllm serve` log says about its memory: the settings (`non-default args: {…}`) and the numbers vLLM
/// measured at start-up — `Model loading took X GiB` (vllm/v1/worker/gpu_model_runner.py), `Available KV cache
/// memory: X GiB` (gpu_worker.py `determine_available_memory`), `GPU KV cache size: N tokens` and `Maximum
/// concurrency for N tokens per request: X×` (v1/core/kv_cache_utils.py), `Graph capturing finished in S secs, took
/// X GiB` (CUDA graphs). With tensor parallelism every worker prints its own line; the first of each is read.
public struct VLLMLog: Sendable, Hashable, Codable {
    /// The model as the command named it (a Hub id or a path).
    public var model: String?
    public var maxModelLen: Int?
    public var gpuMemoryUtilization: Double?
    public var tensorParallel: Int?
    public var maxNumSeqs: Int?
    public var maxNumBatchedTokens: Int?
    public var blockSize: Int?
    public var enforceEager: Bool?
    /// `--kv-cache-dtype` (`auto`, `fp8`, …).
    public var kvCacheDtype: String?
    /// Per GPU, as printed (GiB with 4 decimals, 2 for the KV cache and graphs).
    public var weightsGiB: Double?
    public var kvCacheGiB: Double?
    public var cudaGraphGiB: Double?
    public var kvCacheTokens: Int?
    public var maxConcurrency: Double?

    /// Whether `text` looks like a vLLM log (any of the lines above).
    public static func recognizes(_ text: String) -> Bool {
        ["Available KV cache memory:", "GPU KV cache size:", "non-default args:", "Model loading took"].contains { text.contains($0) }
    }

    /// Reads `text`; `source` names it in errors. Throws when none of the memory lines is there.
    public init(text: String, source: String) throws(EstimateError) {
        for raw in text.split(separator: "\n") {
            let line = raw
            if let range = line.firstRange(of: "non-default args: {") {
                readArguments(line[range.upperBound...])
            } else if weightsGiB == nil, let value = Self.number(line, after: "Model loading took ") {
                weightsGiB = value
            } else if kvCacheGiB == nil, let value = Self.number(line, after: "Available KV cache memory: ") {
                kvCacheGiB = value
            } else if kvCacheTokens == nil, let value = Self.number(line, after: "GPU KV cache size: ") {
                kvCacheTokens = Int(exactly: value.rounded()) ?? nil
            } else if maxConcurrency == nil, let range = line.firstRange(of: " tokens per request: "),
                line.contains("Maximum concurrency for ")
            {
                maxConcurrency = Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." })
                if maxModelLen == nil, let length = Self.number(line, after: "Maximum concurrency for ") {
                    maxModelLen = Int(exactly: length.rounded()) ?? nil
                }
            } else if cudaGraphGiB == nil, line.contains("Graph capturing finished"), let value = Self.number(line, after: ", took ") {
                cudaGraphGiB = value
            }
        }
        guard weightsGiB != nil || kvCacheGiB != nil || kvCacheTokens != nil else {
            throw EstimateError(
                field: "log",
                "\(source): no 'Model loading took', 'Available KV cache memory' or 'GPU KV cache size' line: the log ends before vLLM sized its cache",
                refused: true)
        }
    }

    /// `'key': value` pairs of the `non-default args` dictionary (Python's repr).
    private mutating func readArguments(_ body: Substring) {
        var rest = body
        while let open = rest.firstIndex(of: "'") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "'") else { return }
            let key = rest[afterOpen..<close]
            var value = rest[rest.index(after: close)...]
            guard value.hasPrefix(": ") else {
                rest = value
                continue
            }
            value = value.dropFirst(2)
            let text: Substring
            if value.first == "'" {
                let start = value.index(after: value.startIndex)
                let end = value[start...].firstIndex(of: "'") ?? value.endIndex
                text = value[start..<end]
                rest = end < value.endIndex ? value[value.index(after: end)...] : value[end...]
            } else {
                text = value.prefix { $0 != "," && $0 != "}" }
                rest = value.dropFirst(text.count)
            }
            switch key {
            case "model", "model_tag": model = model ?? String(text)
            case "max_model_len": maxModelLen = Int(text)
            case "gpu_memory_utilization": gpuMemoryUtilization = Double(text)
            case "tensor_parallel_size": tensorParallel = Int(text)
            case "max_num_seqs": maxNumSeqs = Int(text)
            case "max_num_batched_tokens": maxNumBatchedTokens = Int(text)
            case "block_size": blockSize = Int(text)
            case "enforce_eager": enforceEager = text == "True"
            case "kv_cache_dtype": kvCacheDtype = String(text)
            default: break
            }
            if rest.first == "}" { return }
        }
    }

    /// The number (with `,` thousands separators) right after `marker`.
    static func number(_ line: Substring, after marker: String) -> Double? {
        guard let range = line.firstRange(of: marker) else { return nil }
        let digits = line[range.upperBound...].prefix { $0.isNumber || $0 == "." || $0 == "," }.filter { $0 != "," }
        guard let value = Double(digits), value.isFinite, value >= 0, value < 1e15 else { return nil }
        return value
    }
}
