/// How a calculator's answer is shown: the JSON document (what `--json` prints and the web app returns) and its
/// charts by name (SVG). Text reports are in ``TextReport``, ``MemoryText``, ``PlanText`` and ``StatsText``.
public protocol Presentable: Sendable {
    associatedtype Document: Encodable & Sendable
    /// The JSON document.
    var document: Document { get }
    /// Charts by name, drawn by ``Charts``.
    var charts: [String: String] { get }
}

extension Presentable where Self: Encodable {
    public var document: Self { self }
}

extension InspectionReport: Presentable {
    public var charts: [String: String] { ["anatomy": Charts.anatomy(self)] }
}

extension MemoryEstimate: Presentable {
    public var document: MemoryJSON { MemoryJSON(self) }
    public var charts: [String: String] {
        var charts = ["memory": Charts.memory(self)]
        if let sweep {
            charts["sweep"] = Charts.sweep(sweep)
            if sweep.points.contains(where: { $0.decodeTokensPerSecond != nil }) { charts["sweepSpeed"] = Charts.sweepSpeed(sweep) }
        }
        return charts
    }
}

extension DistillPlan: Presentable {
    public var charts: [String: String] { ["teacherStudent": Charts.teacherStudent(self), "accuracy": Charts.accuracyCurve(self)] }
}

extension QuantizePlan: Presentable {
    public var charts: [String: String] { ["quantization": Charts.quantization(self)] }
}

extension BatchPlan: Presentable {
    public var charts: [String: String] { ["batch": Charts.batch(self)] }
}

extension ModelComparison: Presentable {
    public var charts: [String: String] { ["compare": Charts.compare(self)] }
}

extension PrunePlan: Presentable { public var charts: [String: String] { [:] } }
extension LowRankPlan: Presentable { public var charts: [String: String] { [:] } }
extension LoRAPlan: Presentable { public var charts: [String: String] { [:] } }
extension PipelinePlan: Presentable { public var charts: [String: String] { [:] } }
extension Advice: Presentable { public var charts: [String: String] { [:] } }
extension StatsReport: Presentable {
    public var charts: [String: String] {
        let chart = Charts.histogram(self)
        return chart.isEmpty ? [:] : ["histogram": chart]
    }
}
