import ArgumentParser
import Foundation
import HeftFormats
import HeftKit
import HeftRemote
import Synchronization

/// Set by the SIGINT handler; the progress task passes it on to the scanner.
let interruptRequested = Atomic<Bool>(false)

extension Heft {
    /// `heft stats SOURCE`: scans every weight — sparsity, outliers, damage.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stats",
            abstract: "Read every weight: zeros, near-zero fractions, NaN/Inf, min/max/mean/std, outliers, histograms, sparsity, damage."
        )

        private static func help(_ name: String) -> ArgumentHelp { ArgumentHelp(StatsQuery.help(name)) }

        @Argument(help: Self.help("model"), completion: .file()) var model: String
        @Option(help: Self.help("thresholds")) var thresholds: String?
        @Flag(help: Self.help("relative")) var relative = false
        @Option(parsing: .unconditional, help: Self.help("k"), transform: Value.real) var k: Double?
        @Option(parsing: .unconditional, help: Self.help("bins"), transform: Value.whole) var bins: Int?
        @Flag(help: "Print JSON: {global{…}, tensors[…], buffers[…], skipped, sparsity, damage}.") var json = false
        @Option(help: "Also write the histogram chart as an SVG file.", completion: .file()) var svg: String?
        @Flag(
            help:
                "For a model on the Hub or in Ollama's registry: download its weights into memory (never to disk) for the scan, with a progress bar."
        )
        var download = false

        var query: StatsQuery {
            get throws {
                var query = StatsQuery()
                query.model = model
                try setText(&query, "thresholds", thresholds)
                query.relative = relative
                if let k { query.k = k }
                if let bins { query.bins = bins }
                return query
            }
        }

        func run() async throws {
            do {
                let query = try query
                try query.validate()
                let progress = StatsProgress()
                let downloaded = DownloadProgress()
                let options = query.options(progress: progress)
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
                        // While a remote model downloads, its bytes; then the scan's.
                        let fetching = downloaded.done.load(ordering: .relaxed) < downloaded.total.load(ordering: .relaxed)
                        let done = fetching ? downloaded.done.load(ordering: .relaxed) : progress.done.load(ordering: .relaxed)
                        let total = max(1, fetching ? downloaded.total.load(ordering: .relaxed) : progress.total.load(ordering: .relaxed))
                        let rate = Double(done) / elapsed
                        let left = rate > 0 ? Double(total - done) / rate : 0
                        let line =
                            "\r  \(fetching ? "downloaded" : "scanned") \(Formatting.decimalSize(done)) of \(Formatting.decimalSize(total)), \(Formatting.decimalSize(Int(rate)))/s, \(Int(left)) s left   "
                        FileHandle.standardError.write(Data(line.utf8))
                        drew = true
                    }
                    if drew { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                }
                defer { display.cancel() }
                let models = RemoteModels()
                let report =
                    download
                    ? try await models.downloadingStatistics(model, options: options, progress: downloaded)
                    : try await models.statistics(model, options: options)
                display.cancel()
                if let svg {
                    guard let chart = report.charts["histogram"] else {
                        throw CommandFailure(message: "--svg: no finite value was scanned, so there is no histogram", isUsageError: false)
                    }
                    try writeText(chart + "\n", to: svg)
                }
                if json {
                    print(try JSONOutput.encode(report))
                    return
                }
                print(StatsText.render(report, relative: query.relative, k: query.k))
            } catch let error as FormatError where error.rule == .interrupted {
                throw ExitCode(130)
            }
        }
    }
}
