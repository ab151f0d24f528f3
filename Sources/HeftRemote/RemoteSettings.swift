internal import Foundation
import HeftFormats

/// What remote reading uses from the user's environment, with the conventions huggingface_hub and curl set:
/// `HF_ENDPOINT`, `HF_TOKEN` / `HF_TOKEN_PATH` / `$HF_HOME/token`, `HF_HUB_OFFLINE`, `HTTPS_PROXY` / `HTTP_PROXY` /
/// `NO_PROXY` (either case), and Heft's own `HEFT_CACHE` and `HEFT_OLLAMA_REGISTRY`.
public struct RemoteSettings: Sendable {
    /// The Hub's base URL, without a trailing slash (`HF_ENDPOINT` for a mirror).
    public var endpoint: String
    /// Sent as `Authorization: Bearer` to the endpoint's host only, never after a redirect to another host.
    public var token: String?
    /// Where the token came from, to say so in errors (`HF_TOKEN`, or the file's path).
    public var tokenSource: String?
    /// No network at all.
    public var offline: Bool
    /// The Ollama registry's base URL.
    public var ollamaRegistry: String
    /// Proxies by URL scheme, and hosts (or `.domain` suffixes) reached directly.
    public var httpsProxy: String?
    public var httpProxy: String?
    public var noProxy: [String]
    /// The folder of fetched headers: `$HEFT_CACHE`, else `$XDG_CACHE_HOME/heft`, else `~/.cache/heft`; then `remote/`.
    public var cacheFolder: String
    /// Seconds to wait for a connection, and for the next bytes of an answer.
    public var connectTimeout: Int64 = 10
    public var readTimeout: Int64 = 30
    /// The most files whose headers are fetched at once.
    public var concurrency = 8

    /// Settings from the process environment.
    public init() { self.init(environment: ProcessInfo.processInfo.environment) }

    public init(environment: [String: String]) {
        func value(_ key: String) -> String? {
            guard let text = environment[key] ?? environment[key.lowercased()], !text.isEmpty else { return nil }
            return text
        }
        var endpoint = value("HF_ENDPOINT") ?? "https://huggingface.co"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        let home = environment["HOME"] ?? "/root"
        let hfHome = value("HF_HOME") ?? value("XDG_CACHE_HOME").map { Path.join($0, "huggingface") } ?? Path.join(home, ".cache/huggingface")
        if let token = value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN") {
            self.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
            tokenSource = environment["HF_TOKEN"] != nil ? "HF_TOKEN" : "HUGGING_FACE_HUB_TOKEN"
        } else {
            let path = value("HF_TOKEN_PATH") ?? Path.join(hfHome, "token")
            if let bytes = try? MappedFile.read(path, offset: 0, count: 4096) {
                let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty {
                    token = text
                    tokenSource = path
                }
            }
        }
        if let token, !token.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) { self.token = nil }
        let truthy: Set<String> = ["1", "on", "yes", "true"]
        offline = truthy.contains((value("HF_HUB_OFFLINE") ?? "").lowercased())
        var registry = value("HEFT_OLLAMA_REGISTRY") ?? "https://registry.ollama.ai"
        while registry.hasSuffix("/") { registry.removeLast() }
        ollamaRegistry = registry
        httpsProxy = value("HTTPS_PROXY") ?? value("ALL_PROXY")
        httpProxy = value("HTTP_PROXY") ?? value("ALL_PROXY")
        noProxy = (value("NO_PROXY") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        let cacheRoot = value("HEFT_CACHE") ?? value("XDG_CACHE_HOME").map { Path.join($0, "heft") } ?? Path.join(home, ".cache/heft")
        cacheFolder = Path.join(cacheRoot, "remote")
    }

    /// The proxy for `url`, if one applies: `host:port` from the scheme's variable, unless `NO_PROXY` names the host.
    func proxy(for url: URLParts) -> (host: String, port: Int)? {
        guard let text = url.scheme == "https" ? httpsProxy : httpProxy else { return nil }
        for entry in noProxy {
            if entry == "*" { return nil }
            let bare = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            let hostOnly = bare.split(separator: ":").first.map(String.init) ?? bare
            if url.host == hostOnly || url.host.hasSuffix("." + hostOnly) { return nil }
        }
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let proxy = URLParts(withScheme) else { return nil }
        return (proxy.host, proxy.port)
    }
}
