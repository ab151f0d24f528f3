public import HeftFormats

/// A tensor as the memory estimate sizes it.
public struct SizedTensor: Sendable, Hashable {
    public let name: String
    public let shape: [Int]
    /// Logical elements (parameters for packed weights).
    public let elements: Int
    /// The stored type's name, when stored.
    public let storedType: String?
    /// Bytes as stored (0 for synthesized tensors).
    public let storedBytes: Int
    public let isParameter: Bool
    /// The block index, for llama.cpp's per-layer rules.
    public let layer: Int?
    /// A 2-D weight inside a block: what `int4`/`nf4`/`fp8` quantize.
    public let isBlockLinear: Bool
    /// The tensor's role in llama.cpp's quantization rules, derived once from its name.
    public let quantizationRole: LlamaFileType.Role
    /// Where the data sits in a GGUF file (which file, absolute offset): what llama.cpp maps.
    public var placement: Placement? = nil

    /// A tensor's file and absolute data offset.
    public struct Placement: Sendable, Hashable {
        public let file: String
        public let offset: Int
    }

    public init(
        name: String, shape: [Int], elements: Int, storedType: String?, storedBytes: Int, isParameter: Bool, layer: Int?, isBlockLinear: Bool,
        quantizationRole: LlamaFileType.Role? = nil
    ) {
        self.name = name
        self.shape = shape
        self.elements = elements
        self.storedType = storedType
        self.storedBytes = storedBytes
        self.isParameter = isParameter
        self.layer = layer
        self.isBlockLinear = isBlockLinear
        self.quantizationRole = quantizationRole ?? LlamaFileType.role(of: name)
    }

    public var rowLength: Int { shape.last ?? 1 }
}

/// What a memory estimate needs to know about a model: sizes, shape, attention layout, and tensors.
public struct ModelProfile: Sendable {
    public var name: String
    public var architecture: Architecture
    public var parameters: Int
    public var activeParameters: Int
    /// Per-layer cache layout; `nil` when the source lacks what it needs.
    public var layout: AttentionLayout?
    /// Tensors, real or synthesized from config.json; empty for a bare parameter count.
    public var tensors: [SizedTensor]
    /// Bytes of all tensors as stored, or `nil` when nothing is stored (config, bare count).
    public var storedBytes: Int?
    /// The stored precision in words (`BF16`, `Q4_K 88% + Q6_K 11% + F32`), when stored.
    public var storedPrecision: String?
    /// `torch_dtype` of a config-only source: the precision its weights are published in.
    public var declaredPrecision: String?
    /// Whether the model only encodes (BERT family): no KV cache when serving.
    public var isEncoderOnly: Bool
    public var warnings: [String]
    /// The model's config.json, when it has one (planners derive pruned and student configs from it).
    public var config: ConfigReader? = nil
    /// What the weights are stored in (`nil` for a bare parameter count).
    public var format: ModelSource.Format? = nil
    /// Bytes of the weight files on disk, headers included (what a download weighs); `nil` without files.
    public var fileBytes: Int? = nil
    /// A single-file GGUF source's header, from which the file llama-quantize would write is sized.
    public var ggufHeader: GGUFHeaderLayout? = nil
    /// The context length an Ollama Modelfile sets (`PARAMETER num_ctx`): Ollama's default for this model.
    public var numCtx: Int? = nil

    /// What of a GGUF header carries over into a file llama-quantize writes from it.
    public struct GGUFHeaderLayout: Sendable, Hashable {
        /// Magic to the last tensor info, before padding.
        public var bytes: Int
        public var alignment: Int
        /// Which of the two keys llama-quantize sets are already there (else it adds them).
        public var hasFileType: Bool
        public var hasQuantizationVersion: Bool
    }

    /// The profile of the model at `path` (any source `heft inspect` reads).
    ///
    /// - Parameter parameters: a count that replaces the one from the source; required for a config.json whose
    ///   architecture has no formula (DeepSeek, Mamba).
    public static func open(_ path: String, parameters override: Int? = nil) throws(FormatError) -> ModelProfile {
        try open(source: try ModelSource.open(path), parameters: override)
    }

