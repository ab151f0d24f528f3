public import HeftFormats

/// Everything `heft inspect` reports, as one value: the JSON document is this type encoded.
///
/// Field names are the stable schema documented in the README. Byte counts and parameter counts are exact
/// integers; shares and bits per parameter are derived ratios.
public struct InspectionReport: Sendable, Codable {
    public struct ByKind: Sendable, Codable, Hashable {
        public var weight = 0, bias = 0, embedding = 0, norm = 0, adapter = 0, other = 0
    }

    public struct ByLocation: Sendable, Codable, Hashable {
        public var embeddings = 0, attention = 0, feedForward = 0, head = 0, other = 0
    }

    public struct BlockRow: Sendable, Codable, Hashable {
        public let block: String
        public let total: Int
        public let attention: Int
        public let feedForward: Int
        public let other: Int
    }

    public struct Parameters: Sendable, Codable {
        /// Learned values: tied matrices once, buffers never, packed weights at their logical count.
        public var total: Int
        /// Parameters used per token (mixture of experts); `nil` when the expert counts are unknown.
        public var active: Int?
        /// Embedding-table parameters ÷ total.
        public var embeddingShare: Double?
        /// `tensors` (summed from tensor shapes) or `config.json formula`.
        public var countedFrom: String
        public var byKind: ByKind?
        public var byLocation: ByLocation?
        public var byStorage: [String: Int]?
        public var perBlock: [BlockRow]?
    }

    public struct TensorGroup: Sendable, Codable {
        public var count = 0
        public var elements = 0
        public var bytes = 0
        public var names: [String] = []
    }

    public struct Bytes: Sendable, Codable {
        /// Bytes of all tensor data the headers declare (parameters, buffers and quantization state).
        public var tensorData: Int
        /// Bytes of the files on disk.
        public var file: Int
        /// Bytes the files have when complete.
        public var expectedFile: Int
        /// Complete file bytes × 8 ÷ parameters.
        public var bitsPerParameter: Double?
        /// Parameter tensor bytes × 8 ÷ parameters: the storage precision alone, without headers and buffers.
        public var tensorBitsPerParameter: Double?
        /// Parameter tensor bytes by storage type.
        public var byStorage: [String: Int]
    }

    public struct Formula: Sendable, Codable {
        public var family: String
        public var total: Int
        public var active: Int
        public var expression: String
        public var scope: String?
        /// Whether the formula agrees with the tensors (`nil` without tensors).
        public var matchesTensors: Bool?
    }

    public struct Missing: Sendable, Codable {
        public var bytes: Int
        /// Tensors whose data is not (entirely) in the file.
        public var tensors: [String]
    }

    public struct TensorRow: Sendable, Codable {
        public let name: String
        public let shape: [Int]
        public let storage: String
        public let elements: Int
        /// Logical parameters (0 for buffers, quantization state and tied copies).
        public let parameters: Int
        /// `parameter`, `buffer`, `quantizationState` or `tiedCopy`.
        public let role: String
        public let kind: String?
        public let location: String?
        public let block: String?
        public var file: String
        public let offset: Int
        public let bytes: Int
        public let complete: Bool
    }

    public var source: String
    public var format: String
    /// What the file says it is: a GGUF's `general.file_type` (`Q4_K_M`; `MXFP4_MOE`, or `type N` for one Heft does
    /// not name), or a checkpoint's quantization config (`gptq 4-bit g128`).
    public var fileType: String?
    /// The model's name and size label as its metadata gives them (`general.name`, `general.size_label`).
    public var name: String?
    public var sizeLabel: String?
    public var complete: Bool
    public var files: [FileFacts]
    public var parameters: Parameters
    public var buffers: TensorGroup
    public var quantizationState: TensorGroup
    public var tiedCopies: [String]
    public var bytes: Bytes
    public var architecture: Architecture
    public var formula: Formula?
    public var quantization: QuantizationPacking?
    public var tier: ScaleTier
    public var missing: Missing?
    public var warnings: [String]
    /// Every tensor, when asked for (`--all-tensors`).
    public var tensors: [TensorRow]?
}

extension InspectionReport {
    /// The same report with a file's path shown as `name` (a file read from a temporary copy of its header).
    public func naming(_ path: String, as name: String) -> InspectionReport {
        var copy = self
        copy.source = copy.source == path ? name : copy.source
        copy.files = copy.files.map { FileFacts(path: $0.path == path ? name : $0.path, bytes: $0.bytes, expectedBytes: $0.expectedBytes) }
        copy.tensors = copy.tensors?.map { row in
            var row = row
            if row.file == path { row.file = name }
            return row
        }
        copy.warnings = copy.warnings.map { $0.replacing(path, with: name) }
        return copy
    }

