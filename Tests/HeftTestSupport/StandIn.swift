import Foundation
public import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A Hugging Face Hub, its CDN and an Ollama registry, served on 127.0.0.1 by plain sockets for the remote tests:
/// the Hub answers the revision API and `resolve` (redirecting weight files to the CDN, on another port, so that
/// redirects cross hosts), the CDN serves byte ranges. Every request is logged with its bytes sent and whether it
/// carried a token; switches make either side misbehave the ways real servers do.
public final class StandIn: @unchecked Sendable {
    /// A file: its bytes come from a file on disk, or are a header followed by zeros up to `size`.
    public struct Blob: Sendable {
        public var header: [UInt8] = []
        public var size: Int
        public var disk: String? = nil

        public static func file(_ path: String) -> Blob {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return Blob(size: size, disk: path)
        }

        public static func bytes(_ bytes: [UInt8], size: Int? = nil) -> Blob { Blob(header: bytes, size: size ?? bytes.count) }

        func read(_ range: Range<Int>) -> [UInt8] {
            if let disk, let handle = FileHandle(forReadingAtPath: disk) {
                defer { try? handle.close() }
                try? handle.seek(toOffset: UInt64(range.lowerBound))
                return [UInt8]((try? handle.read(upToCount: range.count)) ?? Data())
            }
            var out = [UInt8](repeating: 0, count: range.count)
            let end = min(range.upperBound, header.count)
            if range.lowerBound < end { out.replaceSubrange(0..<(end - range.lowerBound), with: header[range.lowerBound..<end]) }
            return out
        }
    }

    public struct Repo: Sendable {
        public var commit: String
        public var files: [String: Blob]
        public var gated = false
        /// A private repository: 401 RepoNotFound without the token.
        public var isPrivate = false

        public init(commit: String, files: [String: Blob], gated: Bool = false, isPrivate: Bool = false) {
            self.commit = commit
            self.files = files
            self.gated = gated
            self.isPrivate = isPrivate
        }
    }

    public enum Misbehaviour: Sendable, Equatable {
        case rangeIgnored, wrongContentRange, truncated, stall, reset
        case status(Int, [String: String])
    }

    public struct Record: Sendable {
        public var cdn: Bool
        public var path: String
        public var status: Int
        public var bytes: Int
        public var authorization: String?
        public var range: String?
    }

    public struct State: Sendable {
        public var repos: [String: Repo] = [:]
        /// Ollama models by `NAMESPACE/MODEL:TAG`: the model layer.
        public var ollama: [String: Blob] = [:]
        public var cdnMisbehaviour: Misbehaviour?
        public var hubMisbehaviour: Misbehaviour?
        public var log: [Record] = []
        public var blobs: [String: Blob] = [:]
    }

    public static let token = "hf_standin_token"
    public let state = Mutex(State())
    private var listeners: [Int32] = []
    public private(set) var hubPort = 0
    public private(set) var cdnPort = 0

    public var hubURL: String { "http://127.0.0.1:\(hubPort)" }
    public var cdnURL: String { "http://127.0.0.1:\(cdnPort)" }

    public init() throws {
        hubPort = try listen(cdn: false)
        cdnPort = try listen(cdn: true)
    }

    deinit { stop() }

