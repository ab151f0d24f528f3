import Foundation
internal import HeftFormats
import HeftKit
public import HeftRemote
public import Hummingbird
import Logging
import NIOCore
import Synchronization

/// How `heft serve` runs.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The only folders whose files the app may read.
    public var modelDirectories: [String] = []
    /// The largest request body accepted.
    public var maxBodyBytes = 2 << 20
    /// How `hf:ORG/NAME` and `ollama:NAME` models are read (the Hub's address, a token, offline mode, the cache).
    public var remote = RemoteSettings()

    public init() {}
}

/// The Hummingbird application for `heft serve`.
public func buildApplication(_ configuration: ServeConfiguration) -> some ApplicationProtocol {
    Application(
        router: buildRouter(configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "heft")
    )
}

/// The calculators whose only required input is one model, which also answer GET with a query string
/// (`/api/inspect?model=…`); the others take a JSON body.
let queryStringCalculators: Set<String> = [InspectQuery.name, StatsQuery.name]

/// The pages of the app; each is the same shell, whose script draws the page named by the path.
public let pagePaths = [
    "/", "/models", "/inspect", "/memory", "/context", "/batch", "/compare", "/distill", "/quantize", "/prune", "/lowrank", "/lora", "/pipeline",
    "/advise",
    "/stats",
]

