import Foundation
import HeftKit
import HeftTestSupport
import Testing

/// Real cache layouts built in temporary folders around the fixture files.
@Suite struct DiscoveryTests {
    let root: TemporaryDirectory
    let environment: [String: String]
    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let ggufDigest = String(repeating: "ab", count: 32)

    init() throws {
        root = try TemporaryDirectory()
        let fm = FileManager.default
        // Hugging Face hub cache: refs/main → snapshots/<commit>/ whose files are relative symlinks into blobs/.
        let repo = root.path + "/hub/models--sentence-transformers--all-MiniLM-L6-v2"
        try fm.createDirectory(atPath: repo + "/blobs", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: repo + "/snapshots/\(Self.commit)", withIntermediateDirectories: true)
        try root.write("hub/models--sentence-transformers--all-MiniLM-L6-v2/refs/main", text: Self.commit)
        for (file, blob) in [("config.json", "c0ffee01"), ("model.safetensors", "c0ffee02")] {
            try fm.createSymbolicLink(atPath: repo + "/blobs/" + blob, withDestinationPath: Fixtures.path("all-MiniLM-L6-v2/" + file))
            try fm.createSymbolicLink(atPath: repo + "/snapshots/\(Self.commit)/" + file, withDestinationPath: "../../blobs/" + blob)
        }
        // A second repo whose snapshot links to a blob that was never downloaded.
        let broken = root.path + "/hub/models--acme--broken/snapshots/\(Self.commit)"
        try fm.createDirectory(atPath: broken, withIntermediateDirectories: true)
        try root.write("hub/models--acme--broken/refs/main", text: Self.commit)
        try fm.createSymbolicLink(atPath: broken + "/model.safetensors", withDestinationPath: "../../blobs/missing")
        // A third repo with a snapshot but no weights.
        try root.write("hub/models--acme--readme-only/refs/main", text: Self.commit)
        try root.write("hub/models--acme--readme-only/snapshots/\(Self.commit)/README.md", text: "# nothing")

        // Ollama: manifests/<host>/<namespace>/<model>/<tag> naming the GGUF layer by digest.
        let manifest =
            #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:\#(String(repeating: "00", count: 32))","size":2},"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:\#(Self.ggufDigest)","size":13282048},{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:\#(String(repeating: "11", count: 32))","size":10}]}"#
        try root.write("ollama/manifests/registry.ollama.ai/library/minilm/latest", text: manifest)
        try fm.createDirectory(atPath: root.path + "/ollama/blobs", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf"), toPath: root.path + "/ollama/blobs/sha256-" + Self.ggufDigest)
        try root.write("ollama/manifests/registry.ollama.ai/library/notjson/latest", text: "{not json")
        // Modelfiles with PARAMETER num_ctx 256 (within MiniLM's trained 512) and 2048 (past it): their params layers.
        for (tag, numCtx, digit) in [("ctx", 256, "e"), ("long", 2048, "f")] {
            let params = String(repeating: digit, count: 64)
            try root.write("ollama/blobs/sha256-" + params, text: #"{"num_ctx":\#(numCtx),"stop":["<|end|>"]}"#)
            try root.write(
                "ollama/manifests/registry.ollama.ai/library/minilm/" + tag,
                text: manifest.replacingOccurrences(
                    of: #"{"mediaType":"application/vnd.ollama.image.template""#,
                    with:
                        #"{"mediaType":"application/vnd.ollama.image.params","digest":"sha256:\#(params)","size":34},{"mediaType":"application/vnd.ollama.image.template""#
                ))
        }
        try root.write(
            "ollama/manifests/registry.ollama.ai/library/noblob/q4",
            text: manifest.replacingOccurrences(of: Self.ggufDigest, with: String(repeating: "cd", count: 32)))

        // LM Studio: <home>/.lmstudio/models/<publisher>/<model>/ with two quantizations side by side.
        let lmstudio = root.path + "/home/.lmstudio/models/acme/minilm-GGUF"
        try fm.createDirectory(atPath: lmstudio, withIntermediateDirectories: true)
        for type in ["Q4_0", "Q8_0"] {
            try fm.createSymbolicLink(
                atPath: lmstudio + "/minilm.\(type).gguf", withDestinationPath: Fixtures.path("gguf/all-MiniLM-L6-v2.\(type).gguf"))
        }
        environment = [
            "HOME": root.path + "/home", "HF_HUB_CACHE": root.path + "/hub", "OLLAMA_MODELS": root.path + "/ollama", "HF_HUB_OFFLINE": "1",
        ]
    }

    func heft(_ arguments: [String]) throws -> InspectCommandTests.Run { try InspectCommandTests.heft(arguments, environment: environment) }

    func json(_ run: InspectCommandTests.Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func huggingFaceRepoIDResolvesThroughRefsAndSymlinks() throws {
        let run = try heft(["inspect", "--json", "sentence-transformers/all-MiniLM-L6-v2"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try json(run)
        #expect(object["source"] as? String == "sentence-transformers/all-MiniLM-L6-v2")
        #expect((object["parameters"] as? [String: Any])?["total"] as? Int == 22_713_216)
        let revision = try heft(["inspect", "--json", "sentence-transformers/all-MiniLM-L6-v2@\(Self.commit)"])
        #expect(revision.status == 0, "\(revision.stderr)")
    }

    /// Ollama runs a model at its Modelfile's num_ctx when no context is asked for; without one, at its default.
    @Test func ollamaModelfileSetsTheContext() throws {
        let run = try heft(["memory", "--json", "--engine", "ollama", "ollama:minilm:ctx"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try json(run)
        #expect((object["estimates"] as? [[String: Any]])?.compactMap { $0["context"] as? Int } == [256])
        let numCtx = (object["assumptions"] as? [String: String])?["numCtx"]
        #expect(numCtx?.contains("Modelfile") == true)
        let plain = try json(try heft(["memory", "--json", "--engine", "ollama", "ollama:minilm"]))
        #expect((plain["estimates"] as? [[String: Any]])?.compactMap { $0["context"] as? Int } == [512])
        // llm/server.go clamps a num_ctx past the trained length to it, and says so; so does Heft.
        let long = try json(try heft(["memory", "--json", "--engine", "ollama", "ollama:minilm:long"]))
        #expect((long["estimates"] as? [[String: Any]])?.compactMap { $0["context"] as? Int } == [512])
        #expect((long["warnings"] as? [String])?.contains { $0.contains("requested context size too large for model") } == true)
    }

    @Test func ollamaNameResolvesToItsModelLayerAndIsReportedByName() throws {
        let run = try heft(["inspect", "--json", "ollama:minilm"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try json(run)
        #expect(object["source"] as? String == "ollama:minilm:latest")
        #expect((object["parameters"] as? [String: Any])?["total"] as? Int == 22_565_376)
        let memory = try heft(["memory", "--json", "--context", "512", "ollama:minilm:latest"])
        #expect(memory.status == 0, "\(memory.stderr)")
        #expect(try json(memory)["model"] as? String == "ollama:minilm:latest")
    }

    @Test func lmStudioFolderResolves() throws {
        let run = try heft(["inspect", "--json", "lmstudio:acme/minilm-GGUF/minilm.Q8_0.gguf"])
        #expect(run.status == 0, "\(run.stderr)")
        let ambiguous = try heft(["inspect", "acme/minilm-GGUF"])
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("2 GGUF models"))
    }

    @Test func missingNamesSayWhereHeftLookedAndSuggest() throws {
        let run = try heft(["inspect", "sentence-transformers/all-MiniLM-L6-v3"])
        #expect(run.status == 1)
        #expect(run.stderr.contains(environment["HF_HUB_CACHE"] ?? "?"))
        #expect(run.stderr.contains("sentence-transformers/all-MiniLM-L6-v2"))
        let ollama = try heft(["inspect", "ollama:minilmm"])
        #expect(ollama.status == 1)
        #expect(ollama.stderr.contains("minilm:latest"))
    }

    @Test(arguments: [
        ("acme/broken", "broken symlink"),
        ("acme/readme-only", "no-model-files"),
        ("ollama:notjson", "json-syntax"),
        ("ollama:noblob:q4", "missing"),
    ])
    func brokenEntriesFailClearly(name: String, expected: String) throws {
        let run = try heft(["inspect", name])
        #expect(run.status == 1, "\(name)")
        #expect(run.stderr.contains(expected), "\(name): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test func listingFindsEveryModelAndContinuesPastBrokenOnes() throws {
        let run = try heft(["ls", "--json", "--models", Fixtures.path("gguf")])
        #expect(run.status == 0, "\(run.stderr)")
        let models = try #require(try json(run)["models"] as? [[String: Any]])
        let byName = Dictionary(models.compactMap { m in (m["name"] as? String).map { ($0, m) } }, uniquingKeysWith: { a, _ in a })
        let hf = try #require(byName["sentence-transformers/all-MiniLM-L6-v2"])
        #expect(hf["source"] as? String == "hf")
        #expect(hf["parameters"] as? Int == 22_713_216)
        #expect(hf["complete"] as? Bool == true)
        let ollama = try #require(byName["ollama:minilm:latest"])
        #expect(ollama["format"] as? String == "gguf")
        #expect(ollama["bytes"] as? Int == 13_282_048)
        #expect(byName["acme/minilm-GGUF/minilm.Q4_0.gguf"] != nil)
        #expect(byName["acme/minilm-GGUF/minilm.Q8_0.gguf"] != nil)
        #expect(byName["acme/broken"]?["error"] != nil)
        #expect(byName["ollama:notjson:latest"]?["error"] != nil)
        #expect(byName["ollama:noblob:q4"]?["error"] != nil)
        #expect(models.filter { $0["source"] as? String == "dir" }.count == 8, "the eight fixture GGUF files")
        for model in models { for key in ["name", "source", "path", "complete"] { #expect(model[key] != nil) } }
    }

    @Test func unitResolverHonoursTheEnvironmentOrder() {
        let locator = ModelLocator(environment: ["HOME": "/h", "HF_HOME": "/hf"])
        #expect(locator.huggingFaceCache == "/hf/hub")
        #expect(ModelLocator(environment: ["HOME": "/h", "HF_HOME": "/hf", "HF_HUB_CACHE": "/c"]).huggingFaceCache == "/c")
        #expect(ModelLocator(environment: ["HOME": "/h"]).huggingFaceCache == "/h/.cache/huggingface/hub")
        #expect(ModelLocator(environment: ["HOME": "/h"]).ollamaModels == "/h/.ollama/models")
        #expect(ModelLocator(environment: ["HOME": "/h"]).lmStudioModels == "/h/.lmstudio/models")
    }
}
