/// What a llama.cpp log (llama-completion, llama-cli, llama-server with `-lv 4`, or the llama-server output
/// in an Ollama log) says about a launch: the model, the settings it resolved, and every buffer it allocated.
public struct LlamaCppLog: Sendable, Hashable, Codable {
    /// One `… buffer size = X MiB` line.
    public struct Buffer: Sendable, Hashable, Codable {
        public var name: String
        public var kind: EngineBuffer.Kind
        /// The size as printed, in MiB with two decimals.
        public var mebibytes: Double
        /// The 1-based line of the log it was read from.
        public var line: Int
        /// Half the unit of the last printed digit: how far the printed value may be from the bytes (0.005 MiB for
        /// llama.cpp's `%.2f MiB`, 0.05 GiB for Ollama's `4.0 GiB`).
        public var resolutionMebibytes: Double = 0.005
    }

    /// Which program wrote the log: llama.cpp's tools, or Ollama (which runs llama-server, or its own runner).
    public var engine: Engine = .llamaCpp

    /// The model file the log names (`llama_model_loader: loaded meta data … from PATH`).
    public var modelPath: String?
    /// The launch as llama.cpp resolved it.
    public var context: Int?
    public var contextPerSequence: Int?
    public var batch: Int?
    public var ubatch: Int?
    public var sequences: Int?
    public var unified: Bool?
    /// `enabled`/`disabled` after resolution, or `auto` when the log stops before resolving it.
    public var flashAttention: String?
    public var typeK: CacheType?
    public var typeV: CacheType?
    /// `n_outputs_max`: llama-server reserves logits for one token per sequence, the other tools for a batch.
    public var outputsMax: Int?
    public var buffers: [Buffer]