    /// Inspects the model at `path`: headers only.
    public static func inspect(_ path: String, includeTensors: Bool = false) throws(FormatError) -> InspectionReport {
        try InspectionReport(source: ModelSource.open(path), includeTensors: includeTensors)
    }

    /// Builds the report for an opened source.
    public init(source: ModelSource, includeTensors: Bool) throws(FormatError) {
        var warnings = source.warnings
        let configArchitecture = try source.config.map { config throws(FormatError) in try ConfigArchitecture(config: config) }
        warnings += configArchitecture?.warnings ?? []
        let tensorNames = Set(source.tensors.map(\.name))

        var architecture: Architecture
        if let configArchitecture {
            architecture = configArchitecture.architecture
        } else if let gguf = source.gguf {
            architecture = Architecture(gguf: gguf.primary, tensorNames: tensorNames)
            warnings += Architecture.implausibleValues(in: gguf.primary)
        } else {
            architecture = Architecture(source: .tensorShapes)
        }
        let classifier = TensorClassifier(packing: configArchitecture?.packing, family: architecture.family, tensors: source.tensors)
        let anatomy = Anatomy(tensors: source.tensors, classifier: classifier, tied: architecture.tiedEmbeddings)
        if configArchitecture == nil, source.gguf == nil, !source.tensors.isEmpty {
            architecture = Architecture(shapesOf: anatomy.entries.map { ($0.tensor, $0.role) })
            warnings.append("no config.json: the architecture is read from tensor shapes (head counts are unknown)")
        }
        if source.format == .gguf, source.tensors.isEmpty == false, architecture.modelType == nil {
            warnings.append("GGUF file without general.architecture: the architecture is read from metadata only")
        }

        // Parameters: from tensors when there are any, else from the config formula.
        let formula = configArchitecture?.formula
        var parameters: Parameters
        if source.tensors.isEmpty {
            guard let formula else {
                throw FormatError(
                    file: source.path,
                    rule: .configValue,
                    detail:
                        "config.json alone gives no parameter count for architecture '\(architecture.modelType ?? "unknown")'; inspect the weights instead"
                )
            }
            parameters = Parameters(
                total: formula.total,
                active: formula.active,
                embeddingShare: nil,
                countedFrom: "config.json formula",
                byKind: nil,
                byLocation: nil,
                byStorage: nil,
                perBlock: nil
            )
        } else {
            var kinds = ByKind()
            kinds.weight = anatomy.byKind[.weight] ?? 0
            kinds.bias = anatomy.byKind[.bias] ?? 0
            kinds.embedding = anatomy.byKind[.embedding] ?? 0
            kinds.norm = anatomy.byKind[.norm] ?? 0
            kinds.adapter = anatomy.byKind[.adapter] ?? 0
            kinds.other = anatomy.byKind[.other] ?? 0
            var locations = ByLocation()
            locations.embeddings = anatomy.byArea[.embeddings, default: 0]
            locations.attention = anatomy.byArea[.attention, default: 0]
            locations.feedForward = anatomy.byArea[.feedForward, default: 0]
            locations.head = anatomy.byArea[.head, default: 0]
            locations.other = anatomy.byArea[.other, default: 0]
            let total = anatomy.totalParameters
            let active = anatomy.activeParameters(experts: architecture.experts, perToken: architecture.expertsPerToken)
            if active == nil {
                warnings.append("mixture of experts without expert counts: active parameters are unknown")
            }
            parameters = Parameters(
                total: total,
                active: active,
                embeddingShare: total > 0 ? Double(kinds.embedding) / Double(total) : nil,
                countedFrom: "tensors",
                byKind: kinds,
                byLocation: locations,
                byStorage: anatomy.byStorage,
                perBlock: anatomy.perBlock.map {
                    BlockRow(block: $0.block.description, total: $0.total, attention: $0.attention, feedForward: $0.feedForward, other: $0.other)
                }
            )
            if !anatomy.unplaced.isEmpty {
                let examples = anatomy.unplaced.prefix(3).joined(separator: ", ")
                warnings.append(
                    "\(anatomy.unplaced.count) tensor(s) with names Heft does not recognize are counted under 'other' (\(examples)\(anatomy.unplaced.count > 3 ? ", …" : ""))"
                )
            }
            if let formula, formula.total != total {
                let scope = formula.scope.map { " (\($0))" } ?? ""
                warnings.append(
                    "the \(architecture.family?.rawValue ?? "") formula from config.json gives \(formula.total) parameters\(scope) but the tensors hold \(total)"
                )
            }
        }

        func group(_ tensors: [TensorInfo]) -> TensorGroup {
            TensorGroup(
                count: tensors.count,
                elements: tensors.reduce(0) { $0 + $1.elementCount },
                bytes: tensors.reduce(0) { $0 + $1.byteCount },
                names: tensors.map(\.name)
            )
        }
        let fileBytes = source.files.reduce(0) { $0 + $1.bytes }
        let expectedBytes = source.files.reduce(0) { $0 + $1.expectedBytes }
        let parameterBytes = anatomy.bytesByStorage.values.reduce(0, +)
        let total = parameters.total
        let bytes = Bytes(
            tensorData: source.tensors.reduce(0) { $0 + $1.byteCount },
            file: fileBytes,
            expectedFile: expectedBytes,
            bitsPerParameter: total > 0 && expectedBytes > 0 ? Double(expectedBytes) * 8 / Double(total) : nil,
            tensorBitsPerParameter: total > 0 && parameterBytes > 0 ? Double(parameterBytes) * 8 / Double(total) : nil,
            byStorage: anatomy.bytesByStorage
        )
        let fileSizes = Dictionary(source.files.map { ($0.path, $0.bytes) }, uniquingKeysWith: max)
        let incomplete = source.tensors.filter { $0.dataEnd > fileSizes[$0.file, default: 0] }
        let complete = source.files.allSatisfy(\.complete)
        if !complete {
            let present = source.files.map {
                "\(Path.fileName($0.path)) has \(Formatting.grouped($0.bytes)) of \(Formatting.grouped($0.expectedBytes)) bytes"
            }
            warnings.append("partial download: " + present.joined(separator: "; "))
        }
        self.init(
            source: source.name,
            format: source.format.rawValue,
            complete: complete,
            files: source.files,
            parameters: parameters,
            buffers: group(anatomy.buffers),
            quantizationState: group(anatomy.quantizationState),
            tiedCopies: anatomy.tiedCopies.map { "\($0.copy) = \($0.of)" },
            bytes: bytes,
            architecture: architecture,
            formula: formula.map {
                Formula(
                    family: architecture.family?.rawValue ?? "",
                    total: $0.total,
                    active: $0.active,
                    expression: $0.expression,
                    scope: $0.scope,
                    matchesTensors: source.tensors.isEmpty ? nil : $0.total == parameters.total
                )
            },
            quantization: configArchitecture?.packing ?? classifier.packing,
            tier: ScaleTier.of(parameters: total),
            missing: complete ? nil : Missing(bytes: expectedBytes - fileBytes, tensors: incomplete.map(\.name)),
            warnings: warnings,
            tensors: includeTensors ? anatomy.entries.map { Self.row($0, fileSizes: fileSizes) } : nil
        )
        if let gguf = source.gguf?.primary {
            if let value = gguf["general.file_type"]?.intValue {
                let extra = [38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0", 41: "Q2_0"]
                fileType = LlamaFileType(ggufFileType: value)?.rawValue ?? extra[value] ?? "type \(value)"
            }
            name = gguf["general.name"]?.stringValue
            sizeLabel = gguf["general.size_label"]?.stringValue
        } else if let packing = configArchitecture?.packing {
            // A mixed recipe (MLX's per-layer entries, compressed-tensors' config groups) says so: the width is the default's.
            let mixed = packing.layers.contains { $0.bits != packing.bits || $0.mode != packing.mode }
            fileType =
                "\(packing.method.rawValue) \(packing.widthText)" + (packing.groupSize.map { $0 > 0 ? " g\($0)" : " per-channel" } ?? "")
                + (mixed ? ", mixed by layer" : "")
        }
    }

    private static func row(_ entry: Anatomy.Entry, fileSizes: [String: Int]) -> TensorRow {
        let tensor = entry.tensor
        var parameters = 0
        var role = "parameter"
        var kind: String?
        var location: String?
        var block: String?
        switch entry.role {
        case .parameter(let k, let l, let count):
            parameters = count
            kind = k.rawValue
            location = l.area.rawValue
            block = l.block?.description
        case .buffer: role = "buffer"
        case .quantizationState: role = "quantizationState"
        case .tiedCopy: role = "tiedCopy"
        }
        return TensorRow(
            name: tensor.name,
            shape: tensor.shape,
            storage: tensor.storage.name,
            elements: tensor.elementCount,
            parameters: parameters,
            role: role,
            kind: kind,
            location: location,
            block: block,
            file: tensor.file,
            offset: tensor.dataOffset,
            bytes: tensor.byteCount,
            complete: tensor.dataEnd <= fileSizes[tensor.file, default: 0]
        )
    }
}
