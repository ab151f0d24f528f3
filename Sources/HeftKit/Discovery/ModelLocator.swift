public import HeftFormats

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a model lives on disk, and the name to report it by.
public struct ModelLocation: Sendable, Hashable, Codable {
    public enum Origin: String, Sendable, Codable { case path, huggingFace = "hf", ollama, lmStudio = "lmstudio", directory = "dir" }
    /// The file or directory to open.
    public let path: String
    /// The user's name for it: `ORG/NAME`, `ollama:llama3:latest`, or the path.
    public let name: String
    public let origin: Origin
    /// The context length the model's Ollama Modelfile sets (`PARAMETER num_ctx`, its params layer), if any.
    public var numCtx: Int? = nil

    public init(path: String, name: String, origin: Origin) {
        self.path = path
        self.name = name
        self.origin = origin
    }
}

/// Resolves model names the way users know them — Hugging Face repo ids, Ollama names, LM Studio folders —
/// to files on disk, offline (formats.md §5). Nothing here touches the network.
public struct ModelLocator: Sendable {
    public let environment: [String: String]

    /// A locator reading the process environment.
    public init() {
        var environment: [String: String] = [:]
        for key in ["HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "OLLAMA_MODELS"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        self.environment = environment
    }

    public init(environment: [String: String]) { self.environment = environment }

    var home: String { environment["HOME"] ?? "/root" }

    /// `$HF_HUB_CACHE`, else `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`,
    /// else `~/.cache/huggingface/hub` (huggingface_hub `constants.py`).
    public var huggingFaceCache: String {
        if let cache = environment["HF_HUB_CACHE"] ?? environment["HUGGINGFACE_HUB_CACHE"] { return cache }
        if let hfHome = environment["HF_HOME"] { return Path.join(hfHome, "hub") }
        if let xdg = environment["XDG_CACHE_HOME"] { return Path.join(xdg, "huggingface/hub") }
        return Path.join(home, ".cache/huggingface/hub")
    }

    /// `$OLLAMA_MODELS`, else `~/.ollama/models`.
    public var ollamaModels: String { environment["OLLAMA_MODELS"] ?? Path.join(home, ".ollama/models") }

    /// LM Studio's models folder: the home named in `~/.lmstudio-home-pointer`, else `~/.cache/lm-studio` if it
    /// exists, else `~/.lmstudio`; then `models/` (lmstudio-js `findLMStudioHome`).
    public var lmStudioModels: String {
        let pointer = Path.join(home, ".lmstudio-home-pointer")
        if let bytes = try? MappedFile.read(pointer, offset: 0, count: 4096) {
            let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
            if !text.isEmpty { return Path.join(text, "models") }
        }
        let legacy = Path.join(home, ".cache/lm-studio")
        return Path.join(Path.isDirectory(legacy) ? legacy : Path.join(home, ".lmstudio"), "models")
    }

    /// Resolves `source`: an existing path as is; `ollama:NAME[:TAG]`; `hf:ORG/NAME[@REV]`;
    /// `lmstudio:PUBLISHER/MODEL[/FILE]`; or a bare `ORG/NAME[@REV]` looked up in the Hugging Face cache and
    /// LM Studio.
    public func resolve(_ source: String) throws(FormatError) -> ModelLocation {
        if Path.exists(source) { return ModelLocation(path: source, name: source, origin: .path) }
        if source.hasPrefix("ollama:") { return try resolveOllama(String(source.dropFirst(7))) }
        if source.hasPrefix("hf:") { return try resolveHuggingFace(String(source.dropFirst(3))) }
        if source.hasPrefix("lmstudio:") { return try resolveLMStudio(String(source.dropFirst(9))) }
        guard looksLikeRepoID(source) else {
            throw FormatError(file: source, rule: .io, detail: "no such file or directory (not a repo id ORG/NAME or ollama:NAME either)")
        }
        let hf = try? resolveHuggingFace(source)
        let lm = try? resolveLMStudio(source)
        switch (hf, lm) {
        case (let hf?, nil): return hf
        case (nil, let lm?): return lm
        case (.some, .some):
            throw FormatError(
                file: source, rule: .io, detail: "ambiguous: found in the Hugging Face cache and in LM Studio; say hf:\(source) or lmstudio:\(source)"
            )
        case (nil, nil):
            let candidates = listHuggingFaceNames() + listLMStudioNames()
            throw FormatError(
                file: source,
                rule: .io,
                detail: "not found; searched \(huggingFaceCache) and \(lmStudioModels)" + nearMatches(source, in: candidates)
            )
        }
    }

    private func looksLikeRepoID(_ text: String) -> Bool {
        let base = text.split(separator: "@", maxSplits: 1).first.map(String.init) ?? text
        let parts = base.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.count <= 3 && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." } && !text.hasPrefix("/")
    }

    private func nearMatches(_ name: String, in candidates: [String]) -> String {
        let lower = name.lowercased()
        let near = candidates.sorted {
            HardwareCatalog.distance($0.lowercased(), lower) < HardwareCatalog.distance($1.lowercased(), lower)
        }.prefix(3)
        return near.isEmpty ? "" : "; near matches: " + near.joined(separator: ", ")
    }

    // MARK: - Hugging Face

    /// `ORG/NAME[@REV]` → `models--ORG--NAME/snapshots/<commit>` via `refs/<rev>` (default `main`), or a commit.
    public func resolveHuggingFace(_ id: String) throws(FormatError) -> ModelLocation {
        let parts = id.split(separator: "@", maxSplits: 1).map(String.init)
        let repo = parts[0]
        let revision = parts.count > 1 ? parts[1] : "main"
        let components = repo.split(separator: "/")
        guard components.count == 2, components.allSatisfy({ !$0.isEmpty && $0 != ".." && $0 != "." }),
            SafetensorsIndex.isPlainFileName(revision)
        else {
            throw FormatError(file: id, rule: .io, detail: "a Hugging Face repo id is ORG/NAME, optionally @REVISION")
        }
        let folder = Path.join(huggingFaceCache, "models--" + components.joined(separator: "--"))
        guard Path.isDirectory(folder) else {
            throw FormatError(
                file: id, rule: .io,
                detail: "not in the Hugging Face cache (\(folder) does not exist)" + nearMatches(repo, in: listHuggingFaceNames()))
        }
        var commit = revision
        let ref = Path.join(folder, "refs/" + revision)
        if let bytes = try? MappedFile.read(ref, offset: 0, count: 256) {
            commit = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        }
        let snapshot = Path.join(folder, "snapshots/" + commit)
        guard SafetensorsIndex.isPlainFileName(commit), Path.isDirectory(snapshot) else {
            let refs = Path.contents(of: Path.join(folder, "refs"))
            throw FormatError(
                file: id,
                rule: .io,
                detail: "revision '\(revision)' has no snapshot in \(folder) (refs: \(refs.isEmpty ? "none" : refs.joined(separator: ", ")))"
            )
        }
        let name = revision == "main" ? repo : "\(repo)@\(revision)"
        return ModelLocation(path: snapshot, name: name, origin: .huggingFace)
    }

    /// Repo ids in the cache (`models--ORG--NAME` → `ORG/NAME`).
    public func listHuggingFaceNames() -> [String] {
        Path.contents(of: huggingFaceCache).compactMap { (entry: String) -> String? in
            guard entry.hasPrefix("models--") else { return nil }
            let parts = String(entry.dropFirst(8)).components(separatedBy: "--")
            return parts.count == 2 ? parts.joined(separator: "/") : nil
        }
    }

    // MARK: - Ollama

    /// `[HOST/][NAMESPACE/]MODEL[:TAG]` with the defaults `registry.ollama.ai`, `library`, `latest`.
    static func ollamaParts(_ name: String) -> (host: String, namespace: String, model: String, tag: String)? {
        var rest = name
        var tag = "latest"
        if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = String(rest[..<colon])
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let valid = parts.allSatisfy { SafetensorsIndex.isPlainFileName($0) } && SafetensorsIndex.isPlainFileName(tag)
        guard valid else { return nil }
        switch parts.count {
        case 1: return ("registry.ollama.ai", "library", parts[0], tag)
        case 2: return ("registry.ollama.ai", parts[0], parts[1], tag)
        case 3: return (parts[0], parts[1], parts[2], tag)
        default: return nil
        }
    }

    /// The GGUF blob an Ollama manifest names (`application/vnd.ollama.image.model`).
    public func resolveOllama(_ name: String) throws(FormatError) -> ModelLocation {
        guard let parts = Self.ollamaParts(name) else {
            throw FormatError(file: "ollama:" + name, rule: .io, detail: "an Ollama name is [HOST/][NAMESPACE/]MODEL[:TAG]")
        }
        let manifest = Path.join(ollamaModels, "manifests/\(parts.host)/\(parts.namespace)/\(parts.model)/\(parts.tag)")
        let display =
            "ollama:" + (parts.namespace == "library" && parts.host == "registry.ollama.ai" ? parts.model : "\(parts.namespace)/\(parts.model)") + ":"
            + parts.tag
        guard Path.exists(manifest) else {
            throw FormatError(
                file: display, rule: .io,
                detail: "no manifest at \(manifest)"
                    + nearMatches(parts.model + ":" + parts.tag, in: listOllamaNames().map { String($0.dropFirst(7)) }))
        }
        let (blob, params) = try ollamaBlobs(manifest: manifest, display: display)
        var location = ModelLocation(path: blob, name: display, origin: .ollama)
        if let params { location.numCtx = try OllamaModelfile.numCtx(params: try Self.readSmall(params, limit: 1 << 20), file: params) }
        return location
    }

    private static func readSmall(_ path: String, limit: Int) throws(FormatError) -> [UInt8] {
        let size = try MappedFile.size(of: path)
        guard size <= limit else { throw FormatError(file: path, rule: .indexSchema, detail: "\(size) bytes is more than \(limit) for this file") }
        return try MappedFile.read(path, offset: 0, count: size)
    }

    func ollamaModelBlob(manifest: String, display: String) throws(FormatError) -> String {
        try ollamaBlobs(manifest: manifest, display: display).model
    }

    /// The model blob an Ollama manifest names, and its params blob (the Modelfile's PARAMETER lines) when it has one.
    func ollamaBlobs(manifest: String, display: String) throws(FormatError) -> (model: String, params: String?) {
        let size = try MappedFile.size(of: manifest)
        guard size > 0, size <= 1 << 20 else {
            throw FormatError(file: manifest, rule: .indexSchema, detail: "an Ollama manifest of \(size) bytes is not plausible")
        }
        let document: JSONValue
        do throws(FormatError) {
            document = try JSONParser.parse(try MappedFile.read(manifest, offset: 0, count: size))
        } catch {
            throw error.inFile(manifest)
        }
        guard let layers = document.objectValue?["layers"]?.arrayValue else {
            throw FormatError(file: manifest, field: "layers", rule: .indexSchema, detail: "the manifest has no layers array")
        }
        guard let layer = layers.first(where: { $0.objectValue?["mediaType"]?.stringValue == "application/vnd.ollama.image.model" }),
            let digest = layer.objectValue?["digest"]?.stringValue
        else {
            throw FormatError(file: manifest, field: "layers", rule: .indexSchema, detail: "no application/vnd.ollama.image.model layer")
        }
        let hex = digest.dropFirst(7)
        guard digest.count == 71, digest.hasPrefix("sha256:") || digest.hasPrefix("sha256-"),
            hex.allSatisfy({ $0.isHexDigit })
        else {
            throw FormatError(file: manifest, field: "digest", rule: .indexSchema, detail: "digest '\(digest.prefix(80))' is not sha256:<64 hex>")
        }
        let blob = Path.join(ollamaModels, "blobs/sha256-" + hex)
        guard Path.exists(blob) else {
            throw FormatError(
                file: display, rule: .missingShard,
                detail: "the manifest names blob sha256-\(hex.prefix(12))…, which is missing from \(Path.join(ollamaModels, "blobs"))")
        }
        var params: String?
        if let layer = layers.first(where: { $0.objectValue?["mediaType"]?.stringValue == OllamaModelfile.paramsMediaType }),
            let digest = layer.objectValue?["digest"]?.stringValue, digest.count == 71, digest.hasPrefix("sha256:") || digest.hasPrefix("sha256-"),
            digest.dropFirst(7).allSatisfy({ $0.isHexDigit })
        {
            let path = Path.join(ollamaModels, "blobs/sha256-" + digest.dropFirst(7))
            if Path.exists(path) { params = path }
        }
        return (blob, params)
    }

    /// `ollama:NAME:TAG` for every manifest.
    public func listOllamaNames() -> [String] {
        var names: [String] = []
        let root = Path.join(ollamaModels, "manifests")
        for host in Path.contents(of: root) {
            for namespace in Path.contents(of: Path.join(root, host)) {
                for model in Path.contents(of: Path.join(root, "\(host)/\(namespace)")) {
                    for tag in Path.contents(of: Path.join(root, "\(host)/\(namespace)/\(model)")) {
                        let prefix = host == "registry.ollama.ai" ? (namespace == "library" ? "" : namespace + "/") : "\(host)/\(namespace)/"
                        names.append("ollama:\(prefix)\(model):\(tag)")
                    }
                }
            }
        }
        return names
    }

    // MARK: - LM Studio

    /// `PUBLISHER/MODEL[/FILE]` under LM Studio's models folder.
    public func resolveLMStudio(_ name: String) throws(FormatError) -> ModelLocation {
        let parts = name.split(separator: "/").map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy(SafetensorsIndex.isPlainFileName) else {
            throw FormatError(file: "lmstudio:" + name, rule: .io, detail: "an LM Studio name is PUBLISHER/MODEL or PUBLISHER/MODEL/FILE")
        }
        let path = Path.join(lmStudioModels, parts.joined(separator: "/"))
        guard Path.exists(path) else {
            throw FormatError(file: "lmstudio:" + name, rule: .io, detail: "not in \(lmStudioModels)" + nearMatches(name, in: listLMStudioNames()))
        }
        return ModelLocation(path: path, name: name, origin: .lmStudio)
    }

    /// `PUBLISHER/MODEL` for every model folder.
    public func listLMStudioNames() -> [String] {
        Path.contents(of: lmStudioModels).flatMap { publisher in
            Path.contents(of: Path.join(lmStudioModels, publisher)).compactMap { model in
                Path.isDirectory(Path.join(lmStudioModels, "\(publisher)/\(model)")) ? "\(publisher)/\(model)" : nil
            }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    fileprivate func components(separatedBy separator: String) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}

/// An Ollama model's params layer: the Modelfile's `PARAMETER` lines as a JSON object (`{"num_ctx": 8192, "stop": […]}`).
public enum OllamaModelfile {
    public static let paramsMediaType = "application/vnd.ollama.image.params"

    /// `num_ctx` from the params layer's bytes; `nil` when it sets none. `file` names the blob in errors.
    public static func numCtx(params: [UInt8], file: String) throws(FormatError) -> Int? {
        let document: JSONValue
        do throws(FormatError) {
            document = try JSONParser.parse(params)
        } catch {
            throw error.inFile(file)
        }
        guard let object = document.objectValue else {
            throw FormatError(file: file, rule: .indexSchema, detail: "an Ollama params layer is a JSON object")
        }
        guard let value = object["num_ctx"] else { return nil }
        guard let number = value.numberValue?.int, number >= 1, number <= 1 << 26 else {
            throw FormatError(
                file: file, field: "num_ctx", rule: .indexSchema, detail: "num_ctx must be a whole number of tokens from 1 to 67,108,864")
        }
        return number
    }
}