    /// Reads `text`; `source` names it in errors. Throws when no buffer line is found: it is not a llama.cpp log
    /// with `-lv 4` (or `-v`), which is what prints them.
    public init(text: String, source: String) throws(EstimateError) {
        buffers = []
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            // Drop the timestamp and level llama.cpp's logger puts in front ("0.02.008.325 I ").
            guard let line = Self.message(raw) else { continue }
            if line.hasPrefix("llama_model_loader: loaded meta data"), let from = line.firstRange(of: " from ") {
                // The first model named wins: Ollama's command line names it before its runner loads it, and a
                // speculative-decoding run loads its draft model after the main one.
                var path = line[from.upperBound...]
                if let version = path.firstRange(of: " (version") { path = path[..<version.lowerBound] }
                if modelPath == nil { modelPath = String(path) }
            } else if line.hasPrefix("llama_context: ") {
                let body = line.dropFirst("llama_context: ".count)
                if let value = Self.setting(body, "n_ctx") { context = Int(value) }
                if let value = Self.setting(body, "n_ctx_seq") { contextPerSequence = Int(value) }
                if let value = Self.setting(body, "n_batch") { batch = Int(value) }
                if let value = Self.setting(body, "n_ubatch") { ubatch = Int(value) }
                if let value = Self.setting(body, "n_seq_max") { sequences = Int(value) }
                if let value = Self.setting(body, "n_outputs_max") { outputsMax = Int(value) }
                if let value = Self.setting(body, "flash_attn") { flashAttention = flashAttention == "enabled" ? flashAttention : String(value) }
                if let value = Self.setting(body, "kv_unified") { unified = value == "true" }
            } else if line.contains("Flash Attention enabled") {
                flashAttention = "enabled"
            } else if line.contains("Flash Attention") && line.contains("set to disabled") {
                flashAttention = "disabled"
            } else if line.hasPrefix("llama_kv_cache: size = "), typeK == nil {
                typeK = Self.cacheType(line, after: "K (")
                typeV = Self.cacheType(line, after: "V (")
            }
            if let buffer = Self.buffer(line, lineNumber) { buffers.append(buffer) }
            if line.contains("msg=") { readOllama(line, lineNumber) }
        }
        if buffers.isEmpty {
            throw EstimateError(
                field: "log",
                "\(source): no 'buffer size = … MiB' line: not a llama.cpp, Ollama or vLLM log, or a llama.cpp log written without -lv 4 (llama.cpp prints its buffers only at verbosity 4)",
                refused: true)
        }
    }

    /// Ollama's own lines (Go slog): `msg="starting llama-server" cmd="… --model PATH -c 8192 -np 1 …"`, and its
    /// runner's memory summary `msg="model weights" device=CUDA0 size="4.0 GiB"` (ml/device.go, sizes by
    /// format.HumanBytes2 with one decimal).
    private mutating func readOllama(_ line: Substring, _ number: Int) {
        guard line.contains("level=") || line.hasPrefix("time=") else { return }
        if line.contains("msg=\"starting llama-server\"") || line.contains("msg=\"starting runner\"")
            || line.contains("msg=\"starting llama server\"")
        {
            engine = .ollama
            if let command = Self.quoted(line, "cmd") {
                let words = command.split(separator: " ")
                if let index = words.firstIndex(where: { $0 == "--model" || $0 == "-m" }), index + 1 < words.count, modelPath == nil {
                    modelPath = String(words[index + 1])
                }
            }
            return
        }
        let kinds: [(String, EngineBuffer.Kind)] = [("model weights", .model), ("kv cache", .kv), ("compute graph", .compute)]
        for (message, kind) in kinds where line.contains("msg=\"\(message)\"") {
            engine = .ollama
            guard let device = Self.field(line, "device"), let size = Self.quoted(line, "size") else { return }
            let parts = size.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[0]), value >= 0, value < 1e12 else { return }
            let scale: Double
            switch parts[1] {
            case "GiB": scale = 1024
            case "MiB": scale = 1
            case "KiB": scale = 1.0 / 1024
            case "B": scale = 1.0 / 1_048_576
            default: return
            }
            buffers.append(
                Buffer(
                    name: String(device), kind: kind, mebibytes: value * scale, line: number, resolutionMebibytes: parts[1] == "B" ? 0 : 0.05 * scale)
            )
        }
    }

    /// `key="a value"` in a slog line.
    static func quoted(_ line: Substring, _ key: String) -> Substring? {
        guard let range = line.firstRange(of: " \(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        return rest.prefix { $0 != "\"" }
    }

    /// `key=value` (unquoted) in a slog line.
    static func field(_ line: Substring, _ key: String) -> Substring? {
        guard let range = line.firstRange(of: " \(key)=") else { return nil }
        let rest = line[range.upperBound...]
        if rest.first == "\"" { return rest.dropFirst().prefix { $0 != "\"" } }
        return rest.prefix { $0 != " " }
    }

    /// The message of a log line, without llama.cpp's `0.02.008.325 I ` prefix (or Ollama's slog prefix).
    static func message(_ raw: Substring) -> Substring? {
        var line = raw
        if let first = line.first, first.isNumber, let space = line.firstIndex(of: " ") {
            let rest = line[line.index(after: space)...]
            if rest.count >= 2, rest.dropFirst().first == " " { line = rest.dropFirst(2) }
        }
        let trimmed = line.drop { $0 == " " }
        return trimmed.isEmpty ? nil : trimmed
    }

    /// `n_ctx                 = 4096` → "4096" when `body` sets `key`.
    static func setting(_ body: Substring, _ key: String) -> Substring? {
        guard body.hasPrefix(key) else { return nil }
        let rest = body.dropFirst(key.count).drop { $0 == " " }
        guard rest.first == "=" else { return nil }
        return rest.dropFirst().drop { $0 == " " }.prefix { $0 != " " }
    }

    static func cacheType(_ line: Substring, after marker: String) -> CacheType? {
        guard let range = line.firstRange(of: marker) else { return nil }
        return CacheType(rawValue: String(line[range.upperBound...].prefix { $0 != ")" }))
    }

    /// `load_tensors:   CPU_Mapped model buffer size =   235.16 MiB` and the KV, output and compute lines.
    static func buffer(_ line: Substring, _ number: Int) -> Buffer? {
        let kinds: [(String, EngineBuffer.Kind)] = [
            (" model buffer size = ", .model), (" KV buffer size = ", .kv), (" output buffer size = ", .output),
            (" compute buffer size = ", .compute),
        ]
        for (marker, kind) in kinds {
            guard let range = line.firstRange(of: marker), let colon = line.firstIndex(of: ":"), colon < range.lowerBound else { continue }
            let name = line[line.index(after: colon)..<range.lowerBound].trimmingSpaces
            let value = line[range.upperBound...].trimmingSpaces.prefix { $0 != " " }
            guard let mebibytes = Double(value), mebibytes >= 0, mebibytes < 1e12, !name.isEmpty else { return nil }
            return Buffer(name: String(name), kind: kind, mebibytes: mebibytes, line: number)
        }
        return nil
    }
}

