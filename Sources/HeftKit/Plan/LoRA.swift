internal import HeftFormats

/// The matrices LoRA can adapt, by their common short names.
public enum LoRAModule: String, Sendable, Hashable, Codable, CaseIterable {
    case q, k, v, o, gate, up, down

    /// `q,v`, `qv`, `all`, `attention`, `mlp`, or a comma list of module names.
    public static func parse(_ text: String) -> [LoRAModule]? {
        switch text.lowercased() {
        case "qv": return [.q, .v]
        case "all", "all-linear": return allCases
        case "attention", "attn": return [.q, .k, .v, .o]
        case "mlp", "ffn": return [.gate, .up, .down]
        default:
            let modules = text.lowercased().split(separator: ",").map { String($0).trimmingWhitespace() }
            let parsed = modules.compactMap { name -> LoRAModule? in
                switch name {
                case "q", "q_proj", "wq", "query": .q
                case "k", "k_proj", "wk", "key": .k
                case "v", "v_proj", "wv", "value": .v
                case "o", "o_proj", "wo", "out_proj": .o
                case "gate", "gate_proj", "w1": .gate
                case "up", "up_proj", "w3": .up
                case "down", "down_proj", "w2": .down
                default: nil
                }
            }
            return parsed.count == modules.count && !parsed.isEmpty ? Array(Set(parsed)).sorted { $0.order < $1.order } : nil
        }
    }

    var order: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// (d_in, d_out) of the matrix in one layer; `nil` when the architecture has no such matrix.
    func shape(_ a: Architecture) -> (input: Int, output: Int)? {
        guard let h = a.hiddenSize, let heads = a.heads else { return nil }
        let d = a.headDim ?? h / max(heads, 1)
        let kv = a.kvHeads ?? heads
        let ffn = a.ffnSize ?? 4 * h
        // Without a family a config is taken as Llama-like (gated); a GGUF architecture Heft has no family for as not.
        let gated = a.family?.hasGatedFeedForward ?? (a.familyName == nil)
        switch self {
        case .q: return (h, heads * d)
        case .k, .v: return (h, kv * d)
        case .o: return (heads * d, h)
        case .gate: return gated ? (h, ffn) : nil
        case .up: return (h, ffn)
        case .down: return (ffn, h)
        }
    }
}

/// LoRA's trainable parameters: rank × (d_in + d_out) per adapted matrix per layer (Hu et al. 2021).
public struct LoRACount: Sendable, Codable {
    public let rank: Int
    public let modules: [String]
    /// Trainable parameters per module across all layers.
    public let perModule: [String: Int]
    public let trainableParameters: Int
    /// Modules the architecture does not have (a non-gated MLP has no `gate`).
    public let missing: [String]

    public init(architecture a: Architecture, rank: Int, modules: [LoRAModule]) {
        let layers = a.layers ?? 0
        // Mixture of experts: each expert has its own FFN matrices.
        let experts = a.experts ?? 1
        var perModule: [String: Int] = [:]
        var missing: [String] = []
        for module in modules {
            guard let (input, output) = module.shape(a) else {
                missing.append(module.rawValue)
                continue
            }
            let copies = [.gate, .up, .down].contains(module) ? experts : 1
            perModule[module.rawValue] = rank * (input + output) * layers * copies
        }
        self.rank = rank
        self.modules = modules.map(\.rawValue)
        self.perModule = perModule
        self.trainableParameters = perModule.values.reduce(0, +)
        self.missing = missing
    }
}