    /// The profile of a source already opened (its ``ModelSource/name`` names the profile).
    public static func open(source: ModelSource, parameters override: Int? = nil) throws(FormatError) -> ModelProfile {
        if source.tensors.isEmpty, let config = source.config {
            return try configOnly(path: source.name, config: config, parameters: override)
        }
        let report = try InspectionReport(source: source, includeTensors: false)
        let architecture = report.architecture
        let warnings = report.warnings
        var layout: AttentionLayout?
        var declared: String?
        if let config = source.config {
            layout = try AttentionLayout(config: config, architecture: architecture)
            declared = try config.string("torch_dtype", "dtype")
        } else if let gguf = source.gguf {
            layout = AttentionLayout(gguf: gguf.primary, architecture: architecture)
        }
        var tensors: [SizedTensor] = []
        if !source.tensors.isEmpty {
            let classifier = TensorClassifier(packing: report.quantization, family: architecture.family, tensors: source.tensors)
            for tensor in source.tensors {
                let role = classifier.classify(tensor)
                var elements = tensor.elementCount
                var isParameter = false
                var layer: Int?
                var blockLinear = false
                if case .parameter(let kind, let location, let logical) = role {
                    elements = logical
                    isParameter = true
                    layer = location.block?.index
                    if case .attention = location, kind == .weight, tensor.shape.count >= 2 { blockLinear = true }
                    if case .feedForward = location, kind == .weight, tensor.shape.count >= 2 { blockLinear = true }
                }
                var sized = SizedTensor(
                    name: tensor.name,
                    shape: tensor.shape,
                    elements: elements,
                    storedType: tensor.storage.name,
                    storedBytes: tensor.byteCount,
                    isParameter: isParameter,
                    layer: layer,
                    isBlockLinear: blockLinear
                )
                if source.format == .gguf { sized.placement = SizedTensor.Placement(file: tensor.file, offset: tensor.dataOffset) }
                tensors.append(sized)
            }
        }
        let total = override ?? report.parameters.total
        var profile = ModelProfile(
            name: source.name,
            architecture: architecture,
            parameters: total,
            activeParameters: override ?? report.parameters.active ?? total,
            layout: layout,
            tensors: tensors,
            storedBytes: report.bytes.tensorData,
            storedPrecision: describeMix(report.bytes.byStorage),
            declaredPrecision: declared,
            isEncoderOnly: isEncoderOnly(architecture),
            warnings: warnings
        )
        profile.config = source.config
        profile.format = source.format
        profile.numCtx = source.numCtx
        profile.fileBytes = source.files.isEmpty ? nil : source.files.reduce(0) { $0 + $1.expectedBytes }
        if let gguf = source.gguf, gguf.files.count == 1 {
            profile.ggufHeader = GGUFHeaderLayout(
                bytes: gguf.primary.headerBytes, alignment: gguf.primary.alignment, hasFileType: gguf.primary["general.file_type"] != nil,
                hasQuantizationVersion: gguf.primary["general.quantization_version"] != nil)
        }
        return profile
    }

    private static func isEncoderOnly(_ architecture: Architecture) -> Bool {
        architecture.family?.isEncoderOnly ?? false
    }

