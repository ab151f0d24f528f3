import Foundation
import HeftKit
import HeftTestSupport
import HeftWeb
import Hummingbird
import HummingbirdTesting
import Testing

/// Every endpoint through HummingbirdTesting's router client, including bad input and traversal attempts.
@Suite struct APITests {
    static func app(models: [String] = [Fixtures.path("gguf")]) -> some ApplicationProtocol {
        var configuration = ServeConfiguration()
        configuration.modelDirectories = models
        configuration.maxBodyBytes = 64 * 1024
        return buildApplication(configuration)
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    @Test func modelsListsTheFolderAndTheBundledExamples() async throws {
        try await Self.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/models", method: .get)
            #expect(response.status == .ok)
            let object = try Self.object(response)
            let names = (object["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
            #expect(names.contains("gguf/all-MiniLM-L6-v2.Q8_0.gguf"))
            #expect(names.count == 8)
            #expect((object["examples"] as? [String])?.contains("llama-3.1-8b") == true)
            #expect((object["distillExamples"] as? [Any])?.count == 25)
            // Server paths never leave the machine: models are named by ROOT/PATH.
            #expect(!String(buffer: response.body).contains(Fixtures.root))
        }
    }

    @Test func inspectReturnsTheReportAndTheAnatomyChart() async throws {
        try await Self.app().test(.router) { client in
            let response = try await client.execute(uri: "/api/inspect?model=gguf/all-MiniLM-L6-v2.Q4_0.gguf", method: .get)
            #expect(response.status == .ok)
            let object = try Self.object(response)
            #expect((object["parameters"] as? [String: Any])?["total"] as? Int == 22_565_376)
            #expect(object["source"] as? String == "gguf/all-MiniLM-L6-v2.Q4_0.gguf")
            #expect(((object["charts"] as? [String: String])?["anatomy"])?.contains("data-mark=\"bar\"") == true)
            #expect(!String(buffer: response.body).contains(Fixtures.root))
        }
    }

    /// Answers are cached, but a model file that changes is read again: the same request names a Q4_0 file, then
    /// the Q8_0 file copied over it.
    @Test func aChangedFileIsReadAgain() async throws {
        let directory = try TemporaryDirectory()
        let root = directory.path + "/models"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf"), toPath: root + "/m.gguf")
        try await Self.app(models: [root]).test(.router) { client in
            func fileBytes() async throws -> Int? {
                let response = try await client.execute(uri: "/api/inspect?model=models/m.gguf", method: .get)
                return (try Self.object(response)["bytes"] as? [String: Any])?["file"] as? Int
            }
            let first = try await fileBytes()
            #expect(try await fileBytes() == first)
            try FileManager.default.removeItem(atPath: root + "/m.gguf")
            try FileManager.default.copyItem(atPath: Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf"), toPath: root + "/m.gguf")
            let second = try await fileBytes()
            #expect(first != nil && second != nil && first != second)
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/m.gguf")
            #expect(second == (attributes[.size] as? NSNumber)?.intValue)
        }
    }

    @Test func pastedConfigIsCounted() async throws {
        let config = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.config("llama-2-7b.json"))), as: UTF8.self)
        try await Self.app().test(.router) { client in
            let response = try await Self.post(client, "/api/inspect/config", config)
            #expect(response.status == .ok)
            #expect((try Self.object(response)["parameters"] as? [String: Any])?["total"] as? Int == 6_738_415_616)
        }
    }

