internal import Foundation
import HeftFormats
public import HeftKit
import Synchronization

/// A remote model brought within reach: its headers in a header-only mirror the readers open like any local model.
public struct RemoteModel: Sendable {
    /// The mirror path to open, and the name to report.
    public let location: ModelLocation
    /// The commit (Hub), blob digest (Ollama) or URL the headers came from.
    public let origin: String
    /// The files read: path in the repository, size of the whole file, header bytes fetched now (0 from the cache).
    public let files: [(path: String, size: Int, fetched: Int)]
    public let requests: Int
    public let bytesReceived: Int
    /// The folder of the mirror that `location` lies in, each mirrored file's URL by its path in the mirror, and
    /// whether those URLs take the Hub token (for `RemoteReader.withDownload`).
    var root = ""
    var urls: [String: String] = [:]
    var authorized = false

    /// A remark for reports: where the numbers came from and what it cost.
    public var remark: String {
        let fetched = files.filter { $0.fetched > 0 }.count
        let cost = fetched == 0 ? "headers from the cache" : "\(fetched) header\(fetched == 1 ? "" : "s") fetched"
        return "read remotely from \(origin): \(cost), \(requests) request\(requests == 1 ? "" : "s"), "
            + "\(bytesReceived) bytes received; the weights were not downloaded"
    }
}

/// A file of a Hub repository as its API lists it.
public struct RemoteFile: Sendable, Equatable {
    public let path: String
    public let size: Int?
}

/// Reads remote models' headers: resolves the name (a Hub revision to its commit, an Ollama tag to its blob), picks
/// the files a model needs, fetches each header with range requests (a few concurrently) and writes it into a
/// sparse file of the real size under the cache folder, keyed by what cannot change (commit, digest), so a second
/// look costs one metadata request.
public struct RemoteReader: Sendable {
    public let settings: RemoteSettings
    /// Bytes fetched past a header's end at most, and the first range's size.
    static let margin = 64 << 10

    public init(settings: RemoteSettings = RemoteSettings()) { self.settings = settings }

    public func read(_ name: RemoteName) async throws -> RemoteModel {
        try await HTTPFetcher.with(settings) { fetcher in
            switch name {
            case .hub(let hub): try await readHub(hub, fetcher)
            case .url(let url): try await readURL(url, fetcher)
            case .ollama(let ollama): try await readOllama(ollama, fetcher)
            }
        }
    }

    /// The files of a Hub repository at a revision, with the commit the revision names.
    public func list(_ hub: HubName) async throws -> (commit: String, files: [RemoteFile]) {
        try await HTTPFetcher.with(settings) { fetcher in try await repository(hub, fetcher) }
    }

    // MARK: - Hub

    func repository(_ hub: HubName, _ fetcher: HTTPFetcher) async throws -> (commit: String, files: [RemoteFile]) {
        let url = "\(settings.endpoint)/api/models/\(hub.repo)/revision/\(percentEncoded(hub.revision))?blobs=true"
        let answer = try await fetcher.get(url, limit: 64 << 20, token: settings.token)
        let document: JSONValue
        do {
            document = try JSONParser.parse(answer.bytes)
        } catch {
            throw RemoteError(url, .badReply, "the answer is not JSON: \(error.detail)")
        }
        guard case .object(let info) = document, case .string(let sha)? = info["sha"], sha.count == 40, sha.allSatisfy(\.isHexDigit) else {
            throw RemoteError(url, .badReply, "the answer has no 40-digit commit 'sha'")
        }
        var files: [RemoteFile] = []
        if case .array(let siblings)? = info["siblings"] {
            for case .object(let sibling) in siblings {
                guard case .string(let path)? = sibling["rfilename"], Self.isSafeRelativePath(path) else { continue }
                var size: Int?
                if case .object(let lfs)? = sibling["lfs"], case .number(let value)? = lfs["size"] { size = value.int }
                if size == nil, case .number(let value)? = sibling["size"] { size = value.int }
                files.append(RemoteFile(path: path, size: size.flatMap { $0 >= 0 ? $0 : nil }))
            }
        }
        return (sha.lowercased(), files)
    }

