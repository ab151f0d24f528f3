/// `heft compare A B …`: models side by side on what decides between them — bytes on disk, bits per parameter,
/// embedding share, KV bytes per token, memory at a context, fit and speed on a GPU — not the parameter count alone.
public struct ModelComparison: Sendable, Codable {
    public struct Row: Sendable, Codable, Hashable {
        public let model: String
        public let parameters: Int
        public let activeParameters: Int
        /// Bytes of the weight files (headers included); `nil` for a config.
        public let fileBytes: Int?
        /// Bytes of the weights at the compared precision.
        public let weightsBytes: Int
        /// weights bytes × 8 ÷ parameters.
        public let bitsPerParameter: Double
        /// The token embedding's share of the parameters (exact from the tensor list).
        public let embeddingShare: Double?
        public let kvCacheBytesPerToken: Int
        public let contextLimit: Int?
        /// The engine's total at the context (estimate).
        public let memoryBytes: Int
        public let fits: Bool?
        public let decodeTokensPerSecond: Double?
        public let engine: Engine
        public let tier: String
    }

    public let context: Int
    public let hardware: String?
    public let rows: [Row]
    public let formulas: [String: String]
    public let warnings: [String]

    public init(profiles: [ModelProfile], request: MemoryRequest) throws(EstimateError) {
        guard profiles.count >= 2 else { throw EstimateError(field: "models", "give at least two models to compare", refused: true) }
        var rows: [Row] = []
        var warnings: [String] = []
        for profile in profiles {
            let estimate = try MemoryEstimate(profile: profile, request: request)
            guard let first = estimate.estimates.first else { continue }
            let embedding = profile.tensors.filter { $0.isParameter && $0.quantizationRole == .tokenEmbedding }.reduce(0) { $0 + $1.elements }
            rows.append(
                Row(
                    model: profile.name, parameters: profile.parameters, activeParameters: profile.activeParameters, fileBytes: profile.fileBytes,
                    weightsBytes: estimate.weights.bytes,
                    bitsPerParameter: Double(estimate.weights.bytes) * 8 / Double(max(1, profile.parameters)),
                    embeddingShare: profile.tensors.isEmpty || profile.parameters == 0 ? nil : Double(embedding) / Double(profile.parameters),
                    kvCacheBytesPerToken: first.kvCacheBytesPerToken, contextLimit: profile.architecture.contextLength,
                    memoryBytes: first.totalBytes, fits: first.fit?.fits, decodeTokensPerSecond: first.speed?.decodeTokensPerSecond,
                    engine: estimate.engine, tier: ScaleTier.of(parameters: profile.parameters).name))
            warnings += estimate.warnings.map { "\(profile.name): \($0)" }
        }
        if Set(rows.map(\.engine)).count > 1 {
            warnings.append(
                "the models are sized for different engines (GGUF as llama.cpp, others as PyTorch): give --engine to compare like with like")
        }
        self.context = request.contexts.first ?? 4096
        self.hardware = request.hardware.map { "\($0.count) × \($0.hardware.id)" }
        self.rows = rows
        self.formulas = [
            "bitsPerParameter": "weights bytes × 8 ÷ parameters, at the compared precision (stored unless --weights)",
            "embeddingShare": "token-embedding parameters ÷ all parameters (a tied output head counts once)",
            "memoryBytes": "heft memory's total at the context for each model's engine (estimate)",
            "decodeTokensPerSecond": "one sequence at the context, memory-bandwidth bound (estimate)",
        ]
        self.warnings = warnings
    }
}