    @Test func memoryOfABundledExample() async throws {
        try await Self.app(models: []).test(.router) { client in
            let response = try await Self.post(client, "/api/memory", #"{"example":"llama-2-7b","context":4096,"gpu":"rtx-4090"}"#)
            #expect(response.status == .ok)
            let object = try Self.object(response)
            #expect(object["kvCacheBytes"] as? Int == 32 * 32 * 128 * 2 * 2 * 4096)
            #expect(object["fits"] as? Bool == true)
            #expect(((object["charts"] as? [String: String])?["memory"])?.contains("data-mark=\"capacity\"") == true)
        }
    }

    @Test func distillReturnsTheCLIFields() async throws {
        try await Self.app(models: []).test(.router) { client in
            let response = try await Self.post(
                client, "/api/plan/distill",
                #"{"params":109482240,"ratio":5,"lambda":1,"baseTokens":1e9,"method":"logit","temperature":2}"#)
            #expect(response.status == .ok)
            let object = try Self.object(response)
            #expect(object["studentParameters"] as? Int == 21_896_448)  // 109,482,240 ÷ 5
            #expect(abs((object["accuracyPercent"] as? Double ?? 0) - (100 - 12 * log10(5.0))) < 1e-9)
            #expect(object["compressionRatio"] as? Double == 5)
            let charts = try #require(object["charts"] as? [String: String])
            #expect(charts["teacherStudent"]?.components(separatedBy: "data-mark=\"bar\"").count == 3)
            #expect(charts["accuracy"]?.contains("data-mark=\"plan\"") == true)
        }
    }

    @Test func quantizeSizesTheBundledLlama31Exactly() async throws {
        try await Self.app(models: []).test(.router) { client in
            let response = try await Self.post(client, "/api/plan/quantize", #"{"example":"llama-3.1-8b","context":4096,"budget":"6GB"}"#)
            #expect(response.status == .ok)
            let schemes = try #require(try Self.object(response)["schemes"] as? [[String: Any]])
            #expect(schemes.first { $0["name"] as? String == "Q4_K_M" }?["bytes"] as? Int == 4_912_898_304)
        }
    }

    @Test func pipelineSteps() async throws {
        try await Self.app(models: []).test(.router) { client in
            let response = try await Self.post(
                client, "/api/plan/pipeline", #"{"example":"llama-3.1-8b","distill":2,"quantize":"Q4_K_M","targetMemory":"4GB"}"#)
            #expect(response.status == .ok)
            let steps = try #require(try Self.object(response)["steps"] as? [[String: Any]])
            #expect(steps.compactMap { $0["step"] as? String } == ["start", "distill", "quantize"])
        }
    }

    @Test func pagesAndAssetsAreServed() async throws {
        try await Self.app(models: []).test(.router) { client in
            for page in [
                "/", "/inspect", "/memory", "/distill", "/quantize", "/prune", "/lowrank", "/lora", "/pipeline", "/advise", "/stats", "/app.js",
                "/app.css", "/api/openapi.json", "/api/hardware",
            ] {
                let response = try await client.execute(uri: page, method: .get)
                #expect(response.status == .ok, "\(page)")
            }
            let openapi = try await client.execute(uri: "/api/openapi.json", method: .get)
            // One path per calculator, the three listings and the pasted config.
            #expect((try Self.object(openapi)["paths"] as? [String: Any])?.count == Calculators.all.count + 4)
        }
    }

    @Test(arguments: [
        ("../etc/passwd", 400), ("/etc/passwd", 400), ("gguf/../../etc/passwd", 400), ("gguf/./x", 400), ("gguf//x", 400),
        ("nope/model.gguf", 404), ("gguf/missing.gguf", 404), ("", 400), ("gguf/escape/passwd", 403),
    ])
    func traversalIsRefused(model: String, status: Int) async throws {
        // A root holding a symlink that leads outside it.
        let directory = try TemporaryDirectory()
        let root = directory.path + "/gguf"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: "/etc")
        try await Self.app(models: [root]).test(.router) { client in
            let escaped = model.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? model
            let response = try await client.execute(uri: "/api/inspect?model=\(escaped)", method: .get)
            #expect(Int(response.status.code) == status, "\(model)")
            #expect(try Self.object(response)["field"] as? String == "model")
        }
    }

    @Test(arguments: [
        ("/api/plan/distill", "{not json", "400"), ("/api/plan/distill", "[1,2]", "400"),
        ("/api/plan/distill", #"{"params":-5,"ratio":2}"#, "params"),
        ("/api/plan/distill", #"{"params":1e400,"ratio":2}"#, "400"),
        ("/api/plan/distill", #"{"params":1000,"ratio":"NaN"}"#, "ratio"),
        ("/api/plan/distill", #"{"params":1000,"ratio":0}"#, "ratio"),
        ("/api/plan/distill", #"{"params":1000,"ratio":0.5}"#, "ratio"),
        ("/api/plan/distill", #"{"params":1000,"ratio":2,"lambda":1e9}"#, "lambda"),
        ("/api/plan/distill", #"{"params":1000,"ratio":2,"method":"osmosis"}"#, "method"),
        ("/api/plan/distill", #"{"params":[1],"ratio":2}"#, "params"),
        ("/api/plan/distill", #"{"params":1000,"ratio":2,"teacherParameters":5}"#, "teacherParameters"),
        ("/api/plan/quantize", #"{"example":"gpt-9"}"#, "example"),
        ("/api/plan/quantize", #"{"example":"llama-2-7b","budget":"lots"}"#, "budget"),
        ("/api/plan/quantize", #"{"example":"llama-2-7b","gpu":"h100-sxn"}"#, "gpu"),
        ("/api/plan/pipeline", #"{"params":7e9,"quantize":"Q9_X"}"#, "400"),
        ("/api/inspect/config", #"{"config":{"model_type":"llama","hidden_size":"big"}}"#, "hidden_size"),
        ("/api/inspect", #"{"model":"../etc/passwd"}"#, "model"),
        ("/api/memory", #"{"example":"llama-2-7b","context":0}"#, "context"),
        ("/api/memory", #"{"example":"llama-2-7b","kvCache":"int3"}"#, "kvCache"),
    ])
    func badInputIsA4xxNamingTheField(uri: String, body: String, expected: String) async throws {
        try await Self.app(models: []).test(.router) { client in
            let response = try await Self.post(client, uri, body)
            #expect((400..<500).contains(Int(response.status.code)), "\(body)")
            let object = try Self.object(response)
            #expect(object["error"] is String)
            if expected != "400" { #expect(object["field"] as? String == expected, "\(body): \(object)") }
        }
    }

    /// A body whose fields all read but which is refused is a 422, as schema-valid requests must be (the fuzzer's
    /// find: LoRA with ZeRO-1 and no devices was a 400); a field that cannot be read stays a 400.
    @Test(arguments: [
        (#"{"params":2,"loraRank":"7K","zero":1}"#, 422, "zero"),
        (#"{"example":"llama-2-7b","context":0}"#, 422, "context"),
        (#"{"example":"llama-2-7b","context":"abc"}"#, 400, "context"),
        (#"{"example":"llama-2-7b","colour":"red"}"#, 400, "colour"),
    ])
    func readFieldsThatAreRefusedAre422(body: String, status: Int, field: String) async throws {
        try await Self.app(models: []).test(.router) { client in
            let response = try await Self.post(client, "/api/memory", body)
            #expect(Int(response.status.code) == status, "\(body)")
            #expect(try Self.object(response)["field"] as? String == field, "\(body)")
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await Self.app(models: []).test(.router) { client in
            let huge = "{\"config\":\"" + String(repeating: "x", count: 100_000) + "\"}"
            let response = try await Self.post(client, "/api/inspect/config", huge)
            #expect(response.status.code == 413)
        }
    }

    @Test func noInputProducesA5xx() async throws {
        let bodies = [
            "", "null", "{}", "{\"a\":", String(repeating: "[", count: 5000), "{\"params\":9223372036854775807,\"ratio\":1e-6}",
            "{\"params\":1e15,\"layers\":4096,\"hidden\":1048576,\"heads\":1}", "\u{0}\u{1}",
            "{\"example\":\"llama-3.1-8b\",\"context\":67108864,\"gpu\":\"h100-sxmx100000\"}",
        ]
        try await Self.app().test(.router) { client in
            for uri in Calculators.all.map({ "/api/" + $0.name }) + ["/api/inspect/config"] {
                for body in bodies {
                    let response = try await Self.post(client, uri, body)
                    #expect(response.status.code < 500, "\(uri) \(body.prefix(40)): \(String(buffer: response.body).prefix(200))")
                }
            }
            for query in [
                "model=%00", "model=gguf/%2e%2e/%2e%2e/etc", "params=-1", "params=abc", "context=99999999999999999999", "example=llama-2-7b&batch=0",
                "example=llama-2-7b&train=maybe",
            ] {
                let response = try await client.execute(uri: "/api/memory?\(query)", method: .get)
                #expect(response.status.code < 500, "\(query)")
            }
        }
    }
}
