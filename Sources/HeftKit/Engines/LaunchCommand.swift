/// A pasted launch command — `llama-server -m MODEL -c 32768 -np 4 -fa on -ctk q8_0 -ngl 99`,
/// `OLLAMA_NUM_PARALLEL=4 ollama run NAME`, `vllm serve MODEL --max-model-len 8192 -tp 2` — read into the
/// settings of a memory request. Flags that do not change memory are accepted silently; unknown ones are named.
public struct LaunchCommand: Sendable, Hashable {
    public var engine: Engine
    public var tool: LlamaCppSettings.Tool?
    /// `-m` / the model argument (`ollama:NAME` for Ollama).
    public var model: String?
    public var context: Int?
    public var parallel: Int?
    public var batch: Int?
    public var ubatch: Int?
    public var flashAttention: Bool?
    public var typeK: CacheType?
    public var typeV: CacheType?
    public var gpuLayers: Int?
    public var kvOffload: Bool?
    public var mmap: Bool?
    public var repack: Bool?
    public var swaFull: Bool?
    public var unified: Bool?
    public var embeddings: Bool?
    public var tensorSplit: [Double]?
    public var splitMode: LlamaCppSettings.SplitMode?
    /// vLLM.
    public var tensorParallel: Int?
    public var gpuMemoryUtilization: Double?
    public var maxNumSeqs: Int?
    public var maxNumBatchedTokens: Int?
    public var blockSize: Int?
    public var enforceEager: Bool?
    public var dtype: String?
    /// Flags and variables Heft does not know: named in a warning, never guessed at.
    public var unknown: [String] = []

    /// Parses `text`; throws on a command that is none of llama.cpp's tools, `ollama run|serve` or `vllm serve`,
    /// and on a flag whose value is missing or malformed.
    public init(_ text: String) throws(EstimateError) {
        var words = try Self.split(text)
        var environment: [String: String] = [:]
        while let first = words.first, let equals = first.firstIndex(of: "="), first.first?.isLetter == true, !first.hasPrefix("-") {
            environment[String(first[..<equals])] = String(first[first.index(after: equals)...])
            words.removeFirst()
        }
        if words.first == "env" { words.removeFirst() }
        guard let program = words.first else { throw EstimateError(field: "command", "is empty", refused: true) }
        let name = program.split(separator: "/").last.map(String.init) ?? program
        words.removeFirst()
        switch name {
        case "llama-server", "llama-cli", "llama-completion":
            engine = .llamaCpp
            tool = LlamaCppSettings.Tool(rawValue: name)
            try readLlamaCpp(words)
        case "ollama":
            engine = .ollama
            try readOllama(words, environment: environment)
            environment = [:]
        case "vllm":
            engine = .vllm
            try readVLLM(words)
        case "python" where words.starts(with: ["-m", "vllm.entrypoints.openai.api_server"]),
            "python3" where words.starts(with: ["-m", "vllm.entrypoints.openai.api_server"]):
            engine = .vllm
            try readVLLM(["serve"] + words.dropFirst(2))
        default:
            throw EstimateError(
                field: "command",
                "'\(name)' is not llama-server, llama-cli, llama-completion, ollama or vllm; paste the command that starts the model", refused: true)
        }
        for key in environment.keys.sorted() { unknown.append(key) }
    }

