public import HeftFormats

/// The parameter anatomy of a set of tensors: every tensor classified, and the sums by kind, location, block
/// and storage type. This is where every parameter number Heft reports is computed.
public struct Anatomy: Sendable {
    public struct Entry: Sendable {
        public let tensor: TensorInfo
        public let role: TensorRole
    }

    /// Parameters in one block, split by sublayer.
    public struct BlockCount: Sendable, Hashable, Codable {
        public var block: BlockID
        public var attention = 0
        public var feedForward = 0
        public var other = 0
        public var total: Int { attention + feedForward + other }
    }

    public let entries: [Entry]
    /// Learned values, each tied matrix once, packed weights at their logical count.
    public private(set) var totalParameters = 0
    public private(set) var byKind: [ParameterKind: Int] = [:]
    public private(set) var byArea: [Location.Area: Int] = [:]
    public private(set) var byStorage: [String: Int] = [:]
    /// Bytes of parameter tensors by storage type (quantization state not included).
    public private(set) var bytesByStorage: [String: Int] = [:]
    public private(set) var perBlock: [BlockCount] = []
    /// Parameters in mixture-of-experts expert tensors (routed experts; shared experts are always active).
    public private(set) var expertParameters = 0
    public private(set) var buffers: [TensorInfo] = []
    public private(set) var quantizationState: [TensorInfo] = []
    public private(set) var tiedCopies: [(copy: String, of: String)] = []
    /// Tensors whose name Heft could not place, for the warning.
    public private(set) var unplaced: [String] = []

    /// Classifies `tensors`. `tied` says whether the LM head shares the embedding matrix, so that a stored
    /// copy is counted once.
    public init(tensors: [TensorInfo], classifier: TensorClassifier, tied: Bool?) {
        let embeddingNames = [
            "model.embed_tokens.weight", "transformer.wte.weight", "wte.weight", "embed_tokens.weight", "token_embd.weight", "shared.weight",
            "gpt_neox.embed_in.weight", "transformer.word_embeddings.weight",
        ]
        let headNames: Set<String> = ["lm_head.weight", "output.weight", "embed_out.weight"]
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let embedding = embeddingNames.lazy.compactMap { byName[$0] }.first
        var entries: [Entry] = []
        entries.reserveCapacity(tensors.count)
        var blocks: [BlockID: BlockCount] = [:]
        for tensor in tensors {
            var role = classifier.classify(tensor)
            if tied == true, headNames.contains(tensor.name), let embedding, embedding.shape == tensor.shape {
                role = .tiedCopy(of: embedding.name)
            }
            entries.append(Entry(tensor: tensor, role: role))
            switch role {
            case .parameter(let kind, let location, let count):
                totalParameters += count
                byKind[kind, default: 0] += count
                byArea[location.area, default: 0] += count
                byStorage[tensor.storage.name, default: 0] += count
                bytesByStorage[tensor.storage.name, default: 0] += tensor.byteCount
                if let block = location.block {
                    var entry = blocks[block] ?? BlockCount(block: block)
                    switch location {
                    case .attention: entry.attention += count
                    case .feedForward: entry.feedForward += count
                    default: entry.other += count
                    }
                    blocks[block] = entry
                }
                if case .other = location { unplaced.append(tensor.name) }
                if case .feedForward = location, Self.isRoutedExpert(tensor.name) { expertParameters += count }
            case .buffer: buffers.append(tensor)
            case .quantizationState: quantizationState.append(tensor)
            case .tiedCopy(let original): tiedCopies.append((tensor.name, original))
            }
        }
        self.entries = entries
        // Drop a stack name that every block shares (BERT's `encoder.layer.N` is just block N).
        var counts = blocks.values.sorted { $0.block < $1.block }
        if Set(counts.map(\.block.stack)).count == 1 {
            counts = counts.map {
                var c = $0; c.block = BlockID(index: c.block.index); return c
            }
        }
        perBlock = counts
    }

    /// Routed expert tensors: `experts.E.` (HF) or `_exps` (GGUF), not shared experts.
    static func isRoutedExpert(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.includes("shared_expert") || lower.includes("shexp") { return false }
        return lower.includes(".experts.") || lower.includes("_exps.") || lower.hasSuffix("_exps")
            || lower.includes(".experts_")
    }

    /// Parameters used per token: all but the routed experts not chosen, `expert × (1 − k/E)`.
    public func activeParameters(experts: Int?, perToken: Int?) -> Int? {
        guard expertParameters > 0 else { return totalParameters }
        guard let experts, let perToken, experts > 0 else { return nil }
        return totalParameters - expertParameters + (expertParameters / experts) * perToken
    }
}
