/// What a parameter is, the guide's first axis ("Distinguish parameter types").
public enum ParameterKind: String, Sendable, Hashable, Codable, CaseIterable {
    case weight, bias, embedding, norm, adapter, other
}

/// A transformer block, possibly in one of several stacks (`encoder.3`, `decoder.0`, `vision.12`).
public struct BlockID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The stack name, empty for single-stack models.
    public let stack: String
    public let index: Int

    public init(stack: String = "", index: Int) {
        self.stack = stack
        self.index = index
    }

    public var description: String { stack.isEmpty ? "\(index)" : "\(stack).\(index)" }

    public static func < (lhs: BlockID, rhs: BlockID) -> Bool { (lhs.stack, lhs.index) < (rhs.stack, rhs.index) }
}

/// Where a parameter lives, the guide's second axis ("Where they live").
public enum Location: Sendable, Hashable {
    case embeddings
    case attention(BlockID)
    case feedForward(BlockID)
    /// LM head, classifier, pooler, and the final norm that feeds them.
    case head
    /// Not recognized, or in a block but neither attention nor feed-forward.
    case other(BlockID?)

    /// A location without its block.
    public enum Area: String, Sendable, Hashable, Codable, CaseIterable {
        case embeddings, attention, feedForward, head, other
    }

    /// The location without its block.
    public var area: Area {
        switch self {
        case .embeddings: .embeddings
        case .attention: .attention
        case .feedForward: .feedForward
        case .head: .head
        case .other: .other
        }
    }

    public var block: BlockID? {
        switch self {
        case .attention(let block), .feedForward(let block): block
        case .other(let block): block
        case .embeddings, .head: nil
        }
    }
}

/// What a checkpoint tensor is for.
public enum TensorRole: Sendable, Hashable {
    /// A learned value, with its logical element count (packed quantized weights hold several per element).
    case parameter(kind: ParameterKind, location: Location, logicalElements: Int)
    /// Stored but not learned: position ids, rotary frequencies, causal masks, batch-norm counters.
    case buffer(reason: String)
    /// Scales, zero points and indices that describe a quantized weight; they cost bytes, not parameters.
    case quantizationState
    /// A second stored copy of a tied matrix (LM head = embedding); counted once.
    case tiedCopy(of: String)

    public var isParameter: Bool {
        if case .parameter = self { return true }
        return false
    }
}
