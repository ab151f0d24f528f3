import Foundation
import HeftFormats
import HeftKit
import HeftTestSupport
import Synchronization
import Testing

@testable import HeftRemote

/// Remote reading against the stand-in Hub, CDN and Ollama registry: the same report as the local file, few bytes
/// and requests, the header cache, and one clear error for each way a server or a name can go wrong.
@Suite(.serialized) struct RemoteTests {
    let server: StandIn
    let cache: TemporaryDirectory
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    init() throws {
        server = try StandIn()
        cache = try TemporaryDirectory()
    }

    func settings(token: String? = StandIn.token, offline: Bool = false) -> RemoteSettings {
        var environment = ["HF_ENDPOINT": server.hubURL, "HEFT_CACHE": cache.path, "HOME": cache.path, "HEFT_OLLAMA_REGISTRY": server.hubURL]
        if let token { environment["HF_TOKEN"] = token }
        if offline { environment["HF_HUB_OFFLINE"] = "1" }
        var settings = RemoteSettings(environment: environment)
        settings.readTimeout = 3
        settings.connectTimeout = 2
        return settings
    }

    func models(token: String? = StandIn.token, offline: Bool = false) -> RemoteModels {
        RemoteModels(local: LocalModels(), settings: settings(token: token, offline: offline))
    }

    /// A report as JSON without what names where it was read from.
    static func comparable(_ report: InspectionReport) throws -> NSDictionary {
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        for key in ["source", "files", "warnings"] { object[key] = nil }
        if let tensors = object["tensors"] as? [[String: Any]] {
            object["tensors"] = tensors.map { row in
                var row = row
                row["file"] = nil
                return row
            }
        }
        return object as NSDictionary
    }

    var minilm: String { Fixtures.path("all-MiniLM-L6-v2") }

    func addMiniLM(_ name: String = "sentence-transformers/all-MiniLM-L6-v2", gated: Bool = false, isPrivate: Bool = false) {
        server.add(
            name,
            .init(
                commit: Self.commit,
                files: [
                    "config.json": .file(minilm + "/config.json"), "model.safetensors": .file(minilm + "/model.safetensors"),
                    "README.md": .file(minilm + "/README.md"), "tokenizer.json": .file(minilm + "/tokenizer.json"),
                ], gated: gated, isPrivate: isPrivate))
    }

    /// Header bytes the CDN sent beyond the header itself.
    func cdnBytes() -> Int { server.records().filter(\.cdn).map(\.bytes).reduce(0, +) }

    @Test func safetensorsRepositoryMatchesTheLocalFileWithFewBytesAndOneRequestWhenCached() async throws {
        addMiniLM()
        let remote = try await models().inspection("sentence-transformers/all-MiniLM-L6-v2", includeTensors: true)
        let local = try InspectionReport.inspect(minilm, includeTensors: true)
        #expect(try Self.comparable(remote) == Self.comparable(local))
        #expect(remote.parameters.total == local.parameters.total)
        #expect(remote.source == "sentence-transformers/all-MiniLM-L6-v2")
        // Files are named by their URLs on the Hub, not by their places in the header cache.
        #expect(remote.files.map(\.path) == ["\(server.hubURL)/sentence-transformers/all-MiniLM-L6-v2/resolve/\(Self.commit)/model.safetensors"])
        #expect(remote.tensors?.allSatisfy { $0.file.hasPrefix(server.hubURL) } == true)
        #expect(remote.warnings.contains { $0.contains("read remotely") && $0.contains("not downloaded") })
        // One API call, config.json, and the weights' header by one redirect and one range on the CDN.
        let records = server.records()
        let header = try SafetensorsFile.read(path: minilm + "/model.safetensors").dataStart
        #expect(cdnBytes() <= header + 65536, "\(cdnBytes()) bytes for a \(header)-byte header")
        #expect(records.filter(\.cdn).count == 1)
        #expect(records.filter { $0.cdn && $0.authorization != nil }.isEmpty)
        #expect(records.filter { !$0.cdn && $0.path.contains("/resolve/") }.allSatisfy { $0.authorization == "Bearer " + StandIn.token })
        // A second look: the revision's commit is asked for again, every header comes from the cache.
        server.clearLog()
        let again = try await models().inspection("sentence-transformers/all-MiniLM-L6-v2", includeTensors: true)
        #expect(try Self.comparable(again) == Self.comparable(local))
        #expect(server.records().count == 1)
        #expect(server.records().first?.path.contains("/api/models/") == true)
    }

