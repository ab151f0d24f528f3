/// The text report of `heft stats`.
public enum StatsText {
    /// `relative` and `k` are the options the scan ran with (thresholds × RMS, outliers more than k·σ from their tensor's mean).
    public static func render(_ report: StatsReport, relative: Bool, k: Double) -> String {
        let g = report.global
        func v(_ x: Double) -> String { x.isFinite ? Formatting.fixed(x, significant: 4) : "\(x)" }
        var out = [
            "Model         \(report.source)\(report.complete ? "" : " (partial: \(report.skipped.count) tensor(s) not scanned)")",
            "Scanned       \(Formatting.grouped(report.bytesScanned)) bytes, \(Formatting.grouped(g.elements)) parameters",
            "Values        min \(v(g.min))  max \(v(g.max))  mean \(v(g.mean))  std \(v(g.std))  |max| \(v(g.absMax))  (4 significant digits; exact in --json)",
            "Histogram     \(g.histogram.edges.first ?? 0) to \(g.histogram.edges.last ?? 0), \(g.histogram.counts.count) bins of \(g.histogram.binWidth) (log-scaled heights): \(Formatting.bars(g.histogram.counts))",
            "Zeros         \(Formatting.grouped(g.zeros)) (\(Formatting.percent(report.sparsity.sparsity))); NaN \(g.nan); ±Inf \(g.inf)",
            "Near zero     "
                + g.nearZero.map { "|w| < \($0.threshold)\(relative ? "·rms" : ""): \(Formatting.percent($0.fraction))" }.joined(
                    separator: "  "),
            "Outliers      \(Formatting.percent(g.outlierFraction)) more than \(k)·σ from their tensor's mean",
            "Sparse size   dense \(Formatting.decimalSize(report.sparsity.denseBytes)); bitmask \(Formatting.decimalSize(report.sparsity.bitmaskBytes)); CSR \(Formatting.decimalSize(report.sparsity.csrBytes))\(report.sparsity.looksPruned ? " — looks pruned" : "")",
            "              (\(SparseStorage.formulas), at the stored bytes per value)",
            "2:4           \(report.sparsity.twoFourTensors.isEmpty ? "no 2:4 structured tensors" : "\(report.sparsity.twoFourTensors.count) tensors follow 2:4")",
            "Damage        \(report.damage.verdict)\(report.complete ? "" : " in the scanned tensors (\(report.skipped.count) not scanned)")",
        ]
        // Packed weights are reported as the values their codes and scales stand for: say so, and how.
        out.insert(
            contentsOf: report.dequantized.map {
                "Dequantized   \(Formatting.grouped($0.tensors)) tensor\($0.tensors == 1 ? "" : "s") of \($0.rule)"
            }, at: 2)
        out += report.damage.issues.prefix(10).map { "  - \($0)" }
        var table = TextTable(header: ["Tensor", "elements", "zeros", "mean", "std", "|max|", "outliers"], rightAligned: [1, 2, 3, 4, 5, 6])
        for t in report.tensors {
            table.add([
                t.name, Formatting.grouped(t.elements), Formatting.grouped(t.zeros), Formatting.fixed(t.mean, significant: 4),
                Formatting.fixed(t.std, significant: 4), Formatting.fixed(t.absMax, significant: 4), Formatting.percent(t.outlierFraction),
            ])
        }
        out += ["", table.render(indent: "")]
        if !report.buffers.isEmpty { out.append("Buffers (not parameters): " + report.buffers.map(\.name).joined(separator: ", ")) }
        // Tensors not scanned, a line per reason (in first-seen order) with the first names: a packed checkpoint
        // skips every weight matrix for one reason.
        var reasons: [String] = []
        var names: [String: [String]] = [:]
        for s in report.skipped {
            if names[s.reason] == nil { reasons.append(s.reason) }
            names[s.reason, default: []].append(s.name)
        }
        for reason in reasons {
            let all = names[reason] ?? []
            let shown = all.prefix(3).joined(separator: ", ") + (all.count > 3 ? ", and \(all.count - 3) more (every name in --json)" : "")
            out.append("Not scanned: \(all.count == 1 ? shown : "\(all.count) tensors (\(shown))"): \(reason)")
        }
        return out.joined(separator: "\n")
    }
}
