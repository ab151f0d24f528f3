import ArgumentParser
import Foundation
import HeftFormats
import HeftKit
import Synchronization

/// Set by the SIGINT handler; the progress task passes it on to the scanner.
let interruptRequested = Atomic<Bool>(false)

extension Heft {
    /// `heft stats SOURCE`: scans every weight — sparsity, outliers, damage.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every weight: zeros, near-zero fractions, NaN/Inf, min/max/mean/std, outliers, histograms, sparsity, damage."
        )

        @Argument(help: "The model (any SOURCE inspect reads).", completion: .file()) var source: String
        @Option(parsing: .upToNextOption, help: "Near-zero thresholds.") var thresholds: [Double] = [1e-6, 1e-4, 1e-3, 1e-2]
        @Flag(help: "Thresholds relative to each tensor's RMS.") var relative = false
        @Option(parsing: .unconditional, help: "Outliers are |w| > k·σ of their own tensor.") var k = 6.0
        @Option(parsing: .unconditional, help: "The most histogram bins (1–64); bin widths are powers of two.") var bins = 32
        @Flag(help: "Print JSON: {global{…}, tensors[…], buffers[…], skipped, sparsity, damage}.") var json = false

        func validate() throws {
            guard !thresholds.isEmpty, thresholds.count <= StatsOptions.maximumThresholds, thresholds.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ValidationError("--thresholds takes 1 to \(StatsOptions.maximumThresholds) positive numbers")
            }
            guard k.isFinite, k > 0 else { throw ValidationError("--k must be a positive number") }
            guard (1...StatsOptions.maximumBins).contains(bins) else {
                throw ValidationError("--bins must be between 1 and \(StatsOptions.maximumBins)")
            }
        }

        func run() async throws {
            do {
                var options = StatsOptions()
                options.thresholds = thresholds
                options.relative = relative
                options.outlierK = k
                options.bins = bins
                let progress = StatsProgress()
                options.progress = progress
                signal(SIGINT) { _ in interruptRequested.store(true, ordering: .relaxed) }
                // A progress bar on stderr for scans longer than a second, when stderr is a terminal and not with --json.
                let showBar = !json && isatty(2) != 0
                let display = Task {
                    let start = Date()
                    var drew = false
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: 200_000_000)
                        if interruptRequested.load(ordering: .relaxed) { progress.cancelled.store(true, ordering: .relaxed) }
                        let elapsed = Date().timeIntervalSince(start)
                        guard showBar, elapsed > 1 else { continue }
                        let done = progress.done.load(ordering: .relaxed), total = max(1, progress.total.load(ordering: .relaxed))
                        let rate = Double(done) / elapsed
                        let left = rate > 0 ? Double(total - done) / rate : 0
                        let line =
                            "\r  scanned \(Formatting.decimalSize(done)) of \(Formatting.decimalSize(total)), \(Formatting.decimalSize(Int(rate)))/s, \(Int(left)) s left   "
                        FileHandle.standardError.write(Data(line.utf8))
                        drew = true
                    }
                    if drew { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                }
                defer { display.cancel() }
                let report = try await StatsScanner.scan(try ModelSource.open(source), options: options)
                display.cancel()
                if json {
                    print(try JSONOutput.encode(report))
                    return
                }
                let g = report.global
                var out = [
                    "Model         \(report.source)\(report.complete ? "" : " (partial: \(report.skipped.count) tensor(s) not scanned)")",
                    "Scanned       \(Formatting.grouped(report.bytesScanned)) bytes, \(Formatting.grouped(g.elements)) parameters",
                    "Values        min \(g.min)  max \(g.max)  mean \(g.mean)  std \(g.std)  |max| \(g.absMax)",
                    "Histogram     \(g.histogram.edges.first ?? 0) to \(g.histogram.edges.last ?? 0), \(g.histogram.counts.count) bins of \(g.histogram.binWidth) (log-scaled heights): \(Formatting.bars(g.histogram.counts))",
                    "Zeros         \(Formatting.grouped(g.zeros)) (\(Formatting.percent(report.sparsity.sparsity))); NaN \(g.nan); ±Inf \(g.inf)",
                    "Near zero     "
                        + g.nearZero.map { "|w| < \($0.threshold)\(relative ? "·rms" : ""): \(Formatting.percent($0.fraction))" }.joined(
                            separator: "  "),
                    "Outliers      \(Formatting.percent(g.outlierFraction)) beyond \(k)·σ of their tensor",
                    "Sparse size   dense \(Formatting.decimalSize(report.sparsity.denseBytes)); bitmask \(Formatting.decimalSize(report.sparsity.bitmaskBytes)); CSR \(Formatting.decimalSize(report.sparsity.csrBytes))\(report.sparsity.looksPruned ? " — looks pruned" : "")",
                    "              (\(SparseStorage.formulas), at the stored bytes per value)",
                    "2:4           \(report.sparsity.twoFourTensors.isEmpty ? "no 2:4 structured tensors" : "\(report.sparsity.twoFourTensors.count) tensors follow 2:4")",
                    "Damage        \(report.damage.verdict)",
                ]
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
                for s in report.skipped { out.append("Not scanned: \(s.name): \(s.reason)") }
                print(out.joined(separator: "\n"))
            } catch let error as FormatError where error.rule == .interrupted {
                throw ExitCode(130)
            }
        }
    }
}