    /// `Query` run on the Hub id through the stand-in, and on the local checkpoint.
    func bothWays<Query: Calculator>(_: Query.Type) async throws -> (remote: Query.Output, local: Query.Output) {
        func answer(_ model: String, _ models: any ModelResolver) async throws -> Query.Output {
            var query = Query()
            try query.set("model", .text(model))
            return try await query.run(with: models)
        }
        return (try await answer("sentence-transformers/all-MiniLM-L6-v2", models()), try await answer(minilm, LocalModels()))
    }

    @Test func memoryAndQuantizationPlansWorkOnAHubID() async throws {
        addMiniLM()
        let memory = try await bothWays(MemoryQuery.self)
        #expect(memory.remote.estimates.map(\.totalBytes) == memory.local.estimates.map(\.totalBytes))
        let quantize = try await bothWays(QuantizeQuery.self)
        #expect(quantize.remote.schemes.map(\.bytes) == quantize.local.schemes.map(\.bytes))
    }

    @Test func ggufOfOneQuantizationInARepositoryOfSeveral() async throws {
        let folder = Fixtures.path("gguf")
        var files: [String: StandIn.Blob] = [:]
        for type in ["BF16", "F16", "F32", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0"] {
            files["all-MiniLM-L6-v2.\(type).gguf"] = .file(folder + "/all-MiniLM-L6-v2.\(type).gguf")
        }
        files["README.md"] = .bytes(Array("# MiniLM GGUF".utf8))
        server.add("second-state/All-MiniLM-L6-v2-Embedding-GGUF", .init(commit: Self.commit, files: files))
        let remote = try await models().inspection("second-state/All-MiniLM-L6-v2-Embedding-GGUF:Q5_0", includeTensors: true)
        let local = try InspectionReport.inspect(folder + "/all-MiniLM-L6-v2.Q5_0.gguf", includeTensors: true)
        #expect(try Self.comparable(remote) == Self.comparable(local))
        #expect(remote.fileType == "Q5_0")
        let header = try GGUFFile.read(path: folder + "/all-MiniLM-L6-v2.Q5_0.gguf").headerBytes
        #expect(cdnBytes() <= header + 65536, "\(cdnBytes()) bytes for a \(header)-byte header")
        // Several files and no :QUANT: the choices are named.
        await #expect {
            try await models().inspection("second-state/All-MiniLM-L6-v2-Embedding-GGUF", includeTensors: false)
        } throws: { error in
            let text = "\(error)"
            return (error as? RemoteError)?.kind == .noModel && text.contains("Q4_0") && text.contains(":QUANT")
        }
        await #expect {
            try await models().inspection("second-state/All-MiniLM-L6-v2-Embedding-GGUF:Q3_K_M", includeTensors: false)
        } throws: { error in (error as? RemoteError)?.kind == .notFound && "\(error)".contains("Q8_0") }
    }

    @Test func splitGGUFAndShardedSafetensorsAreReadShardByShard() async throws {
        let split = Fixtures.path("extra/split")
        var files: [String: StandIn.Blob] = [:]
        for index in 1...3 { files["minilm-q8-0000\(index)-of-00003.gguf"] = .file(split + "/minilm-q8-0000\(index)-of-00003.gguf") }
        server.add("org/split-gguf", .init(commit: Self.commit, files: files))
        let remote = try await models().inspection("org/split-gguf", includeTensors: true)
        let local = try InspectionReport.inspect(split + "/minilm-q8-00001-of-00003.gguf", includeTensors: true)
        #expect(try Self.comparable(remote) == Self.comparable(local))

        let sharded = Fixtures.path("all-MiniLM-L6-v2-sharded")
        var shardFiles: [String: StandIn.Blob] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: sharded) { shardFiles[name] = .file(sharded + "/" + name) }
        server.add("org/sharded", .init(commit: Self.commit, files: shardFiles))
        let remoteSharded = try await models().inspection("org/sharded", includeTensors: true)
        let localSharded = try InspectionReport.inspect(sharded, includeTensors: true)
        #expect(remoteSharded.parameters.total == localSharded.parameters.total)
        #expect(remoteSharded.tensors?.count == localSharded.tensors?.count)
    }

    /// 163 shards of one tensor each, with their index: one API call, the index, then each shard's header.
    @Test func aRepositoryOf163Shards() async throws {
        var files: [String: StandIn.Blob] = [:]
        var weightMap: [String: String] = [:]
        var expected = 0
        for shard in 1...163 {
            let name = String(format: "model-%05d-of-00163.safetensors", shard)
            let elements = 1000 + shard
            let tensor = "layers.\(shard).weight"
            let header = #"{"\#(tensor)":{"dtype":"BF16","shape":[\#(elements)],"data_offsets":[0,\#(2 * elements)]}}"#
            let bytes = SafetensorsBuilder.file(header: header, dataBytes: 2 * elements)
            files[name] = .bytes(Array(bytes.prefix(8 + header.utf8.count)), size: bytes.count)
            weightMap[tensor] = name
            expected += elements
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": weightMap])
        files["model.safetensors.index.json"] = .bytes([UInt8](index))
        server.add("org/many-shards", .init(commit: Self.commit, files: files))
        let clock = ContinuousClock()
        let start = clock.now
        let report = try await models().inspection("org/many-shards", includeTensors: false)
        let elapsed = clock.now - start
        print("163 shards read in \(elapsed)")
        #expect(report.parameters.total == expected)
        let records = server.records()
        #expect(records.filter(\.cdn).count == 163)
        #expect(records.filter { !$0.cdn }.count == 1 + 1 + 163)  // API, the index, 163 redirects
        #expect(records.allSatisfy { !$0.cdn || $0.authorization == nil })
    }

    /// Headers around the first range's end (64 KiB) and around 100,000 bytes: at most one more request, never
    /// more than 64 KiB past the header.
    @Test(arguments: [65_520, 65_527, 65_528, 65_529, 65_536, 99_994, 99_999, 100_000, 100_008])
    func safetensorsHeadersAroundTheFirstRange(headerEnd: Int) async throws {
        // A header of one F32 tensor, padded with spaces to end exactly at `headerEnd`.
        let core = #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}"#
        let padding = headerEnd - 8 - core.utf8.count - 1
        let header = core + String(repeating: " ", count: padding) + "}"
        let bytes = SafetensorsBuilder.file(header: header, dataBytes: 16)
        let name = "org/boundary-\(headerEnd)"
        server.add(name, .init(commit: Self.commit, files: ["model.safetensors": .bytes(bytes)]))
        let report = try await models().inspection(name, includeTensors: false)
        #expect(report.parameters.total == 4)
        let cdn = server.records().filter(\.cdn)
        #expect(cdn.count == (headerEnd <= 65536 ? 1 : 2), "\(cdn.map(\.range))")
        #expect(cdnBytes() <= headerEnd + 65536)
    }

    /// A GGUF whose vocabulary takes more than 4 MB: fetched in a few ranges, never more than 64 KiB past its header.
    @Test func ggufWithMoreThan4MBOfTokenizerMetadata() async throws {
        var builder = GGUFBuilder(tensorCount: 1, kvCount: 2)
        let tokens = (0..<262_144).map { "tok\($0)" }
        builder.kvString("general.architecture", "llama")
        builder.string("tokenizer.ggml.tokens")
        builder.u32(9)
        builder.u32(8)
        builder.u64(UInt64(tokens.count))
        for token in tokens { builder.string(token) }
        builder.tensor("token_embd.weight", ne: [64, 262_144], type: 0, offset: 0)
        let headerEnd = builder.bytes.count
        builder.pad(to: 32)
        let size = builder.bytes.count + 64 * 262_144 * 4
        server.add("org/big-vocab-GGUF", .init(commit: Self.commit, files: ["big-vocab-F32.gguf": .bytes(builder.bytes, size: size)]))
        let report = try await models().inspection("org/big-vocab-GGUF", includeTensors: false)
        #expect(report.parameters.total == 64 * 262_144)
        let cdn = server.records().filter(\.cdn)
        #expect(headerEnd > 4_000_000)
        #expect(cdnBytes() <= headerEnd + 65536, "\(cdnBytes()) for a \(headerEnd)-byte header")
        #expect(cdn.count <= 12, "\(cdn.count) ranges")
    }

    @Test func ollamaRegistryManifestThenBlob() async throws {
        let file = Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf")
        server.state.withLock { $0.ollama["library/minilm:q8"] = .file(file) }
        let remote = try await models().inspection("ollama:minilm:q8", includeTensors: true)
        let local = try InspectionReport.inspect(file, includeTensors: true)
        #expect(try Self.comparable(remote) == Self.comparable(local))
        #expect(remote.source == "ollama:minilm:q8")
        // The params layer's num_ctx travels with the model: Ollama's context for it.
        #expect(try await models().profile("ollama:minilm:q8", parameters: nil).numCtx == 2048)
        await #expect {
            try await models().inspection("ollama:nothing-here", includeTensors: false)
        } throws: { error in (error as? RemoteError)?.kind == .notFound }
    }

    @Test func aPlainURL() async throws {
        let url = server.serveFile("model.Q4_0.gguf", .file(Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf")))
        let remote = try await models().inspection(url, includeTensors: true)
        let local = try InspectionReport.inspect(Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf"), includeTensors: true)
        #expect(try Self.comparable(remote) == Self.comparable(local))
    }

    // MARK: - Errors

    func expectError(_ name: String, _ kind: RemoteError.Kind, containing: String, token: String? = StandIn.token) async {
        await #expect {
            try await models(token: token).inspection(name, includeTensors: false)
        } throws: { error in
            guard let error = error as? RemoteError else { return false }
            return error.kind == kind && error.description.contains(containing) && !error.description.contains("\n")
        }
    }

    @Test func gatedPrivateAndMissingRepositories() async throws {
        addMiniLM("org/gated", gated: true)
        await expectError("org/gated", .gated, containing: "HF_TOKEN", token: nil)
        #expect(try await models().inspection("org/gated", includeTensors: false).parameters.total > 0)
        addMiniLM("org/private", isPrivate: true)
        await expectError("org/private", .notFound, containing: "private", token: nil)
        await expectError("org/absent", .notFound, containing: "no such repository")
        addMiniLM("org/present")
        await expectError("org/present@v9", .notFound, containing: "revision")
        await expectError("org/present/nothing.gguf", .notFound, containing: "model.safetensors")
        #expect(server.records().allSatisfy { !$0.cdn || $0.authorization == nil })
    }

    @Test(arguments: [
        (StandIn.Misbehaviour.status(416, [:]), RemoteError.Kind.rangeNotSatisfiable, "416"),
        (.status(429, ["Retry-After": "120"]), .rateLimited, "120 seconds"),
        (.status(403, [:]), .unauthorized, "403"),
        (.wrongContentRange, .badReply, "Content-Range"),
        (.truncated, .badReply, "truncated"),
        (.stall, .network, "stopped sending"),
        (.reset, .network, "reset"),
    ])
    func misbehavingCDN(_ misbehaviour: StandIn.Misbehaviour, kind: RemoteError.Kind, message: String) async throws {
        addMiniLM()
        server.state.withLock { $0.cdnMisbehaviour = misbehaviour }
        await expectError("sentence-transformers/all-MiniLM-L6-v2", kind, containing: message)
    }

    @Test func aServerThatIgnoresRangeIsCutOff() async throws {
        addMiniLM()
        server.state.withLock { $0.cdnMisbehaviour = .rangeIgnored }
        let remote = try await models().inspection("sentence-transformers/all-MiniLM-L6-v2", includeTensors: true)
        let local = try InspectionReport.inspect(minilm, includeTensors: true)
        #expect(try Self.comparable(remote) == Self.comparable(local))
        // Not the 90 MB file: reading stopped once the header was in.
        try await Task.sleep(for: .milliseconds(300))
        #expect(cdnBytes() < 30_000_000, "\(cdnBytes())")
    }

    @Test func hubRateLimitAndOfflineMode() async throws {
        server.state.withLock { $0.hubMisbehaviour = .status(429, ["Retry-After": "60"]) }
        await expectError("org/anything", .rateLimited, containing: "60 seconds")
        server.state.withLock { $0.hubMisbehaviour = nil }
        server.clearLog()
        await #expect {
            try await models(offline: true).inspection("org/anything", includeTensors: false)
        } throws: { error in (error as? RemoteError)?.kind == .offline && "\(error)".contains("offline") }
        #expect(server.records().isEmpty)
    }

    @Test func statsRefusesARemoteModel() async throws {
        addMiniLM()
        await #expect {
            try await models().source("sentence-transformers/all-MiniLM-L6-v2")
        } throws: { error in (error as? RemoteError)?.kind == .unsupported && "\(error)".contains("weights are not downloaded") }
        // Refused before any request: there is nothing to fetch headers for.
        #expect(server.records().isEmpty)
    }

    @Test(
        arguments: [
            ("org/name", "org/name", "main", nil, nil),
            ("hf:org/name@v1.0", "org/name", "v1.0", nil, nil),
            ("org/name@refs/pr/12", "org/name", "refs/pr/12", nil, nil),
            ("org/name@refs%2Fpr%2F3/sub/model.gguf", "org/name", "refs/pr/3", "sub/model.gguf", nil),
            ("unsloth/gemma-3-270m-it-GGUF:Q4_K_M", "unsloth/gemma-3-270m-it-GGUF", "main", nil, "Q4_K_M"),
            ("org/name@abc123/model.safetensors", "org/name", "abc123", "model.safetensors", nil),
        ] as [(String, String, String, String?, String?)])
    func hubNames(text: String, repo: String, revision: String, path: String?, quantization: String?) throws {
        guard case .hub(let name)? = try RemoteName.parse(text) else {
            Issue.record("\(text) is not a Hub name")
            return
        }
        #expect(name.repo == repo)
        #expect(name.revision == revision)
        #expect(name.path == path)
        #expect(name.quantization == quantization)
    }

    @Test(arguments: [
        "org/../x", "hf:org", "org/name:Q4 K", "org/name/model.gguf:Q4_K_M", "hf:org/na me", "org/name@", "ollama:", "ollama:a/b/c/d", "https://",
    ])
    func badNames(text: String) {
        #expect(throws: RemoteError.self) { _ = try RemoteName.parse(text).map { _ in () } ?? { throw RemoteError(text, .badName, "") }() }
    }

    @Test func proxiesFollowNoProxy() {
        let settings = RemoteSettings(environment: ["HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "localhost,.internal.example"])
        #expect(settings.proxy(for: URLParts("https://huggingface.co/x")!)! == ("proxy.example", 3128))
        #expect(settings.proxy(for: URLParts("https://hub.internal.example/x")!) == nil)
        #expect(settings.proxy(for: URLParts("http://huggingface.co/x")!) == nil)
    }

    @Test func tokenFromTheUsersFiles() throws {
        let home = try TemporaryDirectory()
        try home.write(".cache/huggingface/token", text: "hf_from_file\n")
        #expect(RemoteSettings(environment: ["HOME": home.path]).token == "hf_from_file")
        #expect(RemoteSettings(environment: ["HOME": home.path, "HF_TOKEN": "hf_env"]).token == "hf_env")
        try home.write("elsewhere", text: "hf_path")
        #expect(RemoteSettings(environment: ["HOME": home.path, "HF_TOKEN_PATH": home.path + "/elsewhere"]).token == "hf_path")
    }
}
