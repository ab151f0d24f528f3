import Foundation
import HeftTestSupport
import Testing

/// The commands on a Hub id, against the stand-in Hub and CDN: the same JSON as on the local files, the header
/// cache, stats refused, offline mode, and the repository listing.
@Suite(.serialized) struct RemoteCommandTests {
    let server: StandIn
    let home: TemporaryDirectory
    static let commit = "89abcdef0123456789abcdef0123456789abcdef"
    static let repo = "sentence-transformers/all-MiniLM-L6-v2"

    init() throws {
        server = try StandIn()
        home = try TemporaryDirectory()
        let minilm = Fixtures.path("all-MiniLM-L6-v2")
        var files: [String: StandIn.Blob] = [
            "config.json": .file(minilm + "/config.json"), "model.safetensors": .file(minilm + "/model.safetensors"),
        ]
        for type in ["F16", "Q4_0", "Q8_0"] { files["gguf/minilm.\(type).gguf"] = .file(Fixtures.path("gguf/all-MiniLM-L6-v2.\(type).gguf")) }
        server.add(Self.repo, .init(commit: Self.commit, files: files))
    }

    var environment: [String: String] {
        ["HOME": home.path, "HF_ENDPOINT": server.hubURL, "HEFT_CACHE": home.path + "/cache", "PATH": "/usr/bin:/bin"]
    }

    func heft(_ arguments: [String], extra: [String: String] = [:]) throws -> HeftBinary.Run {
        try HeftBinary.run(arguments, environment: environment.merging(extra) { _, new in new })
    }

    /// The JSON document without the fields that name where the model was read from.
    static func document(_ text: String) throws -> NSDictionary {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in ["source", "files", "warnings", "model"] { object[key] = nil }
        return object as NSDictionary
    }

    @Test(arguments: [["inspect"], ["memory", "--context", "512"], ["plan", "quantize"], ["plan", "lowrank", "--rank", "16"]])
    func aHubIDAnswersAsTheLocalFiles(command: [String]) throws {
        let remote = try heft(command + [Self.repo, "--json"])
        #expect(remote.status == 0, "\(remote.stderr)")
        let local = try heft(command + [Fixtures.path("all-MiniLM-L6-v2"), "--json"])
        #expect(try Self.document(remote.stdout) == Self.document(local.stdout))
    }

    @Test func theTextReportSaysWhereTheNumbersCameFrom() throws {
        let run = try heft(["inspect", Self.repo])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("read remotely from \(server.hubURL)/\(Self.repo) at commit 89abcdef0123"))
        // Again: every header from the cache, one request to learn the commit.
        server.clearLog()
        let again = try heft(["inspect", Self.repo + ":Q4_0"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("Q4_0"))
        let first = server.records().count
        server.clearLog()
        _ = try heft(["inspect", Self.repo + ":Q4_0"])
        #expect(server.records().count == 1 && first > 1)
    }

    @Test func statsOfflineAndBadNamesAreOneLineRefusals() throws {
        let stats = try heft(["stats", Self.repo])
        #expect(stats.status == 1)
        #expect(stats.stderr.contains("weights are not downloaded"))
        server.clearLog()
        let offline = try heft(["inspect", "org/not-here", "--offline"])
        #expect(offline.status == 1)
        #expect(offline.stderr.contains("offline"))
        let environmentOffline = try heft(["memory", "org/not-here"], extra: ["HF_HUB_OFFLINE": "1"])
        #expect(environmentOffline.status == 1)
        #expect(server.records().isEmpty)
        let bad = try heft(["inspect", "org/name:Q4 K"])
        #expect(bad.status == 64, "\(bad.stderr)")
        for run in [stats, offline, environmentOffline, bad] {
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
    }

    @Test func statsDownloadsIntoMemoryAndMatchesTheLocalFiles() throws {
        let remote = try heft(["stats", Self.repo, "--download", "--json"])
        #expect(remote.status == 0, "\(remote.stderr)")
        let local = try heft(["stats", Fixtures.path("all-MiniLM-L6-v2"), "--json"])
        #expect(try Self.document(remote.stdout) == Self.document(local.stdout))
        let quantized = try heft(["stats", Self.repo + ":Q8_0", "--download", "--json"])
        let localQuantized = try heft(["stats", Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf"), "--json"])
        #expect(try Self.document(quantized.stdout) == Self.document(localQuantized.stdout))
        // The whole file came over the wire once, and nothing of it stayed: no folder in memory, and the header
        // cache's copy is still a sparse file of headers.
        let weights = server.records().filter { $0.cdn && $0.range == nil }.map(\.bytes).reduce(0, +)
        let size = try FileManager.default.attributesOfItem(atPath: Fixtures.path("all-MiniLM-L6-v2/model.safetensors"))[.size] as? Int ?? 0
        #expect(weights >= size)
        let left = try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").filter { $0.hasPrefix("heft-download-") }
        #expect(left.isEmpty, "\(left)")
        var status = stat()
        let cached = home.path + "/cache/remote/hub/sentence-transformers--all-MiniLM-L6-v2/\(Self.commit)/model.safetensors"
        #expect(stat(cached, &status) == 0 && Int(status.st_blocks) * 512 < size / 10, "\(status.st_blocks) blocks")
    }

    @Test func listingARepository() throws {
        let run = try heft(["ls", Self.repo, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["commit"] as? String == Self.commit)
        let files = try #require(object["files"] as? [[String: Any]])
        let q4 = try #require(files.first { $0["quantization"] as? String == "Q4_0" })
        #expect(q4["name"] as? String == Self.repo + ":Q4_0")
        let size = try FileManager.default.attributesOfItem(atPath: Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf"))[.size] as? Int
        #expect(q4["bytes"] as? Int == size)
        let text = try heft(["ls", Self.repo])
        #expect(text.stdout.contains("gguf/minilm.Q8_0.gguf"))
    }
}