/// The router: pages, assets, and one GET and one POST route per calculator, each decoding the calculator's
/// request type and answering with its typed document (``Answer``). Mistakes are 4xx naming the field (``WebError``).
public func buildRouter(_ configuration: ServeConfiguration) -> Router<WebContext> {
    let models = ServedModels(roots: ModelRoots(directories: configuration.modelDirectories))
    // Ids under the served folders are FOLDER/PATH; `hf:` and `ollama:` names are read remotely, by the server.
    let resolver = RemoteModels(local: models, settings: configuration.remote, bareNamesAreRemote: false)
    let answers = AnswerCache()
    let limit = configuration.maxBodyBytes
    let router = Router(context: WebContext.self)
    var allowed: [String: [HTTPRequest.Method]] = [:]

    for page in pagePaths {
        router.get(RouterPath(page)) { _, _ in asset(PackageResources.index_html, "text/html; charset=utf-8") }
    }
    router.get("/app.js") { _, _ in asset(PackageResources.app_js, "text/javascript; charset=utf-8") }
    router.get("/app.css") { _, _ in asset(PackageResources.app_css, "text/css; charset=utf-8") }

    router.get("/api/models") { _, _ in Catalog(models: models.list(), roots: models.roots.roots.map(\.name)) }
    let hardware = try? encodeJSON(HardwareList(hardware: HardwareCatalog.all))
    let openAPI = try? encodeJSON(OpenAPIDocument())
    router.get("/api/hardware") { _, _ in jsonResponse(hardware ?? ByteBuffer()) }
    router.get("/api/openapi.json") { _, _ in jsonResponse(openAPI ?? ByteBuffer()) }
    router.post("/api/inspect/config") { request, context in
        let bytes = try await body(request, limit: limit)
        let key = "POST /api/inspect/config " + String(decoding: bytes, as: UTF8.self)
        if let body = answers.lookup(key) { return jsonResponse(body) }
        return try await answering(models, answers, context, key: key, model: nil) {
            try inspectPasted(bytes)
        }
    }
    // A dropped file's header (the browser sends the first bytes, never the weights), with the file's name and size.
    router.post("/api/inspect/header") { request, context in
        let bytes = try await body(request, limit: maximumHeaderBytes)
        let parameters = request.uri.queryParameters
        let name = parameters["name"].map(String.init) ?? ""
        let size = parameters["size"].flatMap { Int(String($0)) }
        return try await answering(models, answers, context, key: nil, model: nil) { try inspectHeader(bytes, name: name, size: size) }
    }
    for path in ["/api/models", "/api/hardware", "/api/openapi.json"] { allowed[path] = [.get] }
    allowed["/api/inspect/config"] = [.post]
    allowed["/api/inspect/header"] = [.post]

    for calculator in Calculators.all {
        func register<Query: Calculator>(_: Query.Type) {
            let path = "/api/" + Query.name
            allowed[path] = [.post]
            if queryStringCalculators.contains(Query.name) {
                allowed[path] = [.get, .post]
                router.get(RouterPath(path)) { request, context in
                    let key = "GET " + request.uri.description
                    if let body = answers.lookup(key) { return jsonResponse(body) }
                    let query: Query
                    do {
                        query = try Query(pairs: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
                    } catch {
                        throw WebError.translating(error, decoding: true, rename: models.rename, logger: context.logger)
                    }
                    return try await answering(query, key: key, models, resolver, answers, context)
                }
            }
            router.post(RouterPath(path)) { request, context in
                let bytes = try await body(request, limit: limit)
                let key = "POST " + path + " " + String(decoding: bytes, as: UTF8.self)
                if let body = answers.lookup(key) { return jsonResponse(body) }
                let query: Query
                do {
                    query = try decode(Query.self, bytes)
                } catch {
                    throw WebError.translating(error, decoding: true, rename: models.rename, logger: context.logger)
                }
                return try await answering(query, key: key, models, resolver, answers, context)
            }
        }
        register(calculator)
    }
    router.add(middleware: MethodNotAllowed(allowed: allowed))
    return router
}

/// Answers a request (its cache key is the request as it came: method, path and body or query), computing it off
/// the event loop and keeping the encoded answer while the model file it names is unchanged.
func answering<Query: Calculator>(
    _ query: Query, key: String, _ models: ServedModels, _ resolver: RemoteModels, _ answers: AnswerCache, _ context: WebContext
) async throws -> Response {
    var model: String?
    var remote = false
    if case .text(let name)? = Query.fields.first(where: { $0.name == "model" })?.value(in: query) {
        model = try? models.roots.resolve(name)
        // A remote revision may move: its answers are not kept.
        remote = name.hasPrefix("hf:") || name.hasPrefix("ollama:")
    }
    return try await answering(models, answers, context, key: remote ? nil : key, model: model) { try await query.run(with: resolver) }
}

func answering<Output: Presentable>(
    _ models: ServedModels, _ answers: AnswerCache, _ context: WebContext, key: String?, model: String?,
    _ compute: @escaping @Sendable () async throws -> Output
) async throws -> Response {
    let stamp = model.map(FileStamp.init)
    let output: Output
    do {
        output = try await Task.detached { try await compute() }.value
    } catch {
        throw WebError.translating(error, rename: models.rename, logger: context.logger)
    }
    let body: ByteBuffer
    do {
        body = try encodeJSON(Answer(document: output.document, charts: output.charts))
    } catch {
        // A value JSON cannot hold (NaN, infinity) is a bug: logged, and a 500 that says so.
        context.logger.error("internal error: the answer cannot be encoded", metadata: ["error": "\(error)", "request": "\(key ?? "-")"])
        throw WebError(.internalServerError, field: nil, message: "internal error: the answer cannot be encoded as JSON; this is a bug in Heft")
    }
    if let key { answers.store(key, model: model, stamp: stamp, body: body) }
    return jsonResponse(body)
}

/// JSON as the command line prints it: sorted keys, unescaped slashes.
func encodeJSON(_ value: some Encodable) throws -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return ByteBuffer(bytes: try encoder.encode(value))
}

func jsonResponse(_ body: ByteBuffer) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
}

/// Encoded answers by request as it came, reused while the model file the request names keeps its size,
/// modification time and inode (the stamp is taken before computing, so a change during it is seen next time).
/// Bounded: past ``capacity`` entries it starts again.
final class AnswerCache: Sendable {
    private struct Entry {
        let model: String?
        let stamp: FileStamp?
        let body: ByteBuffer
    }

    private let entries = Mutex<[String: Entry]>([:])
    static let capacity = 1024

    func lookup(_ key: String) -> ByteBuffer? {
        guard let entry = entries.withLock({ $0[key] }) else { return nil }
        if let model = entry.model, FileStamp(model) != entry.stamp { return nil }
        return entry.body
    }

    func store(_ key: String, model: String?, stamp: FileStamp?, body: ByteBuffer) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[key] = Entry(model: model, stamp: stamp, body: body)
        }
    }
}

/// The request body, up to `limit` bytes (413 beyond).
func body(_ request: Request, limit: Int) async throws -> [UInt8] {
    do {
        var buffer = try await request.body.collect(upTo: limit)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    } catch {
        throw WebError(.contentTooLarge, field: nil, message: "the request body is larger than \(limit) bytes")
    }
}

