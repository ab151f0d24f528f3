public import HeftFormats

/// One weight file and whether it holds every byte its header promises.
public struct FileFacts: Sendable, Hashable, Codable {
    public let path: String
    /// Bytes on disk.
    public let bytes: Int
    /// Bytes the header says the complete file has.
    public let expectedBytes: Int
    public var complete: Bool { bytes >= expectedBytes }

    public init(path: String, bytes: Int, expectedBytes: Int) {
        self.path = path
        self.bytes = bytes
        self.expectedBytes = expectedBytes
    }

    private enum CodingKeys: String, CodingKey { case path, bytes, expectedBytes, complete }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try c.decode(String.self, forKey: .path), bytes: try c.decode(Int.self, forKey: .bytes),
            expectedBytes: try c.decode(Int.self, forKey: .expectedBytes))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(expectedBytes, forKey: .expectedBytes)
        try c.encode(complete, forKey: .complete)
    }
}

/// A model as found on disk: its weight files' headers, its `config.json`, or both.
///
/// A source is a `.safetensors` file, a `model.safetensors.index.json`, a `.gguf` file (any shard of a split
/// model), a `config.json`, or a directory holding them. Only headers are read.
public struct ModelSource: Sendable {
    public enum Format: String, Sendable, Codable {
        case safetensors, gguf
        /// `config.json` without weights.
        case config
    }

    /// The path that was opened.
    public let path: String
    /// The name to report: the user's path, `ORG/NAME`, or `ollama:NAME:TAG` (never a blob path).
    public var name: String
    public let format: Format
    /// Weight files (empty for a config-only source).
    public let files: [FileFacts]
    /// Every tensor of every weight file.
    public let tensors: [TensorInfo]
    /// The `config.json` that describes the model, if any.
    public let config: ConfigReader?
    /// The GGUF model, for its metadata.
    public let gguf: GGUFModel?
    /// Remarks from reading that do not stop it.
    public var warnings: [String]
    /// The context length an Ollama Modelfile sets (``ModelLocation/numCtx``).
    public var numCtx: Int? = nil

    /// Opens `source` — a path, a Hugging Face repo id, `ollama:NAME`, `lmstudio:NAME` (see ``ModelLocator``) —
    /// and reads every header it leads to.
    public static func open(_ source: String, locator: ModelLocator = ModelLocator()) throws(FormatError) -> ModelSource {
        try open(location: try locator.resolve(source))
    }

    /// A config-only source from an already parsed config (pasted into the web app).
    public static func config(_ reader: ConfigReader, name: String) -> ModelSource {
        ModelSource(path: reader.path, name: name, format: .config, files: [], tensors: [], config: reader, gguf: nil, warnings: [])
    }

    /// Opens a resolved location, reporting it by its name.
    public static func open(location: ModelLocation) throws(FormatError) -> ModelSource {
        var opened = try openPath(location.path)
        opened.name = location.name
        opened.numCtx = location.numCtx
        return opened
    }

    private static func openPath(_ path: String) throws(FormatError) -> ModelSource {
        guard Path.exists(path) else {
            throw FormatError(file: path, rule: .io, detail: "no such file or directory (or a broken symlink)")
        }
        if Path.isDirectory(path) { return try openDirectory(path) }
        let name = Path.fileName(path).lowercased()
        if name.hasSuffix(".json") {
            let config = try ConfigReader.read(path: path)
            if config.root["weight_map"] != nil { return try openIndex(path) }
            return ModelSource(path: path, name: path, format: .config, files: [], tensors: [], config: config, gguf: nil, warnings: [])
        }
        let head = try MappedFile.read(path, offset: 0, count: 4)
        if head == GGUFFile.magic || head == GGUFFile.magic.reversed() { return try openGGUF(path) }
        if name.hasSuffix(".safetensors") || looksLikeSafetensors(path) {
            let file = try SafetensorsFile.read(path: path)
            return try safetensorsSource(path: path, files: [file], config: siblingConfig(of: path), warnings: [])
        }
        if head.isEmpty { throw FormatError(file: path, rule: .emptyFile, detail: "the file is empty") }
        throw FormatError(
            file: path,
            offset: 0,
            rule: .unknownFormat,
            detail: "not a safetensors, GGUF or config.json file (it starts with bytes \(head.map { String($0, radix: 16) }.joined(separator: " ")))"
        )
    }

