import Foundation
import HeftTestSupport
import Testing

/// Runs the built `heft` binary as a user would.
@Suite struct InspectCommandTests {
    typealias Run = HeftBinary.Run

    static func heft(_ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        try HeftBinary.run(arguments, environment: environment)
    }

    @Test func textReportNamesTheAnatomy() throws {
        let run = try Self.heft(["inspect", Fixtures.path("all-MiniLM-L6-v2")])
        #expect(run.status == 0)
        #expect(run.stdout.contains("22,713,216"))
        #expect(run.stdout.contains("encoder.layer.{0–5}.attention.self.query.weight"))
        #expect(run.stdout.contains("0–5 (×6)"))
        #expect(run.stdout.contains("Buffers"))
    }

    @Test func jsonHasTheDocumentedSchema() throws {
        let run = try Self.heft(["inspect", "--json", Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf")])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.first?["complete"] as? Bool == true)
        for key in ["format", "complete", "files", "parameters", "buffers", "bytes", "architecture", "tier", "warnings"] {
            #expect(object[key] != nil, "\(key)")
        }
        let parameters = try #require(object["parameters"] as? [String: Any])
        for key in ["total", "active", "embeddingShare", "byKind", "byLocation", "byStorage", "perBlock"] {
            #expect(parameters[key] != nil, "parameters.\(key)")
        }
        let architecture = try #require(object["architecture"] as? [String: Any])
        for key in [
            "family", "layers", "hiddenSize", "heads", "kvHeads", "headDim", "ffnSize", "vocabSize", "contextLength", "experts", "expertsPerToken",
            "slidingWindow", "tiedEmbeddings",
        ] {
            #expect(architecture.keys.contains(key), "architecture.\(key)")
        }
        #expect(object["tensors"] == nil, "tensors only with --all-tensors")
    }

    @Test func allTensorsAddsEveryTensorToJSON() throws {
        let run = try Self.heft(["inspect", "--json", "--all-tensors", Fixtures.path("all-MiniLM-L6-v2")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let reference = try Fixtures.reference()
        let entry = try #require((reference["safetensors"] as? [String: Any])?["all-MiniLM-L6-v2/model.safetensors"] as? [String: Any])
        #expect((object["tensors"] as? [Any])?.count == (entry["tensors"] as? [Any])?.count)
    }

    @Test func partialDownloadExitsZeroWithCompleteFalse() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.copy(Fixtures.path("gguf/all-MiniLM-L6-v2.F16.gguf"), to: "m.gguf", length: 5_000_000)
        let run = try Self.heft(["inspect", "--json", path])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["complete"] as? Bool == false)
    }

    @Test(arguments: [
        ("empty", [UInt8]()),
        ("garbage", Array("hello, world".utf8)),
        ("badgguf.gguf", Array("GGUF".utf8) + [1, 0, 0, 0] + [UInt8](repeating: 0, count: 16)),
    ])
    func malformedFileFailsWithOneLine(name: String, bytes: [UInt8]) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(name, bytes)
        let run = try Self.heft(["inspect", path])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(run.stderr.contains(path))
    }

    @Test func missingPathFails() throws {
        let run = try Self.heft(["inspect", "/nonexistent/model.gguf"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no such file"))
    }

    @Test func badFlagIsAUsageError() throws {
        let run = try Self.heft(["inspect", "--no-such-flag", Fixtures.path("all-MiniLM-L6-v2")])
        #expect(run.status == 64)
    }

    @Test func directoryWithoutModelFilesFails() throws {
        let directory = try TemporaryDirectory()
        let run = try Self.heft(["inspect", directory.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no-model-files"))
    }
}
