import Foundation
import HeftTestSupport
import Testing

/// Every command ends the same way: 0 with a report, 64 for a command-line mistake, 1 for a refused input, each
/// failure as one line on standard error that names what was wrong.
@Suite struct ExitCodeTests {
    static let llama = Fixtures.config("llama-2-7b.json")

    /// (arguments, expected exit code, words the one-line message must contain)
    static let cases: [([String], Int32, String)] = [
        (["memory", llama, "--context", "-5"], 64, "context: must be between 1"),
        (["memory", llama, "--context", "abc"], 64, "'abc' is invalid"),
        (["memory", llama, "--gpu", "h100-sxn"], 64, "unknown hardware 'h100-sxn'"),
        (["memory", llama, "--kv-cache", "q9"], 64, "'q9' is invalid for '--kv-cache"),
        (["memory", llama, "--weights", "Q9_K"], 64, "unknown precision 'Q9_K'"),
        (["memory", llama, "--bogus"], 64, "Unknown option '--bogus'"),
        (["memory"], 64, "model: is required: give model, example, params, command or log"),
        (["plan", "quantize", llama, "--budget", "6XB"], 64, "'6XB' is not a size"),
        (["plan", "distill", llama], 64, "ratio: is required: give ratio, studentParams or pair"),
        (["plan", "prune", llama], 64, "is required: give dropLayers, keepHeads, keepFfn, keepExperts, sparsity or twoFour"),
        (["plan", "lowrank", llama, "--rank", "0"], 64, "rank: must be between 1 and"),
        (["stats", llama, "--bins", "0"], 64, "bins: must be between 2 and 64"),
        (["stats", llama, "--bins", "1"], 64, "bins: must be between 2 and 64"),
        (["serve", "--port", "70000"], 64, "port must be between 0 and 65535"),
        (["nonsense"], 64, "nonsense"),
        (["memory", llama, "--train", "--zero", "3"], 64, "zero: ZeRO-3 shards over devices"),
        (["memory", llama, "--train", "--devices", "4", "--gpu", "a100-80gbx8"], 64, "devices: 4 devices, but gpu names 8"),
        (["inspect", "/nonexistent/model.gguf"], 1, "/nonexistent/model.gguf"),
        (["memory", "/nonexistent/config.json"], 1, "/nonexistent/config.json"),
        (["inspect", Fixtures.packageRoot + "/Package.swift"], 1, "Package.swift"),
        // A config has no weights to scan: refused with a reason, never "no damage found".
        (["stats", llama], 1, "statistics need the weights"),
        (["memory", llama, "--devices", "8"], 1, "devices: devices counts training replicas"),
        (["plan", "distill", llama, "--student-params", "9B"], 1, "studentParams: the student (9,000,000,000) must have fewer parameters"),
    ]

    @Test(arguments: cases.indices) func exitCodeAndOneLine(index: Int) throws {
        let (arguments, code, words) = Self.cases[index]
        let run = try InspectCommandTests.heft(arguments)
        #expect(run.status == code, "\(arguments): \(run.stderr)")
        #expect(run.stdout.isEmpty, "\(arguments)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(run.stderr)")
        #expect(run.stderr.hasPrefix("heft: error: "), "\(arguments)")
        #expect(run.stderr.contains(words), "\(arguments): \(run.stderr)")
    }

    /// A file cut inside its header says so in plain words, with how many bytes are at least missing.
    @Test func truncatedHeaderSaysTruncatedDownload() throws {
        let directory = try TemporaryDirectory()
        for (name, length) in [("cut.gguf", 1_000), ("cut.safetensors", 2_000), ("cut-early.gguf", 20)] {
            let source = Fixtures.path(name.hasSuffix(".gguf") ? "gguf/all-MiniLM-L6-v2.F16.gguf" : "all-MiniLM-L6-v2/model.safetensors")
            let path = try directory.copy(source, to: name, length: length)
            let run = try InspectCommandTests.heft(["inspect", path])
            #expect(run.status == 1, "\(name)")
            #expect(run.stderr.contains("truncated download"), "\(name): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(name)")
        }
    }

    @Test func versionNamesTheRelease() throws {
        let run = try InspectCommandTests.heft(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("heft 0.2.0 ("))
    }
}
