import Foundation
import HeftFormats
import HeftFuzzing
import HeftKit
import HeftTestSupport
import Testing

/// Every seed and every regression input found by fuzzing runs through its harness in-process: a trap here
/// fails the suite.
@Suite struct FuzzCorpusTests {
    static func files(_ folder: String, _ target: FuzzTarget) -> [String] {
        let directory = Fixtures.packageRoot + "/Tests/Fuzz/\(folder)/\(target.rawValue)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusAndRegressionsRunCleanly(target: FuzzTarget) async throws {
        let inputs = Self.files("corpus", target) + Self.files("regressions", target)
        #expect(!inputs.isEmpty)
        for path in inputs {
            await target.runAsync([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    /// Finding 1 (gguf, out-of-memory): a 5 KB file claiming 151,060,482 layers made the KV layout allocate
    /// gigabytes. GGUF architecture values now get config.json's plausibility bounds.
    @Test func implausibleBlockCountIsIgnoredWithAWarning() throws {
        let path = Fixtures.packageRoot + "/Tests/Fuzz/regressions/gguf/oom-block-count-151060482.gguf"
        let report = try InspectionReport.inspect(path)
        #expect(report.architecture.layers == nil)
        #expect(report.warnings.contains { $0.contains("151060482") })
    }
}