    public func stop() {
        for fd in listeners {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
        listeners = []
    }

    public func add(_ name: String, _ repo: Repo) { state.withLock { $0.repos[name] = repo } }
    public func records() -> [Record] { state.withLock { $0.log } }
    public func clearLog() { state.withLock { $0.log = [] } }

    // MARK: - Sockets

    private func listen(cdn: Bool) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 256) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        listeners.append(fd)
        let thread = Thread { [weak self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                guard let self else {
                    close(client)
                    return
                }
                let worker = Thread { self.serve(client, cdn: cdn) }
                worker.start()
            }
        }
        thread.start()
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func serve(_ fd: Int32, cdn: Bool) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeaderEnd {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { return }
            buffer += chunk[0..<count]
            if buffer.count > 65536 { return }
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = String(requestLine[1])
        let response = cdn ? cdnAnswer(target, headers) : hubAnswer(target, headers)
        var sent = 0
        defer {
            let record = Record(
                cdn: cdn, path: target, status: response.status, bytes: sent, authorization: headers["authorization"], range: headers["range"])
            state.withLock { $0.log.append(record) }
        }
        if response.misbehaviour == .reset {
            var linger = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            return
        }
        var head = "HTTP/1.1 \(response.status) X\r\nConnection: close\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        guard write(fd, Array(head.utf8)) else { return }
        if response.misbehaviour == .stall {
            Thread.sleep(forTimeInterval: 10)
            return
        }
        var body = response.body
        if response.misbehaviour == .truncated { body = body.map { ($0.blob, $0.range.lowerBound..<($0.range.lowerBound + $0.range.count / 2)) } }
        guard let (blob, range) = body else { return }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let piece = blob.read(offset..<min(range.upperBound, offset + 65536))
            guard !piece.isEmpty, write(fd, piece) else { return }
            sent += piece.count
            offset += piece.count
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let count = bytes[done...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return false }
            done += count
        }
        return true
    }

    // MARK: - Answers

    struct Answer {
        var status: Int
        var headers: [(String, String)] = []
        var body: (blob: Blob, range: Range<Int>)? = nil
        var misbehaviour: Misbehaviour? = nil
    }

    private func json(_ object: Any, status: Int = 200) -> Answer {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        let blob = Blob.bytes([UInt8](data))
        return Answer(
            status: status, headers: [("Content-Type", "application/json"), ("Content-Length", "\(data.count)")], body: (blob, 0..<data.count))
    }

    private func error(_ status: Int, code: String? = nil, message: String = "error") -> Answer {
        var answer = Answer(status: status, headers: [("Content-Length", "0")])
        if let code { answer.headers.append(("X-Error-Code", code)) }
        answer.headers.append(("X-Error-Message", message))
        return answer
    }

    private func hubAnswer(_ target: String, _ headers: [String: String]) -> Answer {
        let (misbehaviour, repos, ollama) = state.withLock { ($0.hubMisbehaviour, $0.repos, $0.ollama) }
        if case .status(let code, let extra)? = misbehaviour {
            var answer = error(code)
            for (name, value) in extra { answer.headers.append((name, value)) }
            return answer
        }
        let authorized = headers["authorization"] == "Bearer " + Self.token
        let path = String(target.prefix { $0 != "?" })
        let parts = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        // Ollama: /v2/NAMESPACE/MODEL/manifests/TAG and /v2/NAMESPACE/MODEL/blobs/DIGEST.
        if parts.first == "v2", parts.count == 5 {
            let key = "\(parts[1])/\(parts[2])"
            if parts[3] == "manifests" {
                guard let blob = ollama["\(key):\(parts[4])"] else { return error(404) }
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in "\(key):\(parts[4])".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                let digest = "sha256:" + String(repeating: String(hash, radix: 16).leftPadding(16), count: 4)
                // The Modelfile's PARAMETER lines, as Ollama stores them: a JSON blob of their own.
                let params = Array(#"{"num_ctx":2048,"stop":["<|end|>"]}"#.utf8)
                let paramsDigest = "sha256:" + String(repeating: String(hash ^ 1, radix: 16).leftPadding(16), count: 4)
                state.withLock {
                    $0.blobs[digest] = blob
                    $0.blobs[paramsDigest] = .bytes(params, size: params.count)
                }
                return json([
                    "schemaVersion": 2,
                    "layers": [
                        ["mediaType": "application/vnd.ollama.image.model", "digest": digest, "size": blob.size],
                        ["mediaType": "application/vnd.ollama.image.params", "digest": paramsDigest, "size": params.count],
                    ],
                ])
            }
            if parts[3] == "blobs" {
                guard headers["user-agent"]?.isEmpty == false else { return error(403) }
                return Answer(status: 307, headers: [("Location", "\(cdnURL)/ollama/\(parts[4])"), ("Content-Length", "0")])
            }
        }
        // /api/models/ORG/NAME/revision/REV
        if parts.count >= 6, parts[0] == "api", parts[1] == "models", parts[4] == "revision" {
            let name = parts[2] + "/" + parts[3]
            guard let repo = repos[name] else { return error(404, code: "RepoNotFound", message: "Repository not found") }
            if repo.isPrivate, !authorized { return error(401, code: "RepoNotFound", message: "Invalid credentials in Authorization header") }
            let revision = parts[5...].joined(separator: "/")
            guard revision == "main" || revision == repo.commit || revision == "refs/pr/1" else {
                return error(404, code: "RevisionNotFound", message: "Invalid rev id: \(revision)")
            }
            let siblings = repo.files.keys.sorted().map { path -> [String: Any] in
                let blob = repo.files[path]!
                return path.hasSuffix(".json") || path.hasSuffix(".md")
                    ? ["rfilename": path, "size": blob.size] : ["rfilename": path, "size": blob.size, "lfs": ["size": blob.size, "sha256": "0"]]
            }
            return json(["id": name, "sha": repo.commit, "siblings": siblings, "gated": repo.gated ? "manual" : false])
        }
        // /ORG/NAME/resolve/COMMIT/PATH
        if parts.count >= 5, parts[2] == "resolve" {
            let name = parts[0] + "/" + parts[1]
            guard let repo = repos[name] else { return error(404, code: "RepoNotFound") }
            if repo.isPrivate, !authorized { return error(401, code: "RepoNotFound") }
            if repo.gated, !authorized {
                return error(
                    401, code: "GatedRepo",
                    message: "Access to model \(name) is restricted. You must have access to it and be authenticated to access it.")
            }
            let file = parts[4...].joined(separator: "/")
            guard let blob = repo.files[file], parts[3] == repo.commit else { return error(404, code: "EntryNotFound") }
            if file.hasSuffix(".json") { return ranged(blob, headers["range"]) }
            let key = "\(name)/\(file)"
            state.withLock { $0.blobs[key] = blob }
            return Answer(status: 302, headers: [("Location", "\(cdnURL)/blobs/\(key)?signature=x"), ("Content-Length", "0")])
        }
        return error(404)
    }

    private func cdnAnswer(_ target: String, _ headers: [String: String]) -> Answer {
        let (misbehaviour, blobs) = state.withLock { ($0.cdnMisbehaviour, $0.blobs) }
        // Like S3 and R2 behind a signed URL: a request that also carries Authorization is refused.
        if headers["authorization"] != nil { return error(400, message: "Only one auth mechanism allowed") }
        let path = String(target.prefix { $0 != "?" })
        let key: String
        if path.hasPrefix("/blobs/") {
            key = String(path.dropFirst(7)).removingPercentEncoding ?? ""
        } else if path.hasPrefix("/ollama/") {
            key = String(path.dropFirst(8))
        } else if path.hasPrefix("/files/") {
            key = String(path.dropFirst(7)).removingPercentEncoding ?? ""
        } else {
            return error(404)
        }
        guard let blob = blobs[key] else { return error(404) }
        if case .status(let code, let extra)? = misbehaviour {
            var answer = error(code)
            for (name, value) in extra { answer.headers.append((name, value)) }
            return answer
        }
        var answer = ranged(blob, misbehaviour == .rangeIgnored ? nil : headers["range"])
        if misbehaviour == .wrongContentRange, answer.status == 206, let body = answer.body {
            let shifted = (body.range.lowerBound + 1)..<(body.range.upperBound + 1)
            answer.headers = [
                ("Content-Range", "bytes \(shifted.lowerBound)-\(shifted.upperBound - 1)/\(blob.size)"), ("Content-Length", "\(body.range.count)"),
            ]
        }
        if let misbehaviour, [.truncated, .stall, .reset].contains(misbehaviour) { answer.misbehaviour = misbehaviour }
        return answer
    }

    /// A 206 for `bytes=A-B` (or `A-`), a 416 past the end, a 200 with the whole file without a range.
    private func ranged(_ blob: Blob, _ range: String?) -> Answer {
        guard let range, range.hasPrefix("bytes=") else {
            return Answer(status: 200, headers: [("Content-Length", "\(blob.size)"), ("Accept-Ranges", "bytes")], body: (blob, 0..<blob.size))
        }
        let ends = range.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2, let start = Int(ends[0]) else { return error(400) }
        let end = min(Int(ends[1]) ?? (blob.size - 1), blob.size - 1)
        guard start < blob.size, start <= end else {
            return Answer(status: 416, headers: [("Content-Range", "bytes */\(blob.size)"), ("Content-Length", "0")])
        }
        return Answer(
            status: 206,
            headers: [("Content-Range", "bytes \(start)-\(end)/\(blob.size)"), ("Content-Length", "\(end - start + 1)")],
            body: (blob, start..<(end + 1)))
    }

    /// Serves `blob` at `\(cdnURL)/files/NAME` (a plain URL).
    public func serveFile(_ name: String, _ blob: Blob) -> String {
        state.withLock { $0.blobs[name] = blob }
        return "\(cdnURL)/files/\(name)"
    }
}

extension String {
    fileprivate func leftPadding(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension [UInt8] {
    fileprivate var containsHeaderEnd: Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
        return false
    }
}
