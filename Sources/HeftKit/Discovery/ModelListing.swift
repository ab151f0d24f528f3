internal import HeftFormats

/// One model found on disk, as `heft ls` lists it.
public struct ListedModel: Sendable, Codable, Hashable {
    public let name: String
    /// `hf`, `ollama`, `lmstudio` or `dir`.
    public let source: String
    public let path: String
    public let format: String?
    public let parameters: Int?
    /// Bytes of the weight files on disk.
    public let bytes: Int?
    /// The dominant storage type by bytes (`Q4_K 84%`), or the packing of a quantized safetensors checkpoint.
    public let quantization: String?
    /// Every file present and whole.
    public let complete: Bool
    /// Why the model could not be read, when it could not.
    public let error: String?
    /// What the file says it is: a GGUF's `general.file_type` (`Q4_K_M`), or a checkpoint's quantization config.
    public var fileType: String? = nil
    /// The model's own name in its metadata (a GGUF's `general.name`), which a file name often hides.
    public var modelName: String? = nil

    public init(
        name: String, source: String, path: String, format: String?, parameters: Int?, bytes: Int?, quantization: String?, complete: Bool,
        error: String?
    ) {
        self.name = name
        self.source = source
        self.path = path
        self.format = format
        self.parameters = parameters
        self.bytes = bytes
        self.quantization = quantization
        self.complete = complete
        self.error = error
    }
}

/// Lists every model in the Hugging Face cache, Ollama, LM Studio and the given folders, from headers only.
/// A model that cannot be read is listed with its error; the listing goes on.
public enum ModelListing {
    public static func list(locator: ModelLocator = ModelLocator(), directories: [String] = []) -> [ListedModel] {
        var locations: [ModelLocation] = []
        var failures: [ListedModel] = []
        for name in locator.listHuggingFaceNames() {
            do throws(FormatError) {
                locations.append(try locator.resolveHuggingFace(name))
            } catch {
                // A repo without a main ref: take its newest snapshot, if any.
                let folder = Path.join(locator.huggingFaceCache, "models--" + name.split(separator: "/").joined(separator: "--"))
                if let snapshot = Path.contents(of: Path.join(folder, "snapshots")).last {
                    locations.append(
                        ModelLocation(path: Path.join(folder, "snapshots/" + snapshot), name: "\(name)@\(snapshot.prefix(12))", origin: .huggingFace))
                } else {
                    failures.append(failure(name: name, source: "hf", path: folder, error))
                }
            }
        }
        for name in locator.listOllamaNames() {
            do throws(FormatError) {
                locations.append(try locator.resolveOllama(String(name.dropFirst(7))))
            } catch {
                failures.append(failure(name: name, source: "ollama", path: locator.ollamaModels, error))
            }
        }
        for name in locator.listLMStudioNames() {
            locations += expand(Path.join(locator.lmStudioModels, name), name: name, origin: .lmStudio)
        }
        for directory in directories {
            locations += scan(directory, depth: 0)
        }
        return locations.map(entry) + failures
    }

    /// A model folder holding several GGUF files (LM Studio keeps each quantization beside the others) lists
    /// each file; any other folder is one model.
    static func expand(_ path: String, name: String, origin: ModelLocation.Origin) -> [ModelLocation] {
        let ggufs = Path.contents(of: path).filter { $0.hasSuffix(".gguf") && (GGUFModel.splitName($0).map { $0.number == 1 } ?? true) }
            .filter { !$0.lowercased().hasPrefix("mmproj") }
        if ggufs.count > 1 {
            return ggufs.map { ModelLocation(path: Path.join(path, $0), name: "\(name)/\($0)", origin: origin) }
        }
        return [ModelLocation(path: path, name: name, origin: origin)]
    }

    /// Models in `directory`: the folder itself when it holds a model, else its model files and sub-folders.
    static func scan(_ directory: String, depth: Int) -> [ModelLocation] {
        let names = Path.contents(of: directory).filter { !$0.hasPrefix(".") }
        let holdsModel = names.contains { $0 == "config.json" || $0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json") }
        if holdsModel { return expand(directory, name: directory, origin: .directory) }
        var found: [ModelLocation] = []
        for name in names {
            let path = Path.join(directory, name)
            if Path.isDirectory(path) {
                if depth < 3 { found += scan(path, depth: depth + 1) }
            } else if name.hasSuffix(".gguf"), GGUFModel.splitName(name).map({ $0.number == 1 }) ?? true {
                found.append(ModelLocation(path: path, name: path, origin: .directory))
            }
        }
        return found
    }

    static func entry(_ location: ModelLocation) -> ListedModel {
        do throws(FormatError) {
            let source = try ModelSource.open(location: location)
            let report = try InspectionReport(source: source, includeTensors: false)
            let quantization: String?
            if let fileType = report.fileType {
                // What the file says (Q4_K_M), not its most common tensor type (a Q4_K_M file is often mostly Q8_0).
                quantization = fileType
            } else if let top = report.bytes.byStorage.max(by: { $0.value < $1.value }), report.bytes.tensorData > 0 {
                let share = Double(top.value) / Double(report.bytes.tensorData)
                quantization = share > 0.995 ? top.key : "\(top.key) \(Formatting.percent(share))"
            } else {
                quantization = nil
            }
            let partialBlobs = location.origin == .huggingFace && hasIncompleteBlobs(snapshot: location.path)
            var listed = ListedModel(
                name: location.name,
                source: location.origin.rawValue,
                path: location.path,
                format: report.format,
                parameters: report.parameters.total,
                bytes: report.bytes.file,
                quantization: quantization,
                complete: report.complete && !partialBlobs,
                error: nil
            )
            listed.fileType = report.fileType
            listed.modelName = report.name
            return listed
        } catch {
            return failure(name: location.name, source: location.origin.rawValue, path: location.path, error)
        }
    }

    /// `blobs/*.incomplete` beside a snapshot: a download in progress.
    static func hasIncompleteBlobs(snapshot: String) -> Bool {
        let repo = Path.directory(of: Path.directory(of: snapshot))
        return Path.contents(of: Path.join(repo, "blobs")).contains { $0.hasSuffix(".incomplete") }
    }

    static func failure(name: String, source: String, path: String, _ error: FormatError) -> ListedModel {
        ListedModel(
            name: name, source: source, path: path, format: nil, parameters: nil, bytes: nil, quantization: nil, complete: false,
            error: error.description)
    }
}
