internal import HeftFormats

/// A published teacher → student pair.
public struct DistillationPair: Sendable, Codable, Hashable {
    public let id: String
    /// `encoder`, `prune-distill`, `pretrain-distill`, `reasoning-sft`.
    public let family: String
    public let teacher: String
    public let teacherParameters: Int
    public let student: String
    public let studentParameters: Int
    public let ratio: Double
    public let method: String
    public let trainingTokens: Double?
    public let benchmark: String
    public let teacherScore: Double?
    public let studentScore: Double?
    /// Student score ÷ teacher score × 100 on `benchmark`.
    public let retention: Double?
    /// λ solving 100 − 12·λ·log₁₀(r) = retention.
    public let impliedLambda: Double?
    public let source: String
}

/// A published quantization quality result.
public struct QualityResult: Sendable, Codable, Hashable {
    public let method: String
    public let model: String
    public let metric: String
    public let baseline: Double?
    public let quantized: Double?
    public let delta: Double?
    public let kld: Double?
    public let weightBits: Int?
    public let groupSize: Int?
    public let source: String
}

/// A published pruning result.
public struct PruningResult: Sendable, Codable, Hashable {
    public let method: String
    public let sparsity: String
    public let model: String
    public let metric: String
    public let dense: Double?
    public let pruned: Double?
    public let source: String
}

/// The published figures Heft's planners cite (`PublishedData.swift`, generated from published.json).
public enum Evidence {
    public static let families: [(id: String, description: String)] = document.families
    public static let pairs: [DistillationPair] = document.pairs
    public static let quantization: [QualityResult] = document.quantization
    public static let pruning: [PruningResult] = document.pruning

    private static let document:
        (families: [(id: String, description: String)], pairs: [DistillationPair], quantization: [QualityResult], pruning: [PruningResult]) = {
            guard let root = try? JSONParser.parse(Array(publishedDataJSON.utf8)).objectValue else { return ([], [], [], []) }
            func string(_ o: JSONObject, _ k: String) -> String { o[k]?.stringValue ?? "" }
            func double(_ o: JSONObject, _ k: String) -> Double? { o[k]?.numberValue?.double }
            let families = (root["families"]?.arrayValue ?? []).compactMap { $0.objectValue }.map { (string($0, "id"), string($0, "description")) }
            let pairs = (root["pairs"]?.arrayValue ?? []).compactMap { $0.objectValue }.compactMap { o -> DistillationPair? in
                guard let teacher = double(o, "teacherParameters"), let student = double(o, "studentParameters") else { return nil }
                return DistillationPair(
                    id: string(o, "id"), family: string(o, "family"), teacher: string(o, "teacher"), teacherParameters: Int(teacher),
                    student: string(o, "student"), studentParameters: Int(student), ratio: double(o, "ratio") ?? teacher / student,
                    method: string(o, "method"), trainingTokens: double(o, "trainingTokens"), benchmark: string(o, "benchmark"),
                    teacherScore: double(o, "teacherScore"), studentScore: double(o, "studentScore"), retention: double(o, "retention"),
                    impliedLambda: double(o, "impliedLambda"), source: string(o, "source")
                )
            }
            let quantization = (root["quantization"]?.arrayValue ?? []).compactMap { $0.objectValue }.map { o in
                QualityResult(
                    method: string(o, "method"), model: string(o, "model"), metric: string(o, "metric"), baseline: double(o, "baseline"),
                    quantized: double(o, "quantized"), delta: double(o, "delta"), kld: double(o, "kld"),
                    weightBits: o["weight_bits"]?.numberValue?.int, groupSize: o["group_size"]?.numberValue?.int, source: string(o, "source")
                )
            }
            let pruning = (root["pruning"]?.arrayValue ?? []).compactMap { $0.objectValue }.map { o in
                PruningResult(
                    method: string(o, "method"), sparsity: string(o, "sparsity"), model: string(o, "model"), metric: string(o, "metric"),
                    dense: double(o, "dense"), pruned: double(o, "pruned"), source: string(o, "source")
                )
            }
            return (families, pairs, quantization, pruning)
        }()

    /// λ presets per method family: median and range of the implied λ of the family's pairs.
    public struct LambdaPreset: Sendable, Codable, Hashable {
        public let family: String
        public let description: String
        public let median: Double
        public let minimum: Double
        public let maximum: Double
        public let pairs: Int
    }

    public static let presets: [LambdaPreset] = families.compactMap { family in
        let lambdas = pairs.filter { $0.family == family.id }.compactMap(\.impliedLambda).sorted()
        guard !lambdas.isEmpty else { return nil }
        let middle = lambdas.count / 2
        let median = lambdas.count % 2 == 1 ? lambdas[middle] : (lambdas[middle - 1] + lambdas[middle]) / 2
        return LambdaPreset(
            family: family.id, description: family.description, median: median, minimum: lambdas[0], maximum: lambdas[lambdas.count - 1],
            pairs: lambdas.count)
    }
}