    /// A safetensors file starts with a little-endian length whose header begins with `{` (or whitespace).
    private static func looksLikeSafetensors(_ path: String) -> Bool {
        guard let prefix = try? MappedFile.read(path, offset: 0, count: 9), prefix.count == 9 else { return false }
        return [UInt8(ascii: "{"), 0x20, 0x09, 0x0A, 0x0D].contains(prefix[8])
    }

    private static func siblingConfig(of path: String) throws(FormatError) -> ConfigReader? {
        let candidate = Path.join(Path.directory(of: path), "config.json")
        return Path.exists(candidate) ? try ConfigReader.read(path: candidate) : nil
    }

    private static func openIndex(_ path: String) throws(FormatError) -> ModelSource {
        let sharded = try ShardedSafetensors.read(indexPath: path)
        return try safetensorsSource(path: path, files: sharded.files, config: siblingConfig(of: path), warnings: sharded.warnings)
    }

    private static func openGGUF(_ path: String) throws(FormatError) -> ModelSource {
        let model = try GGUFModel.read(path: path)
        let files = model.files.map { FileFacts(path: $0.path, bytes: $0.fileSize, expectedBytes: $0.expectedFileSize) }
        return ModelSource(path: path, name: path, format: .gguf, files: files, tensors: model.tensors, config: nil, gguf: model, warnings: [])
    }

    private static func safetensorsSource(
        path: String,
        files: [SafetensorsFile],
        config: ConfigReader?,
        warnings: [String]
    ) throws(FormatError) -> ModelSource {
        var seen: [String: String] = [:]
        for file in files {
            for tensor in file.tensors {
                if let other = seen[tensor.name] {
                    throw FormatError(file: file.path, field: tensor.name, rule: .shardMismatch, detail: "tensor also appears in \(other)")
                }
                seen[tensor.name] = Path.fileName(file.path)
            }
        }
        let facts = files.map { FileFacts(path: $0.path, bytes: $0.fileSize, expectedBytes: $0.expectedFileSize) }
        return ModelSource(
            path: path,
            name: path,
            format: .safetensors,
            files: facts,
            tensors: files.flatMap(\.tensors),
            config: config,
            gguf: nil,
            warnings: warnings
        )
    }

    private static func openDirectory(_ path: String) throws(FormatError) -> ModelSource {
        let names = Path.contents(of: path).filter { !Path.isDirectory(Path.join(path, $0)) }
        if let index = names.first(where: { $0.hasSuffix(".safetensors.index.json") }) {
            return try openIndex(Path.join(path, index))
        }
        let config = names.contains("config.json") ? try ConfigReader.read(path: Path.join(path, "config.json")) : nil
        let safetensors = names.filter { $0.hasSuffix(".safetensors") }
        if !safetensors.isEmpty {
            var files: [SafetensorsFile] = []
            for name in safetensors { files.append(try SafetensorsFile.read(path: Path.join(path, name))) }
            return try safetensorsSource(path: path, files: files, config: config, warnings: [])
        }
        let ggufs = names.filter { $0.hasSuffix(".gguf") }
        // A split model is one model: keep its first shard only.
        let models = ggufs.filter { GGUFModel.splitName($0).map { $0.number == 1 } ?? true }
        if models.count == 1 { return try openGGUF(Path.join(path, models[0])) }
        if models.count > 1 {
            throw FormatError(
                file: path,
                rule: .unknownFormat,
                detail: "\(models.count) GGUF models in this directory (\(models.prefix(4).joined(separator: ", "))); name one"
            )
        }
        if let config { return ModelSource(path: path, name: path, format: .config, files: [], tensors: [], config: config, gguf: nil, warnings: []) }
        throw FormatError(
            file: path,
            rule: .noModelFiles,
            detail: "no config.json, *.safetensors, *.safetensors.index.json or *.gguf in this directory"
        )
    }
}