    static func isSafeRelativePath(_ path: String) -> Bool {
        !path.isEmpty && path.utf8.count <= 1024 && !path.hasPrefix("/") && !path.contains("\\") && !path.contains("\0")
            && path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    func readHub(_ hub: HubName, _ fetcher: HTTPFetcher) async throws -> RemoteModel {
        let (commit, files) = try await repository(hub, fetcher)
        let subject = hub.display
        let (wanted, open) = try Self.choose(hub, files: files, subject: subject)
        let folder = Path.join(settings.cacheFolder, "hub/\(hub.repo.replacingOccurrences(of: "/", with: "--"))/\(commit)")
        let base = "\(settings.endpoint)/\(hub.repo)/resolve/\(commit)/"
        let (fetched, urls) = try await mirror(
            wanted.map { file in (file, base + percentEncoded(file.path, keepSlash: true), Path.join(folder, file.path)) }, fetcher,
            token: settings.token)
        let location = ModelLocation(path: Path.join(folder, open), name: subject, origin: .huggingFace)
        let traffic = fetcher.traffic.withLock { $0 }
        var model = RemoteModel(
            location: location, origin: "\(settings.endpoint)/\(hub.repo) at commit \(commit.prefix(12))", files: fetched,
            requests: traffic.requests, bytesReceived: traffic.bytes)
        model.root = folder
        model.urls = urls
        model.authorized = true
        return model
    }

    /// The files a name asks for, and the one to open (a file, or `.` for the folder).
    static func choose(_ hub: HubName, files: [RemoteFile], subject: String) throws -> (files: [RemoteFile], open: String) {
        let byPath = Dictionary(files.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        /// `chosen` with the `config.json` beside `file`, when the repository has one (an index is read first; its
        /// shards come from its weight map, see `mirror`).
        func withConfig(_ chosen: [RemoteFile], beside file: String) -> [RemoteFile] {
            let directory = Path.directory(of: file)
            let config = directory.isEmpty || directory == "." ? "config.json" : directory + "/config.json"
            return (byPath[config].map { [$0] } ?? []) + chosen
        }
        func ggufSet(_ file: RemoteFile) -> [RemoteFile] {
            guard let split = GGUFModel.splitName(file.path) else { return [file] }
            return (1...split.count).compactMap { number in
                var path = GGUFModel.splitPath(prefix: split.prefix, number: number, count: split.count)
                if path.hasPrefix("./") { path.removeFirst(2) }
                return byPath[path]
            }
        }
        if let path = hub.path {
            guard let file = byPath[path] else {
                let models = files.filter { Self.isModelFile($0.path) }.map(\.path).prefix(8)
                throw RemoteError(
                    subject, .notFound,
                    "no file '\(path)' at this revision; model files there: \(models.isEmpty ? "none" : models.joined(separator: ", "))")
            }
            let lower = path.lowercased()
            if lower.hasSuffix(".gguf") { return (ggufSet(file), path) }
            if lower.hasSuffix(".safetensors") || lower.hasSuffix(".json") { return (withConfig([file], beside: path), path) }
            throw RemoteError(subject, .noModel, "'\(path)' is not a .gguf, .safetensors or .json file")
        }
        let ggufs = files.filter { $0.path.lowercased().hasSuffix(".gguf") && !$0.path.lowercased().contains("mmproj") }
        let firsts = ggufs.filter { GGUFModel.splitName($0.path).map { $0.number == 1 } ?? true }
        if let quantization = hub.quantization {
            let matches = firsts.filter { Self.fileName($0.path, hasQuantization: quantization) }
            guard let first = matches.first else {
                throw RemoteError(
                    subject, .notFound,
                    "no GGUF of quantization \(quantization); this revision has: \(Self.quantizations(firsts).joined(separator: ", ").nonEmpty ?? "no GGUF files")"
                )
            }
            guard matches.count == 1 else {
                throw RemoteError(
                    subject, .noModel,
                    "\(matches.count) GGUF files match :\(quantization) (\(matches.map(\.path).joined(separator: ", "))); name one with /PATH")
            }
            return (ggufSet(first), first.path)
        }
        if let index = byPath["model.safetensors.index.json"] {
            return (withConfig([index], beside: index.path), index.path)
        }
        let safetensors = files.filter { !$0.path.contains("/") && $0.path.hasSuffix(".safetensors") }
        if safetensors.count == 1 { return (withConfig(safetensors, beside: safetensors[0].path), safetensors[0].path) }
        if safetensors.count > 1 { return (withConfig(safetensors, beside: "config.json"), ".") }
        if firsts.count == 1 { return (ggufSet(firsts[0]), firsts[0].path) }
        if firsts.count > 1 {
            throw RemoteError(
                subject, .noModel,
                "the repository holds \(firsts.count) GGUF files: pick one with :QUANT (\(quantizations(firsts).joined(separator: ", "))), e.g. \(subject):\(quantizations(firsts).first ?? "Q4_K_M")"
            )
        }
        if let config = byPath["config.json"] { return ([config], config.path) }
        throw RemoteError(subject, .noModel, "the repository has no .safetensors, .gguf or config.json file at this revision")
    }

    static func isModelFile(_ path: String) -> Bool {
        let lower = path.lowercased()
        return lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors") || lower == "config.json" || lower.hasSuffix(".index.json")
    }

    /// Whether a file name carries the quantization tag (`…-Q4_K_M.gguf`, `….q4_k_m-00001-of-00002.gguf`), as a
    /// whole word and case-insensitively.
    static func fileName(_ path: String, hasQuantization tag: String) -> Bool {
        let name = Path.fileName(path).uppercased()
        let tag = tag.uppercased()
        var search = name.startIndex
        while let found = name.range(of: tag, range: search..<name.endIndex) {
            let before = found.lowerBound == name.startIndex ? nil : name[name.index(before: found.lowerBound)]
            let after = found.upperBound == name.endIndex ? nil : name[found.upperBound]
            let boundary: (Character?) -> Bool = { $0 == nil || !($0!.isLetter || $0!.isNumber || $0 == "_") }
            if boundary(before), boundary(after) { return true }
            search = found.upperBound
        }
        return false
    }

    /// The quantization a GGUF file's name carries (`Q4_K_M`, `BF16`), the last such word in it.
    static func quantizationTag(_ path: String) -> String? {
        let stem = Path.fileName(path).replacingOccurrences(of: ".gguf", with: "", options: .caseInsensitive)
        let words = stem.split(whereSeparator: { $0 == "-" || $0 == "." }).map { String($0).uppercased() }
        return words.last { LlamaFileType(rawValue: $0) != nil }
    }

    /// The quantization tags of GGUF file names (the file name when it carries none), in file order.
    static func quantizations(_ files: [RemoteFile]) -> [String] {
        var seen: [String] = []
        for file in files {
            let tag = quantizationTag(file.path) ?? Path.fileName(file.path)
            if !seen.contains(tag) { seen.append(tag) }
        }
        return seen
    }

    // MARK: - URL and Ollama

    func readURL(_ url: String, _ fetcher: HTTPFetcher) async throws -> RemoteModel {
        guard let parts = URLParts(url) else { throw RemoteError(url, .badName, "not an http(s) URL") }
        let fileName = Path.fileName(String(parts.path.prefix { $0 != "?" && $0 != "#" }))
        let lower = fileName.lowercased()
        guard lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors"), Self.isSafeRelativePath(fileName) else {
            throw RemoteError(url, .noModel, "a URL must name a .gguf or .safetensors file")
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in url.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let folder = Path.join(settings.cacheFolder, "url/" + String(hash, radix: 16))
        let path = Path.join(folder, fileName)
        // A URL names no immutable version: its header is fetched again every time.
        try? FileManager.default.removeItem(atPath: path)
        let (fetched, urls) = try await mirror([(RemoteFile(path: fileName, size: nil), url, path)], fetcher, token: nil)
        let traffic = fetcher.traffic.withLock { $0 }
        var model = RemoteModel(
            location: ModelLocation(path: path, name: url, origin: .path), origin: url, files: fetched, requests: traffic.requests,
            bytesReceived: traffic.bytes)
        model.root = folder
        model.urls = urls
        return model
    }

    func readOllama(_ name: OllamaName, _ fetcher: HTTPFetcher) async throws -> RemoteModel {
        let base = "\(settings.ollamaRegistry)/v2/\(name.namespace)/\(name.model)"
        let manifestURL = "\(base)/manifests/\(name.tag)"
        let manifest = try await fetcher.get(
            manifestURL, limit: 1 << 20, headers: [("Accept", "application/vnd.docker.distribution.manifest.v2+json")])
        guard case .object(let document)? = try? JSONParser.parse(manifest.bytes), case .array(let layers)? = document["layers"] else {
            throw RemoteError(manifestURL, .badReply, "the manifest is not JSON with a 'layers' list")
        }
        var model: (digest: String, size: Int)?
        var params: String?
        for case .object(let layer) in layers {
            if case .string(OllamaModelfile.paramsMediaType)? = layer["mediaType"], case .string(let digest)? = layer["digest"],
                digest.hasPrefix("sha256:"), digest.count == 71, digest.dropFirst(7).allSatisfy(\.isHexDigit)
            {
                params = digest
            }
            guard case .string("application/vnd.ollama.image.model")? = layer["mediaType"], case .string(let digest)? = layer["digest"],
                case .number(let size)? = layer["size"], let bytes = size.int, bytes > 0
            else { continue }
            let hex = digest.dropFirst(7)
            guard digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw RemoteError(manifestURL, .badReply, "the model layer's digest '\(digest.prefix(80))' is not sha256:<64 hex digits>")
            }
            model = (digest, bytes)
        }
        guard let model else { throw RemoteError(manifestURL, .noModel, "the manifest has no model layer (application/vnd.ollama.image.model)") }
        let path = Path.join(settings.cacheFolder, "ollama/\(model.digest.replacingOccurrences(of: ":", with: "-"))/model.gguf")
        let (fetched, urls) = try await mirror(
            [(RemoteFile(path: "model.gguf", size: model.size), "\(base)/blobs/\(model.digest)", path)], fetcher, token: nil)
        let traffic = fetcher.traffic.withLock { $0 }
        var location = ModelLocation(path: path, name: name.display, origin: .ollama)
        if let params {
            // The Modelfile's PARAMETER lines: a small JSON blob whose num_ctx is Ollama's context for this model.
            let url = "\(base)/blobs/\(params)"
            let blob = try await fetcher.get(url, limit: 1 << 16, headers: [])
            do throws(FormatError) {
                location.numCtx = try OllamaModelfile.numCtx(params: blob.bytes, file: url)
            } catch {
                throw RemoteError(url, .badReply, error.description)
            }
        }
        var remote = RemoteModel(
            location: location,
            origin: "\(settings.ollamaRegistry) blob \(model.digest.prefix(19))",
            files: fetched, requests: traffic.requests, bytesReceived: traffic.bytes)
        remote.root = Path.directory(of: path)
        remote.urls = urls
        return remote
    }

    // MARK: - Mirror

    /// Fetches what is not yet in the mirror, a few files at once: JSON files whole, weight files' headers only.
    /// An index adds its shards.
    func mirror(_ files: [(RemoteFile, String, String)], _ fetcher: HTTPFetcher, token: String?) async throws -> (
        files: [(path: String, size: Int, fetched: Int)], urls: [String: String]
    ) {
        var results: [(path: String, size: Int, fetched: Int)] = []
        var queue = files
        var index = 0
        while index < queue.count {
            let batch = Array(queue[index..<min(queue.count, index + settings.concurrency)])
            index += batch.count
            let done = try await withThrowingTaskGroup(of: (String, Int, Int, [UInt8]?).self) { group in
                for (file, url, path) in batch {
                    group.addTask { try await mirrorOne(file, url: url, path: path, fetcher, token: token) }
                }
                var done: [(String, Int, Int, [UInt8]?)] = []
                for try await result in group { done.append(result) }
                return done
            }
            for (path, size, fetched, indexBytes) in done {
                results.append((path, size, fetched))
                // A safetensors index names its shards: they join the queue.
                if let indexBytes, let (_, url, mirrorPath) = queue.first(where: { $0.0.path == path }) {
                    let shards: SafetensorsIndex
                    do {
                        shards = try SafetensorsIndex.parse(indexBytes)
                    } catch {
                        throw RemoteError(url, .badReply, "the index is not a safetensors index: \(error.detail)")
                    }
                    let urlDirectory = String(url[..<(url.lastIndex(of: "/") ?? url.endIndex)])
                    let folder = Path.directory(of: mirrorPath)
                    let repoDirectory = Path.directory(of: path)
                    for shard in shards.shards where SafetensorsIndex.isPlainFileName(shard) {
                        let repoPath = repoDirectory.isEmpty || repoDirectory == "." ? shard : repoDirectory + "/" + shard
                        guard !queue.contains(where: { $0.0.path == repoPath }) else { continue }
                        queue.append((RemoteFile(path: repoPath, size: nil), urlDirectory + "/" + percentEncoded(shard), Path.join(folder, shard)))
                    }
                }
            }
        }
        return (results, Dictionary(queue.map { ($0.2, $0.1) }, uniquingKeysWith: { a, _ in a }))
    }

    private func mirrorOne(_ file: RemoteFile, url: String, path: String, _ fetcher: HTTPFetcher, token: String?) async throws -> (
        String, Int, Int, [UInt8]?
    ) {
        let isIndex = file.path.hasSuffix(".index.json")
        if Path.exists(path) {
            let size = (try? MappedFile.size(of: path)) ?? 0
            return (file.path, size, 0, isIndex ? try MappedFile.read(path, offset: 0, count: 64 << 20) : nil)
        }
        let lower = file.path.lowercased()
        var prefix: [UInt8]
        var size: Int
        if lower.hasSuffix(".json") {
            prefix = try await fetcher.get(url, limit: 64 << 20, token: token).bytes
            size = prefix.count
        } else {
            (prefix, size) = try await header(url, size: file.size, gguf: lower.hasSuffix(".gguf"), fetcher, token: token)
        }
        try Self.writeSparse(prefix, size: size, to: path)
        return (file.path, size, prefix.count, isIndex ? prefix : nil)
    }

    /// The first bytes of a file up to its header's end: a first range of 64 KiB, then ranges up to what the header
    /// is known to need plus 64 KiB, so at most 64 KiB past the header is read.
    func header(_ url: String, size known: Int?, gguf: Bool, _ fetcher: HTTPFetcher, token: String?) async throws -> ([UInt8], Int) {
        var prefix: [UInt8] = []
        var size = known
        var end = min(Self.margin, known ?? Self.margin)
        for _ in 0..<128 {
            guard end > prefix.count else { break }
            let answer = try await fetcher.get(url, range: prefix.count..<end, token: token)
            if let total = answer.total {
                if let size, size != total, answer.status == 206 {
                    throw RemoteError(url, .badReply, "the file is \(total) bytes by Content-Range, but \(size) by the repository's listing")
                }
                size = size ?? total
            }
            guard !answer.bytes.isEmpty else { throw RemoteError(url, .badReply, "an empty answer to a range request") }
            prefix += answer.bytes
            let fileSize = size ?? Int(1) << 50
            let extent: HeaderExtent
            do {
                extent = gguf ? try HeaderExtent.gguf(prefix) : try HeaderExtent.safetensors(prefix, fileSize: fileSize, path: url)
            } catch {
                throw RemoteError(url, .badReply, error.inFile(url).description)
            }
            switch extent {
            case .complete(let headerEnd):
                guard let size, size >= headerEnd else { throw RemoteError(url, .badReply, "the server gave no file size (Content-Range)") }
                // Every byte fetched is the file's own; the mirror keeps them all.
                return (Array(prefix.prefix(size)), size)
            case .needs(let atLeast):
                guard atLeast <= fileSize else {
                    throw RemoteError(url, .badReply, "the header needs at least \(atLeast) bytes, but the file has \(fileSize): a truncated file")
                }
                end = min(fileSize, atLeast + Self.margin)
            }
        }
        throw RemoteError(url, .badReply, "the header did not end within the file")
    }

    /// `prefix`, then zeros to `size` without storing them (a sparse file), moved into place whole.
    static func writeSparse(_ prefix: [UInt8], size: Int, to path: String) throws {
        let folder = Path.directory(of: path)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".part-" + UUID().uuidString
        guard FileManager.default.createFile(atPath: temporary, contents: Data(prefix)), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw RemoteError(path, .unsupported, "cannot write the header cache (check permissions, or set HEFT_CACHE)")
        }
        try handle.truncate(atOffset: UInt64(max(size, prefix.count)))
        try handle.close()
        if rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw RemoteError(path, .unsupported, "cannot write the header cache (check permissions, or set HEFT_CACHE)")
        }
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// A Hub repository's model files at a revision, as `heft ls ORG/NAME` shows them.
public struct RepositoryListing: Sendable, Codable {
    public struct File: Sendable, Codable {
        public let path: String
        public let bytes: Int?
        /// `safetensors`, `gguf`, `index` or `config`.
        public let format: String
        /// The quantization a GGUF file's name carries (`Q4_K_M`).
        public let quantization: String?
        /// The name that reads this file (`ORG/NAME:Q4_K_M`, `ORG/NAME/PATH`).
        public let name: String
    }

