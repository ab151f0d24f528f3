/// The guide's scale tiers ("Typical trade-offs by parameter scale" in what-makes-a-parameter.txt).
public struct ScaleTier: Sendable, Hashable, Codable {
    public let name: String
    public let strengths: String
    public let limits: String

    /// The tier of a model with `parameters` parameters.
    public static func of(parameters: Int) -> ScaleTier {
        switch parameters {
        case ..<10_000_000:
            ScaleTier(
                name: "below 10M",
                strengths: "smaller than the usual smallest tier (10M–100M): fits any device",
                limits: "narrow tasks only"
            )
        case ..<100_000_000:
            ScaleTier(name: "10M–100M", strengths: "Edge-friendly, fast", limits: "Limited knowledge, struggles on complex language")
        case ..<1_000_000_000:
            ScaleTier(name: "100M–1B", strengths: "Balanced performance & cost", limits: "May need task-specific fine-tuning")
        default:
            ScaleTier(name: "1B–100B+", strengths: "Strong generalization, few-shot", limits: "High compute, latency, and memory")
        }
    }
}