    /// Shell words: spaces separate, quotes group, a backslash escapes; no expansion.
    static func split(_ text: String) throws(EstimateError) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        var started = false
        for character in text {
            if escaped {
                if character != "\n" { current.append(character) }
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                escaped = true
                started = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                started = true
            } else if character == " " || character == "\t" || character == "\n" {
                if started { words.append(current) }
                current = ""
                started = false
            } else {
                current.append(character)
                started = true
            }
        }
        if quote != nil { throw EstimateError(field: "command", "has an unclosed quote", refused: true) }
        if started { words.append(current) }
        return words
    }

    private mutating func readLlamaCpp(_ words: [String]) throws(EstimateError) {
        // Flags that take a value and do not change memory.
        let ignoredWithValue: Set<String> = [
            "-t", "--threads", "-tb", "--threads-batch", "-p", "--prompt", "-n", "--n-predict", "--host", "--port", "-s", "--seed", "--temp",
            "--top-k", "--top-p", "--min-p", "--repeat-penalty", "-f", "--file", "--alias", "-a", "--api-key", "--chat-template", "-sys",
            "--system-prompt", "--log-file", "-lv", "--verbosity", "--log-verbosity", "--keep", "--jinja-template",
            "-hf", "--hf-repo", "-hff", "--hf-file", "--timeout", "--rope-freq-base", "--rope-freq-scale", "--numa",
            "--reasoning-format", "--reasoning-budget", "--grammar", "--json-schema",
        ]
        // Flags that change where memory goes but that Heft does not model: named, with their value skipped.
        let unmodelledWithValue: Set<String> = [
            "-mg", "--main-gpu", "-dev", "--device", "-ot", "--override-tensor", "--mmproj", "-mm",
            "--rope-scaling", "--yarn-orig-ctx",
        ]
        let ignoredFlags: Set<String> = [
            "--mlock", "--jinja", "-v", "--verbose", "-no-cnv", "--no-conversation", "-cnv", "--conversation", "-i", "--interactive",
            "--no-warmup", "--metrics", "--cont-batching", "-cb", "--no-webui", "-st", "--single-turn", "--simple-io", "--log-disable",
            "--no-display-prompt", "--color", "-co",
        ]
        var index = 0
        func value(_ flag: String) throws(EstimateError) -> String {
            index += 1
            guard index < words.count else { throw EstimateError(field: "command", "\(flag) needs a value", refused: true) }
            return words[index]
        }
        func integer(_ flag: String, _ range: ClosedRange<Int>, _ allowed: String) throws(EstimateError) -> Int {
            let text = try value(flag)
            guard let number = Int(text), range.contains(number) else {
                throw EstimateError(field: "command", "\(flag) takes \(allowed), not '\(text)'", refused: true)
            }
            return number
        }
        func cache(_ flag: String) throws(EstimateError) -> CacheType {
            let text = try value(flag)
            guard let type = CacheType(rawValue: text.lowercased()), type != .fp8 else {
                throw EstimateError(field: "command", "\(flag) takes f32, f16, bf16, q8_0 or q4_0, not '\(text)'", refused: true)
            }
            return type
        }
        while index < words.count {
            let word = words[index]
            switch word {
            case "-m", "--model": model = try value(word)
            case "-c", "--ctx-size": context = try integer(word, 0...(1 << 26), "0 (the trained length) to 67,108,864")
            case "-np", "--parallel": parallel = try integer(word, 1...256, "1 to 256 sequences (LLAMA_MAX_SEQ)")
            case "-b", "--batch-size": batch = try integer(word, 1...(1 << 20), "1 to 1,048,576 tokens")
            case "-ub", "--ubatch-size": ubatch = try integer(word, 1...(1 << 20), "1 to 1,048,576 tokens")
            case "-fa", "--flash-attn":
                // `-fa on|off|auto` today; a bare `-fa` in older releases.
                if index + 1 < words.count, ["on", "off", "auto"].contains(words[index + 1]) {
                    flashAttention = try value(word) != "off"
                } else {
                    flashAttention = true
                }
            case "-ctk", "--cache-type-k": typeK = try cache(word)
            case "-ctv", "--cache-type-v": typeV = try cache(word)
            case "-ngl", "--gpu-layers", "--n-gpu-layers":
                let text = try value(word)
                gpuLayers = text == "all" || text == "auto" ? 999 : Int(text)
                if gpuLayers == nil { throw EstimateError(field: "command", "\(word) takes a number, auto or all, not '\(text)'", refused: true) }
            case "-nkvo", "--no-kv-offload": kvOffload = false
            case "--no-mmap": mmap = false
            case "--mmap": mmap = true
            case "-nr", "--no-repack": repack = false
            case "--swa-full": swaFull = true
            case "-kvu", "--kv-unified": unified = true
            case "--embedding", "--embeddings": embeddings = true
            case "-ts", "--tensor-split":
                let text = try value(word)
                do throws(EstimateError) {
                    tensorSplit = try FieldParsers.tensorSplit(text)
                } catch {
                    throw EstimateError(field: "command", "\(word) '\(text)': \(error.message)", refused: true)
                }
            case "-sm", "--split-mode":
                let text = try value(word)
                guard let mode = LlamaCppSettings.SplitMode(rawValue: text) else {
                    throw EstimateError(field: "command", "\(word) takes none, layer or row, not '\(text)'", refused: true)
                }
                splitMode = mode
            default:
                if ignoredWithValue.contains(word) {
                    index += 1
                } else if unmodelledWithValue.contains(word) {
                    unknown.append(word)
                    index += 1
                } else if !ignoredFlags.contains(word) {
                    unknown.append(word)
                }
            }
            index += 1
        }
    }

    private mutating func readOllama(_ words: [String], environment: [String: String]) throws(EstimateError) {
        guard let verb = words.first, verb == "run" || verb == "serve" else {
            throw EstimateError(field: "command", "ollama: paste 'ollama run NAME' (with OLLAMA_* variables in front)", refused: true)
        }
        if verb == "run" {
            guard words.count >= 2 else { throw EstimateError(field: "command", "ollama run needs a model name", refused: true) }
            model = "ollama:" + words[1]
            for extra in words.dropFirst(2) where extra.hasPrefix("-") && extra != "--verbose" { unknown.append(extra) }
        }
        func integer(_ key: String) throws(EstimateError) -> Int? {
            guard let text = environment[key] else { return nil }
            guard let number = Int(text), number >= 0 else {
                throw EstimateError(field: "command", "\(key) takes a whole number, not '\(text)'", refused: true)
            }
            return number
        }
        parallel = try integer("OLLAMA_NUM_PARALLEL")
        if let length = try integer("OLLAMA_CONTEXT_LENGTH"), length > 0 { context = length }
        if let text = environment["OLLAMA_KV_CACHE_TYPE"] {
            guard let type = CacheType(rawValue: text.lowercased()), [.f16, .q8_0, .q4_0].contains(type) else {
                throw EstimateError(field: "command", "OLLAMA_KV_CACHE_TYPE takes f16, q8_0 or q4_0, not '\(text)'", refused: true)
            }
            typeK = type
            typeV = type
        }
        if let text = environment["OLLAMA_FLASH_ATTENTION"] { flashAttention = ["1", "true", "on"].contains(text.lowercased()) }
        let known: Set<String> = [
            "OLLAMA_NUM_PARALLEL", "OLLAMA_CONTEXT_LENGTH", "OLLAMA_KV_CACHE_TYPE", "OLLAMA_FLASH_ATTENTION", "OLLAMA_HOST", "OLLAMA_MODELS",
            "OLLAMA_KEEP_ALIVE", "OLLAMA_MAX_LOADED_MODELS", "OLLAMA_DEBUG",
        ]
        for key in environment.keys.sorted() where !known.contains(key) { unknown.append(key) }
    }

    private mutating func readVLLM(_ words: [String]) throws(EstimateError) {
        guard words.first == "serve" else { throw EstimateError(field: "command", "vllm: paste 'vllm serve MODEL …'", refused: true) }
        var index = 1
        func value(_ flag: String) throws(EstimateError) -> String {
            index += 1
            guard index < words.count else { throw EstimateError(field: "command", "\(flag) needs a value", refused: true) }
            return words[index]
        }
        let ignoredWithValue: Set<String> = [
            "--host", "--port", "--served-model-name", "--api-key", "--tokenizer", "--revision", "--download-dir", "--seed", "--chat-template",
            "--tool-call-parser", "--reasoning-parser", "--uvicorn-log-level", "--trust-remote-code-revision",
        ]
        let ignoredFlags: Set<String> = ["--trust-remote-code", "--enable-prefix-caching", "--disable-log-requests", "--enable-auto-tool-choice"]
        while index < words.count {
            let word = words[index]
            let (flag, inline): (String, String?) =
                word.hasPrefix("--") && word.contains("=")
                ? (String(word.prefix { $0 != "=" }), String(word.drop { $0 != "=" }.dropFirst())) : (word, nil)
            func next() throws(EstimateError) -> String {
                if let inline { return inline }
                return try value(flag)
            }
            func whole() throws(EstimateError) -> Int {
                let text = try next()
                guard let number = Int(text) else {
                    throw EstimateError(field: "command", "\(flag) takes a whole number, not '\(text)'", refused: true)
                }
                return number
            }
            switch flag {
            case "--model": model = try next()
            case "--max-model-len":
                let text = try next()
                guard let number = Self.vllmLength(text) else {
                    throw EstimateError(field: "command", "--max-model-len takes a length, not '\(text)'", refused: true)
                }
                context = number
            case "-tp", "--tensor-parallel-size": tensorParallel = try whole()
            case "--gpu-memory-utilization":
                let text = try next()
                guard let number = Double(text), number > 0, number <= 1 else {
                    throw EstimateError(field: "command", "--gpu-memory-utilization takes a fraction in (0, 1], not '\(text)'", refused: true)
                }
                gpuMemoryUtilization = number
            case "--kv-cache-dtype":
                let text = try next().lowercased()
                switch text {
                case "auto": typeK = nil
                case "fp8", "fp8_e4m3", "fp8_e5m2": typeK = .fp8
                default: throw EstimateError(field: "command", "--kv-cache-dtype takes auto or fp8, not '\(text)'", refused: true)
                }
            case "--max-num-seqs": maxNumSeqs = try whole()
            case "--max-num-batched-tokens": maxNumBatchedTokens = try whole()
            case "--block-size": blockSize = try whole()
            case "--enforce-eager": enforceEager = true
            case "--dtype": dtype = try next()
            default:
                if !flag.hasPrefix("-"), model == nil, index == 1 {
                    model = flag
                } else if ignoredWithValue.contains(flag) {
                    if inline == nil { index += 1 }
                } else if !ignoredFlags.contains(flag) {
                    unknown.append(flag)
                }
            }
            index += 1
        }
        guard model != nil else { throw EstimateError(field: "command", "vllm serve needs a model", refused: true) }
    }

    /// `8192`, `32k` (10³), `32K` (2¹⁰), `1m`, `1M`: vLLM's human-readable lengths.
    static func vllmLength(_ text: String) -> Int? {
        if let number = Int(text) { return number }
        guard let last = text.last, let base = Int(text.dropLast()), base >= 0, base < 1 << 30 else { return nil }
        switch last {
        case "k": return base * 1000
        case "K": return base * 1024
        case "m": return base * 1_000_000
        case "M": return base * 1_048_576
        default: return nil
        }
    }
}
