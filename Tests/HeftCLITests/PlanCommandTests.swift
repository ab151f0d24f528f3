import Foundation
import HeftTestSupport
import Testing

@Suite struct PlanCommandTests {
    static func heft(_ arguments: [String]) throws -> InspectCommandTests.Run { try InspectCommandTests.heft(arguments) }

    @Test func distillJSONHasTheSeedFields() throws {
        let run = try Self.heft(["plan", "distill", "--json", "--params", "109482240", "--ratio", "1.65"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["studentParameters"] as? Int == 66_352_873)  // 109,482,240 ÷ 1.65 = 66,352,872.7
        #expect(object["compressionRatio"] as? Double == 1.65)
        #expect(object["accuracyPercent"] != nil && object["trainingTokens"] != nil)
    }

    @Test func quickExampleLoadsThePublishedPair() throws {
        let run = try Self.heft(["plan", "distill", "--json", "--pair", "minitron-4b"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["teacherParameters"] as? Int == 15_600_000_000)
        #expect(object["studentParameters"] as? Int == 4_200_000_000)
    }

    @Test func writeConfigProducesAConfigHeftCounts() throws {
        let directory = try TemporaryDirectory()
        let out = directory.path + "/student.json"
        let run = try Self.heft(["plan", "distill", "--json", Fixtures.config("mistral-7b-v0.1.json"), "--ratio", "2", "--write-config", out])
        #expect(run.status == 0, "\(run.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let width = try #require((plan["students"] as? [[String: Any]])?.first { $0["strategy"] as? String == "width" })
        let inspect = try Self.heft(["inspect", "--json", out])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        #expect((report["parameters"] as? [String: Any])?["total"] as? Int == width["parameters"] as? Int)
    }

    @Test func quantizeJSONUsesLlamaCppNames() throws {
        let run = try Self.heft(["plan", "quantize", "--json", "--budget", "8GB", Fixtures.config("llama-2-7b.json")])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let names = (object["schemes"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        for name in ["Q4_K_M", "IQ4_XS", "Q8_0", "IQ1_S", "NF4-DQ", "AWQ-4bit-g128", "FP8", "INT8", "BF16"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(object["recommended"] as? String != nil)
    }

    @Test func loraJSON() throws {
        let run = try Self.heft(["plan", "lora", "--json", "--rank", "8", "--targets", "q,v", Fixtures.config("llama-2-7b.json")])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["trainableParameters"] as? Int == 4_194_304)
        #expect(object["trainablePercent"] != nil)
    }

    @Test(
        arguments: [
            (["plan", "distill", "--params", "7e9", "--ratio", "0"], "ratio"),
            (["plan", "distill", "--params", "7e9", "--ratio", "0.5"], "ratio"),
            (["plan", "distill", "--params", "7e9", "--ratio", "nan"], "--ratio"),
            (["plan", "distill", "--params", "-7", "--ratio", "2"], "params"),
            (["plan", "distill", "--params", "7e9", "--ratio", "2", "--lambda", "99"], "lambda"),
            (["plan", "distill", "--params", "7e9", "--ratio", "2", "--pair", "gpt-9"], "pair"),
            (["plan", "distill", "--params", "7e9", "--ratio", "2", "--example", "gpt-9"], "example"),
            (["plan", "lora", "--params", "7e9", "--layers", "32", "--hidden", "4096", "--heads", "32", "--targets", "q,z"], "targets"),
            (["plan", "lora", "--params", "7e9", "--rank", "0"], "rank"),
            (["plan", "quantize", "--params", "7e9", "--budget", "lots"], "--budget"),
            (["plan", "pipeline", "--params", "7e9", "--quantize", "Q9_X"], "quantize"),
            (["advise", "--task", "epic"], "--task"),
        ] as [([String], String)])
    func badFlagsAreNamed(arguments: [String], flag: String) throws {
        let run = try Self.heft(arguments)
        #expect(run.status == 64, "\(arguments)")
        #expect(run.stderr.contains(flag), "\(arguments): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(arguments): \(run.stderr)")
    }
}