    /// A config.json without weights: the formula's count (or the given one), a synthesized tensor list where
    /// the family has one, and the dtype the weights are published in.
    static func configOnly(path: String, config: ConfigReader, parameters override: Int?) throws(FormatError) -> ModelProfile {
        let described = try ConfigArchitecture(config: config)
        let architecture = described.architecture
        guard let total = override ?? described.formula?.total else {
            throw FormatError(
                file: path,
                rule: .configValue,
                detail: "config.json alone gives no parameter count for architecture '\(architecture.modelType ?? "unknown")'; add --params N"
            )
        }
        var warnings = described.warnings
        if let packing = described.packing {
            // Which tensors a quantized checkpoint packs, and at what cost, only its files say; where a --weights
            // scheme stores linear weights the same way, the warning names it.
            var scheme: String?
            switch packing.method {
            // (Only where the scheme stores them exactly so: GPTQ and AWQ with a stated group, LLM.int8(), FP8.)
            case .gptq, .awq: scheme = packing.groupSize.flatMap { $0 > 0 ? "\(packing.method.rawValue)-\(packing.bits)bit-g\($0)" : nil }
            case .bitsandbytes: scheme = packing.bits == 8 ? "int8" : nil
            case .fp8: scheme = "fp8"
            default: scheme = nil
            }
            let hint = scheme.flatMap { WeightPrecision($0) } != nil ? " (--weights \(scheme ?? "") sizes the linear weights as it stores them)" : ""
            warnings.append(
                "config.json declares \(packing.displayName) weights (\(packing.widthText)), which a config alone cannot size: the weights are sized at \((try config.string("torch_dtype", "dtype")) ?? "bf16"); the checkpoint's files give their stored size\(hint)"
            )
        }
        var tensors: [SizedTensor] = []
        if let synthetic = SyntheticTensors.gguf(architecture: architecture, config: config), override == nil {
            tensors = sized(synthetic)
        } else {
            warnings.append("no tensor list for this architecture: weights are sized per parameter, without per-tensor rules")
        }
        var profile = ModelProfile(
            name: path,
            architecture: architecture,
            parameters: total,
            activeParameters: override ?? described.formula?.active ?? total,
            layout: try AttentionLayout(config: config, architecture: architecture),
            tensors: tensors,
            storedBytes: nil,
            storedPrecision: nil,
            declaredPrecision: try config.string("torch_dtype", "dtype"),
            isEncoderOnly: isEncoderOnly(architecture),
            warnings: warnings
        )
        profile.config = config
        profile.format = .config
        return profile
    }

    /// The profile a `config.json` describes (`path` names it in messages).
    public static func from(config: ConfigReader, parameters: Int? = nil) throws(FormatError) -> ModelProfile {
        try configOnly(path: config.path, config: config, parameters: parameters)
    }

    /// A model known only by its parameter count and the architecture flags given.
    public static func bare(parameters: Int, architecture: Architecture) -> ModelProfile {
        var layout: AttentionLayout?
        if let layers = architecture.layers, let kv = architecture.kvHeads ?? architecture.heads, let d = architecture.headDim {
            layout = .uniform(layers: layers, kvHeads: kv, headDim: d, window: architecture.slidingWindow)
        }
        var warnings: [String] = []
        if layout == nil { warnings.append("without --layers, --heads (or --kv-heads) and --hidden or --head-dim, the KV cache cannot be sized") }
        return ModelProfile(
            name: "\(Formatting.compactCount(parameters)) parameters",
            architecture: architecture,
            parameters: parameters,
            activeParameters: parameters,
            layout: layout,
            tensors: [],
            storedBytes: nil,
            storedPrecision: nil,
            declaredPrecision: nil,
            isEncoderOnly: false,
            warnings: warnings
        )
    }

    /// Synthesized tensors need no name-based classification: the generator knows each one's layer and kind.
    /// (Classifying 50,000 names of a 4,096-layer config by string matching took seconds; the fuzzer flagged it.)
    static func sized(_ shapes: [TensorShape]) -> [SizedTensor] {
        shapes.map { shape in
            let role: LlamaFileType.Role
            switch shape.kind {
            case .tokenEmbedding: role = .tokenEmbedding
            case .output: role = .output
            case .blockLinear(let linearRole): role = linearRole
            case .other, .buffer: role = .other
            }
            var isBlockLinear = false
            if case .blockLinear = shape.kind { isBlockLinear = true }
            return SizedTensor(
                name: shape.name,
                shape: shape.shape,
                elements: shape.elements,
                storedType: nil,
                storedBytes: 0,
                isParameter: shape.kind != .buffer,
                layer: shape.layer,
                isBlockLinear: isBlockLinear,
                quantizationRole: role
            )
        }
    }

    /// `Q4_K 88.1% + Q6_K 11.0% + F32 0.9%` by bytes.
    static func describeMix(_ bytesByType: [String: Int]) -> String {
        let total = bytesByType.values.reduce(0, +)
        guard total > 0 else { return "-" }
        let sorted = bytesByType.sorted { $0.value > $1.value }
        if sorted.count == 1 { return sorted[0].key }
        return sorted.map { "\($0.key) \(Formatting.percent(Double($0.value) / Double(total)))" }.joined(separator: " + ")
    }
}
