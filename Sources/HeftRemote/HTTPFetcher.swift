import AsyncHTTPClient
internal import Foundation
import NIOCore
import NIOHTTP1
public import Synchronization

/// One answer, its body read no further than the caller asked.
struct Fetched: Sendable {
    /// The URL that answered, after redirects.
    var url: String
    var status: Int
    var headers: HTTPHeaders
    var bytes: [UInt8]
    /// The whole file's size, from `Content-Range` (or `Content-Length` when a server sent the whole file).
    var total: Int?
}

/// GET requests over async-http-client with the rules remote reading needs: redirects followed by hand (at most 10)
/// so that the token goes only to the origin it belongs to, a proxy chosen per URL, a connect timeout and a
/// timeout on stalled reads, ranges checked against `Content-Range`, and bodies read no further than needed (a
/// server that ignores `Range` is cut off as soon as the bytes asked for arrived).
final class HTTPFetcher: Sendable {
    let settings: RemoteSettings
    private let clients: [String: HTTPClient]
    /// Requests sent and body bytes received, for the report's footnote.
    let traffic = Mutex((requests: 0, bytes: 0))
    static let userAgent = "heft/1 (+https://github.com/heft-tools/heft)"

    init(settings: RemoteSettings) {
        self.settings = settings
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(settings.connectTimeout), read: .seconds(settings.readTimeout)))
        configuration.httpVersion = .automatic
        var clients = ["": HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)]
        for proxy in [settings.httpsProxy, settings.httpProxy].compactMap({ $0 }) where clients[proxy] == nil {
            guard let parts = URLParts(proxy.contains("://") ? proxy : "http://" + proxy) else { continue }
            var proxied = configuration
            proxied.proxy = .server(host: parts.host, port: parts.port)
            clients[proxy] = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: proxied)
        }
        self.clients = clients
    }

    func shutdown() async {
        for client in clients.values { try? await client.shutdown() }
    }

    /// Runs `body` with a fetcher, and shuts it down after (async-http-client requires it).
    static func with<R>(_ settings: RemoteSettings, _ body: (HTTPFetcher) async throws -> R) async throws -> R {
        let fetcher = HTTPFetcher(settings: settings)
        do {
            let result = try await body(fetcher)
            await fetcher.shutdown()
            return result
        } catch {
            await fetcher.shutdown()
            throw error
        }
    }

    /// GETs `url`: the bytes of `range` (an HTTP range request), or the whole body when it is at most `limit` bytes.
    /// `token` goes to `url`'s origin only. Extra headers (an `Accept`) are sent to every hop.
    func get(
        _ url: String, range: Range<Int>? = nil, limit: Int = 16 << 20, token: String? = nil, headers extra: [(String, String)] = []
    ) async throws(RemoteError) -> Fetched {
        let (response, current, status) = try await send(url, range: range, token: token, headers: extra)
        return try await read(response, url: current, status: status, range: range, limit: limit)
    }

    /// GETs the whole of `url` into the file `path`, which must come to `size` bytes; `progress` counts the bytes
    /// written. A stall longer than the read timeout fails; the download as a whole has no deadline.
    func download(_ url: String, to path: String, size: Int, token: String?, progress: DownloadProgress?) async throws(RemoteError) {
        let (response, current, _) = try await send(url, range: nil, token: token, headers: [], deadline: .hours(24))
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw RemoteError(path, .unsupported, "cannot write the download's file in memory")
        }
        defer { try? handle.close() }
        var written = 0
        do {
            for try await chunk in response.body {
                written += chunk.readableBytes
                guard written <= size else { throw RemoteError(current, .badReply, "the file is longer than its \(size) bytes") }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
                progress?.done.wrappingAdd(chunk.readableBytes, ordering: .relaxed)
            }
        } catch let error as RemoteError {
            throw error
        } catch let error as HTTPClientError {
            throw Self.networkError(current, error, settings: settings)
        } catch {
            let text = String(describing: error)
            if text.contains("No space") || text.contains("ENOSPC") {
                throw RemoteError(path, .unsupported, "the memory for the download ran out")
            }
            throw Self.networkError(current, error, settings: settings)
        }
        guard written == size else {
            throw RemoteError(current, .badReply, "the answer ended after \(written) of the file's \(size) bytes (a truncated body)")
        }
    }

    /// Sends a GET, following redirects (the token only to `url`'s origin) and waiting out one short 429; returns a
    /// 2xx answer whose body is still to be read, and the URL that gave it.
    private func send(
        _ url: String, range: Range<Int>?, token: String?, headers extra: [(String, String)], deadline: TimeAmount? = nil
    ) async throws(RemoteError) -> (HTTPClientResponse, String, Int) {
        guard !settings.offline else { throw RemoteError(url, .offline, "offline mode (HF_HUB_OFFLINE or --offline) allows no network") }
        guard let first = URLParts(url) else { throw RemoteError(url, .badName, "not an http(s) URL") }
        var current = url
        var parts = first
        var retried = false
        var hops = 0
        while true {
            var request = HTTPClientRequest(url: current)
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            for (name, value) in extra { request.headers.add(name: name, value: value) }
            if let range { request.headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound - 1)") }
            // The token belongs to the origin it was given for: a redirect to a CDN never carries it.
            if let token, parts.origin == first.origin { request.headers.add(name: "Authorization", value: "Bearer " + token) }
            let client =
                settings.proxy(for: parts).flatMap { _ in clients[(parts.scheme == "https" ? settings.httpsProxy : settings.httpProxy) ?? ""] }
                ?? clients[""]!
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: deadline ?? .seconds(settings.connectTimeout + 4 * settings.readTimeout))
            } catch {
                throw Self.networkError(current, error, settings: settings)
            }
            traffic.withLock { $0.requests += 1 }
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status) {
                guard let location = response.headers.first(name: "Location"), let next = parts.resolving(location), let nextParts = URLParts(next)
                else {
                    throw RemoteError(current, .badReply, "HTTP \(status) redirect without a usable Location header")
                }
                hops += 1
                guard hops <= 10 else { throw RemoteError(url, .badReply, "more than 10 redirects") }
                current = next
                parts = nextParts
                continue
            }
            if status == 429, !retried, let wait = response.headers.first(name: "Retry-After").flatMap({ Int($0) }), wait <= 5 {
                retried = true
                try? await Task.sleep(for: .seconds(wait))
                continue
            }
            guard (200..<300).contains(status) else {
                throw Self.statusError(
                    current, status: status, headers: response.headers, sentToken: token != nil && parts.origin == first.origin, settings: settings)
            }
            return (response, current, status)
        }
    }

    private func read(_ response: HTTPClientResponse, url: String, status: Int, range: Range<Int>?, limit: Int) async throws(RemoteError) -> Fetched {
        let length = response.headers.first(name: "Content-Length").flatMap { Int($0) }
        var skip = 0
        var want = limit
        var total: Int? = length
        if let range, status == 206 {
            guard let contentRange = response.headers.first(name: "Content-Range"), let parsed = Self.parseContentRange(contentRange) else {
                throw RemoteError(
                    url, .badReply, "a 206 answer without a valid Content-Range (asked for bytes=\(range.lowerBound)-\(range.upperBound - 1))")
            }
            guard parsed.start == range.lowerBound, parsed.end < range.upperBound, parsed.total.map({ parsed.end < $0 }) ?? true else {
                throw RemoteError(
                    url, .badReply,
                    "Content-Range '\(contentRange)' does not answer the range bytes=\(range.lowerBound)-\(range.upperBound - 1) asked for")
            }
            want = parsed.end - parsed.start + 1
            total = parsed.total
        } else if let range {
            // The server ignored Range and sends the whole file: skip to the range and stop reading at its end.
            skip = range.lowerBound
            want = range.count
        } else if let length, length > limit {
            throw RemoteError(url, .badReply, "the answer is \(length) bytes, more than the \(limit) this file may have")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(want, 1 << 20))
        do {
            for try await chunk in response.body {
                traffic.withLock { $0.bytes += chunk.readableBytes }
                var view = chunk.readableBytesView[...]
                if skip > 0 {
                    let dropped = min(skip, view.count)
                    view = view.dropFirst(dropped)
                    skip -= dropped
                }
                let take = min(view.count, want - bytes.count)
                bytes.append(contentsOf: view.prefix(take))
                if bytes.count >= want {
                    if range == nil, view.count > take {
                        throw RemoteError(url, .badReply, "the answer is longer than the \(limit) bytes this file may have")
                    }
                    break
                }
            }
        } catch let error as RemoteError {
            throw error
        } catch {
            throw Self.networkError(url, error, settings: settings)
        }
        if let range, bytes.count < want, status == 206 || (total ?? Int.max) >= range.upperBound {
            throw RemoteError(url, .badReply, "the answer ended after \(bytes.count) of the \(want) bytes asked for (a truncated body)")
        }
        if range == nil, let length, bytes.count < length {
            throw RemoteError(url, .badReply, "the answer ended after \(bytes.count) of its \(length) bytes (a truncated body)")
        }
        return Fetched(url: url, status: status, headers: response.headers, bytes: bytes, total: total)
    }

    /// `bytes START-END/TOTAL` (TOTAL may be `*`).
    static func parseContentRange(_ text: String) -> (start: Int, end: Int, total: Int?)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst(6)
        let halves = spec.split(separator: "/", maxSplits: 1)
        guard halves.count == 2 else { return nil }
        let ends = halves[0].split(separator: "-", maxSplits: 1)
        guard ends.count == 2, let start = Int(ends[0]), let end = Int(ends[1]), start >= 0, end >= start else { return nil }
        if halves[1] == "*" { return (start, end, nil) }
        guard let total = Int(halves[1]), total > end else { return nil }
        return (start, end, total)
    }

    static func statusError(_ url: String, status: Int, headers: HTTPHeaders, sentToken: Bool, settings: RemoteSettings) -> RemoteError {
        let code = headers.first(name: "X-Error-Code") ?? ""
        let serverMessage = headers.first(name: "X-Error-Message").map { " (the server says: \($0.prefix(200)))" } ?? ""
        let tokenHint =
            sentToken
            ? "the token from \(settings.tokenSource ?? "HF_TOKEN") was sent"
            : "no token was sent: set HF_TOKEN, or save one to $HF_HOME/token (huggingface-cli login)"
        switch (status, code) {
        case (_, "GatedRepo"):
            return RemoteError(
                url, .gated,
                "the repository is gated: accept its terms on its Hub page with your account, then pass that account's token (\(tokenHint))")
        case (401, "RepoNotFound"), (404, "RepoNotFound"):
            return RemoteError(url, .notFound, "no such repository, or a private one your token cannot see (\(tokenHint))")
        case (404, "RevisionNotFound"):
            return RemoteError(url, .notFound, "no such revision in the repository\(serverMessage)")
        case (404, "EntryNotFound"):
            return RemoteError(url, .notFound, "no such file at this revision\(serverMessage)")
        case (404, _):
            return RemoteError(url, .notFound, "not found (HTTP 404)\(serverMessage)")
        case (401, _):
            return RemoteError(url, .unauthorized, "HTTP 401: authentication required (\(tokenHint))\(serverMessage)")
        case (403, _):
            return RemoteError(url, .unauthorized, "HTTP 403: access refused (\(tokenHint); check the token's permissions)\(serverMessage)")
        case (416, _):
            return RemoteError(url, .rangeNotSatisfiable, "HTTP 416: the file is shorter than the byte range its header needs (a truncated upload)")
        case (429, _):
            let wait = headers.first(name: "Retry-After").map { "; the server asks to wait \($0) seconds (Retry-After) before trying again" } ?? ""
            return RemoteError(url, .rateLimited, "HTTP 429: too many requests\(wait)")
        default:
            return RemoteError(url, .badReply, "HTTP \(status)\(serverMessage)")
        }
    }

    static func networkError(_ url: String, _ error: any Error, settings: RemoteSettings) -> RemoteError {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout:
                return RemoteError(url, .network, "the server stopped sending for \(settings.readTimeout) s (read timeout)")
            case .connectTimeout:
                return RemoteError(url, .network, "no connection within \(settings.connectTimeout) s (connect timeout)")
            case .deadlineExceeded:
                return RemoteError(url, .network, "the request took longer than its deadline")
            case .remoteConnectionClosed:
                return RemoteError(url, .network, "the server closed the connection before the answer was complete")
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("UnknownHost") || text.contains("DNS error") {
            let host = URLParts(url)?.host ?? url
            return RemoteError(
                url, .network, "cannot resolve \(host): no network, or no DNS (for no network at all, use --offline or HF_HUB_OFFLINE=1)")
        }
        if text.contains("stream ended at an unexpected time") || text.contains("invalidEOFState") {
            return RemoteError(url, .badReply, "the server closed the connection before the whole answer arrived (a truncated body)")
        }
        if text.contains("reset") || text.contains("ECONNRESET") { return RemoteError(url, .network, "the connection was reset") }
        if text.contains("refused") || text.contains("ECONNREFUSED") { return RemoteError(url, .network, "the connection was refused") }
        if text.lowercased().contains("timeout") || text.lowercased().contains("timed out") {
            return RemoteError(url, .network, "timed out (connect \(settings.connectTimeout) s, read \(settings.readTimeout) s)")
        }
        return RemoteError(url, .network, "the request failed: \(text.prefix(200))")
    }
}

/// Bytes downloaded so far and in all, for a progress bar.
public final class DownloadProgress: Sendable {
    public let done = Atomic<Int>(0)
    public let total = Atomic<Int>(0)

    public init() {}
}