/// A recorded launch (llama.cpp, Ollama or vLLM) beside Heft's prediction for the same launch, kind by kind.
public struct LogComparison: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public var kind: EngineBuffer.Kind
        /// The names the engine printed (`CPU_Mapped + CPU_REPACK`, `Model loading`), and how many lines.
        public var names: String
        public var buffers: Int
        /// The engine's printed sizes summed, and Heft's bytes, in MiB.
        public var engineMebibytes: Double
        public var heftMebibytes: Double
        /// Heft − engine, in MiB and as a fraction of the engine's (0 when both are 0).
        public var differenceMebibytes: Double
        public var relativeDifference: Double
        /// How far the printed sum may be from the engine's bytes: half the last printed digit, per line.
        public var resolutionMebibytes: Double
        /// When Heft's size is a range (``EngineBuffer/upperBytes``): its top, in MiB; `heftMebibytes` is the bottom.
        public var heftUpperMebibytes: Double? = nil
        /// Whether the printed size lies in Heft's range (within print rounding); `nil` when Heft gives one number.
        public var withinRange: Bool? {
            heftUpperMebibytes.map { engineMebibytes >= heftMebibytes - resolutionMebibytes && engineMebibytes <= $0 + resolutionMebibytes }
        }
    }

    /// The engine that wrote the log.
    public var engine: Engine
    /// The llama.cpp (or Ollama) log's model path and settings.
    public var log: LlamaCppLog?
    /// The vLLM log's settings and measurements.
    public var vllmLog: VLLMLog?
    public var rows: [Row]
    /// All rows: the engine's printed MiB summed, and Heft's.
    public var engineTotalMebibytes: Double
    public var heftTotalMebibytes: Double
    /// vLLM's `GPU KV cache size: N tokens` beside Heft's.
    public var engineKVTokens: Int?
    public var heftKVTokens: Int?

    /// Compares `log` with `buffers` (Heft's prediction for the settings read from the log).
    public init(log: LlamaCppLog, buffers: [EngineBuffer]) {
        var rows: [Row] = []
        for kind in [EngineBuffer.Kind.model, .kv, .compute, .output] {
            let printed = log.buffers.filter { $0.kind == kind }
            let predicted = buffers.filter { $0.kind == kind }
            guard !printed.isEmpty || !predicted.isEmpty else { continue }
            var row = Self.row(
                kind, names: Array(Set(printed.map(\.name))).sorted().joined(separator: " + "), lines: printed.count,
                engine: printed.reduce(0) { $0 + $1.mebibytes }, heftBytes: predicted.reduce(0) { $0 + $1.bytes },
                resolution: printed.reduce(0) { $0 + $1.resolutionMebibytes })
            if predicted.contains(where: { $0.upperBytes != nil }) {
                row.heftUpperMebibytes = Double(predicted.reduce(0) { $0 + $1.reservedBytes }) / 1_048_576
            }
            rows.append(row)
        }
        self.init(engine: log.engine, rows: rows)
        self.log = log
    }

    /// Compares a vLLM log's measurements with Heft's allocation for one GPU.
    public init(vllm log: VLLMLog, allocation: VLLMAllocation) {
        var rows: [Row] = []
        let gib = 1024.0
        if let weights = log.weightsGiB {
            rows.append(
                Self.row(
                    .model, names: "Model loading", lines: 1, engine: weights * gib, heftBytes: allocation.weightsBytes, resolution: 0.00005 * gib))
        }
        if let kv = log.kvCacheGiB {
            rows.append(
                Self.row(
                    .kv, names: "Available KV cache memory", lines: 1, engine: kv * gib, heftBytes: allocation.kvCacheBytes, resolution: 0.005 * gib))
        }
        if let graphs = log.cudaGraphGiB {
            rows.append(
                Self.row(
                    .compute, names: "Graph capturing", lines: 1, engine: graphs * gib, heftBytes: allocation.cudaGraphBytes, resolution: 0.005 * gib)
            )
        }
        self.init(engine: .vllm, rows: rows)
        self.vllmLog = log
        self.engineKVTokens = log.kvCacheTokens
        self.heftKVTokens = allocation.kvCacheTokens
    }

    private init(engine: Engine, rows: [Row]) {
        self.engine = engine
        self.rows = rows
        self.engineTotalMebibytes = rows.reduce(0) { $0 + $1.engineMebibytes }
        self.heftTotalMebibytes = rows.reduce(0) { $0 + $1.heftMebibytes }
    }

    private static func row(_ kind: EngineBuffer.Kind, names: String, lines: Int, engine: Double, heftBytes: Int, resolution: Double) -> Row {
        let heft = Double(heftBytes) / 1_048_576
        return Row(
            kind: kind, names: names, buffers: lines, engineMebibytes: engine, heftMebibytes: heft, differenceMebibytes: heft - engine,
            relativeDifference: engine > 0 ? (heft - engine) / engine : (heft == 0 ? 0 : 1), resolutionMebibytes: resolution)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
