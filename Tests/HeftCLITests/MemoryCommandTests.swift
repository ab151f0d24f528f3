import Foundation
import HeftTestSupport
import Testing

@Suite struct MemoryCommandTests {
    typealias Run = InspectCommandTests.Run
    static func heft(_ arguments: [String]) throws -> Run { try InspectCommandTests.heft(arguments) }

    @Test func jsonHasTheDocumentedFields() throws {
        let run = try Self.heft(["memory", "--json", "--gpu", "rtx-4090", "--context", "4096", Fixtures.config("mistral-7b-v0.1.json")])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in [
            "weightsBytes", "kvCacheBytes", "activationBytes", "overheadBytes", "totalBytes", "kvCacheBytesPerToken", "fits", "maxContext",
            "offloadLayers", "prefillTokensPerSecond", "decodeTokensPerSecond", "timeToFirstTokenSeconds", "flopsPerToken",
        ] {
            #expect(object[key] != nil, "\(key)")
        }
        #expect(object["kvCacheBytes"] as? Int == 32 * 8 * 128 * 2 * 2 * 4096)
        let total = ["weightsBytes", "kvCacheBytes", "activationBytes", "overheadBytes"].compactMap { object[$0] as? Int }.reduce(0, +)
        #expect(object["totalBytes"] as? Int == total)
    }

    /// A pasted launch command is the request: SmolLM2-135M (30 layers, 3 KV heads × 64) under llama-server with
    /// -c 4096 -np 2 and q8_0 K and V gives two streams of 2,048 cells, each row 192 values = 6 blocks × 34 bytes:
    /// 30 × (204 + 204) × 4,096 bytes of KV; the flag Heft does not read is named.
    @Test func aPastedCommandSetsTheLaunch() throws {
        let run = try Self.heft([
            "memory", "--json", Fixtures.path("llamacpp/smollm2-135m-q4_k_m.gguf"), "--command",
            "llama-server -m x.gguf -c 4096 -np 2 -fa on -ctk q8_0 -ctv q8_0 --frobnicate",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["engine"] as? String == "llama.cpp")
        let buffers = try #require(object["buffers"] as? [[String: Any]])
        #expect(buffers.first { $0["kind"] as? String == "kv" }?["bytes"] as? Int == 30 * (204 + 204) * 4096)
        #expect((object["warnings"] as? [String])?.contains { $0.contains("--frobnicate") } == true)
    }

    /// A recorded llama.cpp log: its settings are read and each buffer is printed beside Heft's, equal here.
    @Test func aLogIsComparedBufferByBuffer() throws {
        let log = Fixtures.packageRoot + "/Tests/Data/llamacpp/logs/gemma-3-270m-q4_k_m-c4096-ub512-np1-faon-kvf16.log"
        let run = try Self.heft(["memory", Fixtures.path("llamacpp/gemma-3-270m-q4_k_m.gguf"), "--log", log, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let rows = try #require((object["comparison"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["kind"] as? String }) == ["model", "kv", "compute", "output"])
        for row in rows {
            let difference = try #require(row["differenceMebibytes"] as? Double), resolution = try #require(row["resolutionMebibytes"] as? Double)
            #expect(abs(difference) <= resolution, "\(row)")
        }
        let text = try Self.heft(["memory", Fixtures.path("llamacpp/gemma-3-270m-q4_k_m.gguf"), "--log", log])
        #expect(text.status == 0 && text.stdout.contains("27.00"))
    }

    @Test func defaultShowsFourKAndTheMaximumSideBySide() throws {
        let run = try Self.heft(["memory", "--json", Fixtures.config("mistral-7b-v0.1.json")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let contexts = (object["estimates"] as? [[String: Any]])?.compactMap { $0["context"] as? Int }
        #expect(contexts == [4096, 32768])
    }

    @Test func trainingJSONHasGradientsAndOptimizer() throws {
        let run = try Self.heft(["memory", "--json", "--train", "--params", "7.5e9", "--context", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["gradientsBytes"] as? Int == 15_000_000_000)
        #expect(object["optimizerBytes"] as? Int == 90_000_000_000)
    }

    @Test(arguments: [
        ["memory", "--params", "nan"], ["memory", "--params", "-5"], ["memory", "--params", "1e30"],
        ["memory", "--params", "7e9", "--context", "0"], ["memory", "--params", "7e9", "--batch", "0"],
        ["memory", "--params", "7e9", "--weights", "q17"], ["memory", "--params", "7e9", "--kv-cache", "int3"],
        ["memory", "--params", "7e9", "--mfu", "2"], ["memory", "--params", "7e9", "--zero", "4"], ["memory"],
    ])
    func badFlagsAreUsageErrors(arguments: [String]) throws {
        let run = try Self.heft(arguments)
        #expect(run.status == 64, "\(arguments)")
        #expect(run.stderr.hasPrefix("heft: error: "), "\(arguments)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
    }

    @Test func unknownGPUFailsWithSuggestions() throws {
        let run = try Self.heft(["memory", "--params", "7e9", "--gpu", "h100-sxn"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("h100-sxm"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func contextBeyondTheModelWarnsButAnswers() throws {
        let run = try Self.heft(["memory", "--json", "--context", "100000", Fixtures.config("llama-2-7b.json")])
        #expect(run.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((object["warnings"] as? [String])?.contains { $0.contains("exceeds") } == true)
    }
}
