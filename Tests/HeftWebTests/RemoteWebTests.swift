import Foundation
import HeftRemote
import HeftTestSupport
import HeftWeb
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// The web app on Hub ids: the server reads the headers from the stand-in Hub, the answers equal the local files',
/// and remote failures are 4xx naming the model.
@Suite(.serialized) struct RemoteWebTests {
    let server: StandIn
    let cache: TemporaryDirectory

    init() throws {
        server = try StandIn()
        cache = try TemporaryDirectory()
        let minilm = Fixtures.path("all-MiniLM-L6-v2")
        server.add(
            "sentence-transformers/all-MiniLM-L6-v2",
            .init(
                commit: "fedcba9876543210fedcba9876543210fedcba98",
                files: [
                    "config.json": .file(minilm + "/config.json"), "model.safetensors": .file(minilm + "/model.safetensors"),
                    "minilm.Q8_0.gguf": .file(Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf")),
                ]))
        server.add(
            "org/gated",
            .init(commit: "fedcba9876543210fedcba9876543210fedcba98", files: ["config.json": .file(minilm + "/config.json")], gated: true))
    }

    func app() -> some ApplicationProtocol {
        var configuration = ServeConfiguration()
        configuration.modelDirectories = [Fixtures.path("gguf")]
        configuration.remote = RemoteSettings(environment: ["HF_ENDPOINT": server.hubURL, "HEFT_CACHE": cache.path, "HOME": cache.path])
        return buildApplication(configuration)
    }

    @Test func inspectMemoryAndQuantizeOnAHubID() async throws {
        let server = self.server
        try await app().test(.router) { client in
            let remote = try await client.execute(uri: "/api/inspect?model=hf:sentence-transformers/all-MiniLM-L6-v2:Q8_0", method: .get)
            #expect(remote.status == .ok, "\(String(buffer: remote.body))")
            let local = try await client.execute(uri: "/api/inspect?model=gguf/all-MiniLM-L6-v2.Q8_0.gguf", method: .get)
            var remoteObject = try APITests.object(remote)
            var localObject = try APITests.object(local)
            #expect(remoteObject["source"] as? String == "sentence-transformers/all-MiniLM-L6-v2:Q8_0")
            for key in ["source", "files", "warnings", "charts", "tensors"] {
                remoteObject[key] = nil
                localObject[key] = nil
            }
            #expect(remoteObject as NSDictionary == localObject as NSDictionary)
            for (path, body) in [
                ("/api/memory", #"{"model":"hf:sentence-transformers/all-MiniLM-L6-v2","context":256}"#),
                ("/api/plan/quantize", #"{"model":"hf:sentence-transformers/all-MiniLM-L6-v2"}"#),
            ] {
                let response = try await APITests.post(client, path, body)
                #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
            }
            #expect(server.records().allSatisfy { !$0.cdn || $0.authorization == nil })
        }
    }

    @Test(arguments: [
        ("hf:org/absent", 404), ("hf:org/gated", 403), ("hf:org/na me", 422), ("hf:org/name:Q4_K_M!", 422),
        ("https://example.com/model.gguf", 422),
    ])
    func remoteFailuresAre4xxNamingTheModel(model: String, status: Int) async throws {
        try await app().test(.router) { client in
            let escaped = model.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? model
            let response = try await client.execute(uri: "/api/inspect?model=\(escaped)", method: .get)
            #expect(Int(response.status.code) == status, "\(model): \(String(buffer: response.body))")
            #expect(try APITests.object(response)["field"] as? String == "model")
        }
    }
}