    public let repository: String
    public let revision: String
    public let commit: String
    public let files: [File]
    /// Bytes of all the files listed.
    public let totalBytes: Int

    public init(hub: HubName, commit: String, files: [RemoteFile]) {
        repository = hub.repo
        revision = hub.revision
        self.commit = commit
        let ggufs = files.filter { $0.path.lowercased().hasSuffix(".gguf") }
        var rows: [File] = []
        for file in files where RemoteReader.isModelFile(file.path) {
            let lower = file.path.lowercased()
            let format =
                lower.hasSuffix(".gguf")
                ? "gguf" : lower.hasSuffix(".safetensors") ? "safetensors" : lower.hasSuffix(".index.json") ? "index" : "config"
            var quantization: String?
            var name = HubName(repo: hub.repo, revision: hub.revision, path: file.path).display
            if format == "gguf" {
                quantization = RemoteReader.quantizationTag(file.path)
                if let tag = quantization, RemoteReader.fileName(file.path, hasQuantization: tag),
                    ggufs.filter({ RemoteReader.fileName($0.path, hasQuantization: tag) && (GGUFModel.splitName($0.path)?.number ?? 1) == 1 }).count
                        == 1
                {
                    name = HubName(repo: hub.repo, revision: hub.revision, quantization: tag).display
                }
            }
            rows.append(File(path: file.path, bytes: file.size, format: format, quantization: quantization, name: name))
        }
        self.files = rows
        totalBytes = rows.compactMap(\.bytes).reduce(0, +)
    }
}

extension RemoteReader {
    /// The model files of a Hub repository at a revision.
    public func listing(_ hub: HubName) async throws -> RepositoryListing {
        let (commit, files) = try await list(hub)
        return RepositoryListing(hub: hub, commit: commit, files: files)
    }
}

extension RemoteReader {
    /// Runs `body` on `name` with its weights downloaded into a private folder in memory (`/dev/shm`), never written
    /// to disk, beside its headers and JSON files; the folder is removed after. Refused when the weights do not fit
    /// the memory `/dev/shm` has free. `progress` counts the bytes downloaded.
    public func withDownload<R: Sendable>(
        _ name: RemoteName, progress: DownloadProgress? = nil, _ body: (ModelSource) async throws -> R
    ) async throws -> R {
        let model = try await read(name)
        let memory = "/dev/shm"
        guard Path.isDirectory(memory) else {
            throw RemoteError(
                name.display, .unsupported, "downloading needs memory-backed files (/dev/shm, Linux); download the files and give their path")
        }
        let weights = model.urls.keys.filter { $0.lowercased().hasSuffix(".gguf") || $0.lowercased().hasSuffix(".safetensors") }.sorted()
        var total = 0
        for path in weights { total += (try? MappedFile.size(of: path)) ?? 0 }
        var fs = statvfs()
        let free = statvfs(memory, &fs) == 0 ? Int(fs.f_bavail) * Int(fs.f_frsize) : 0
        guard total + (64 << 20) <= free else {
            throw RemoteError(
                name.display, .unsupported,
                "its weights take \(total / 1_000_000) MB, and /dev/shm has \(free / 1_000_000) MB of memory free: download the files and give their path"
            )
        }
        progress?.total.store(total, ordering: .relaxed)
        let folder = Path.join(memory, "heft-download-" + UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let inFolder = { (path: String) in folder + path.dropFirst(model.root.count) }
        try await HTTPFetcher.with(settings) { fetcher in
            for (path, url) in model.urls.sorted(by: { $0.key < $1.key }) {
                let target = inFolder(path)
                try FileManager.default.createDirectory(atPath: Path.directory(of: target), withIntermediateDirectories: true)
                if weights.contains(path) {
                    try await fetcher.download(
                        url, to: target, size: try MappedFile.size(of: path), token: model.authorized ? settings.token : nil, progress: progress)
                } else {
                    try FileManager.default.copyItem(atPath: path, toPath: target)
                }
            }
        }
        var source = try ModelSource.open(
            location: ModelLocation(path: inFolder(model.location.path), name: name.display, origin: model.location.origin))
        source.name = name.display
        source.warnings.append("downloaded from \(model.origin) into memory for this scan (\(total) bytes); nothing was written to disk")
        return try await body(source)
    }
}