/// A request decoded from a JSON body: an object of the request's fields (an empty body is the defaults).
func decode<Query: Calculator>(_: Query.Type, _ bytes: [UInt8]) throws -> Query {
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
        throw WebError(.badRequest, field: nil, message: "the body is empty: send a JSON object of the request's fields ({} for the defaults)")
    }
    return try JSONDecoder().decode(Query.self, from: Data(bytes))
}

/// A pasted config.json: the object itself, or `{"config": {…}}`.
/// The most of a dropped file's header the server takes: a GGUF with a 262k-token vocabulary has 6.5 MB of header.
let maximumHeaderBytes = 64 << 20

/// Inspects a file from its first bytes: they are written to a private temporary file extended (sparsely) to the
/// file's size, so the readers see the file as it is on the user's disk, then removed.
func inspectHeader(_ bytes: [UInt8], name: String, size: Int?) throws -> InspectionReport {
    let base = (name as NSString).lastPathComponent
    let lower = base.lowercased()
    guard lower.hasSuffix(".gguf") || lower.hasSuffix(".safetensors"), !base.hasPrefix("."), base.utf8.count <= 255 else {
        throw WebError(.badRequest, field: "name", message: "give the dropped file's name, ending in .gguf or .safetensors")
    }
    guard let size, size >= bytes.count, size <= 1 << 42 else {
        throw WebError(.badRequest, field: "size", message: "give the file's size in bytes, at least the \(bytes.count) sent and at most 4 TiB")
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("heft-drop-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent(base).path
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)), let handle = FileHandle(forWritingAtPath: path) else {
        throw WebError(.internalServerError, field: nil, message: "could not write a temporary file")
    }
    try handle.truncate(atOffset: UInt64(size))
    try handle.close()
    do {
        return try InspectionReport.inspect(path, includeTensors: true).naming(path, as: base)
    } catch {
        // A header longer than the bytes sent parses as a file of zeros past them: ask for more while there is more.
        var answer = WebError(.unprocessableContent, field: "file", message: error.description.replacingOccurrences(of: path, with: base))
        answer.needBytes = bytes.count < size
        throw answer
    }
}

func inspectPasted(_ bytes: [UInt8]) throws -> InspectionReport {
    let document: JSONValue
    do {
        document = try JSONParser.parse(bytes)
    } catch {
        throw WebError(.badRequest, field: "config", message: "not valid JSON: \(error.detail)")
    }
    guard case .object(var object) = document else { throw WebError(.badRequest, field: "config", message: "the body must be a JSON object") }
    if case .object(let inner)? = object["config"] { object = inner }
    let reader = ConfigReader(path: "pasted config.json", root: object)
    do {
        return try InspectionReport(source: ModelSource.config(reader, name: "pasted config.json"), includeTensors: false)
    } catch {
        throw WebError(.unprocessableContent, field: error.field ?? "config", message: error.description)
    }
}

func asset(_ bytes: [UInt8], _ type: String) -> Response {
    Response(
        status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// `/api/models`.
struct Catalog: ResponseEncodable {
    let models: [ListedModel]
    let roots: [String]
    let examples = ExampleConfigs.names
    let pairs = Evidence.pairAliases.map { Pair(name: $0.alias, id: $0.id) }
    let distillExamples = Evidence.pairs

    struct Pair: Encodable { let name, id: String }
}

/// `/api/hardware`.
struct HardwareList: Encodable {
    let hardware: [Hardware]
    func encode(to encoder: any Encoder) throws { try hardware.encode(to: encoder) }
}

/// `/api/openapi.json`.
struct OpenAPIDocument: Encodable {
    func encode(to encoder: any Encoder) throws { try OpenAPI.document.encode(to: encoder) }
}

/// A request to a known path with a method it does not take is a 405 with `Allow`, not a 404.
struct MethodNotAllowed: RouterMiddleware {
    typealias Context = WebContext
    let allowed: [String: [HTTPRequest.Method]]

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        if let methods = allowed[request.uri.path], !methods.contains(request.method), request.method != .head {
            var error = WebError(
                .methodNotAllowed, field: nil, message: "\(request.uri.path) takes \(methods.map(\.rawValue).joined(separator: " and "))")
            error.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
            throw error
        }
        return try await next(request, context)
    }
}
