import Foundation
internal import HeftFormats
import HeftKit
public import Hummingbird

/// How `heft serve` runs.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The only folders whose files the app may read.
    public var modelDirectories: [String] = []
    /// The largest request body accepted.
    public var maxBodyBytes = 1 << 20

    public init() {}
}

/// The Hummingbird application for `heft serve`.
public func buildApplication(_ configuration: ServeConfiguration) -> some ApplicationProtocol {
    Application(
        router: buildRouter(configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "heft")
    )
}

/// The router: pages, the JSON API, and the error rule — bad input is a 4xx with a JSON body naming the field,
/// never a 5xx.
public func buildRouter(_ configuration: ServeConfiguration) -> Router<BasicRequestContext> {
    let api = API(roots: ModelRoots(directories: configuration.modelDirectories), maxBodyBytes: configuration.maxBodyBytes)
    let router = Router(context: BasicRequestContext.self)

    for page in ["/", "/inspect", "/memory", "/distill", "/quantize", "/pipeline"] {
        router.get(RouterPath(page)) { _, _ in html(Pages.shell) }
    }
    router.get("/app.js") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Pages.script)))
    }
    router.get("/app.css") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Pages.style)))
    }

    router.get("/api/models") { _, _ in json(api.models()) }
    router.get("/api/hardware") { _, _ in json(api.hardwareList()) }
    router.get("/api/openapi.json") { _, _ in json(Data(OpenAPI.document.utf8)) }
    router.get("/api/inspect") { request, _ in respond { try api.inspect(query(request)) } }
    router.post("/api/inspect") { request, _ in
        await respond(body: request, limit: api.maxBodyBytes) { bytes in try api.inspectConfig(bytes) }
    }
    router.get("/api/memory") { request, _ in respond { try api.memory(query(request)) } }
    router.post("/api/memory") { request, _ in
        await respond(body: request, limit: api.maxBodyBytes) { bytes in try api.memory(Fields(body: bytes)) }
    }
    router.post("/api/plan/distill") { request, _ in
        await respond(body: request, limit: api.maxBodyBytes) { bytes in try api.distill(Fields(body: bytes)) }
    }
    router.post("/api/plan/quantize") { request, _ in
        await respond(body: request, limit: api.maxBodyBytes) { bytes in try api.quantize(Fields(body: bytes)) }
    }
    router.post("/api/plan/pipeline") { request, _ in
        await respond(body: request, limit: api.maxBodyBytes) { bytes in try api.pipeline(Fields(body: bytes)) }
    }
    return router
}

func query(_ request: Request) -> Fields {
    Fields(query: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
}

func html(_ text: String) -> Response {
    Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func failure(_ error: APIError) -> Response {
    var object: [String: Any] = ["error": error.message]
    if let field = error.field { object["field"] = field }
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return json(data, status: HTTPResponse.Status(code: min(max(error.status, 400), 499)))
}

/// Runs a handler, turning any error into a 4xx: user input never produces a 5xx.
func respond(_ body: () throws -> Data) -> Response {
    do {
        return json(try body())
    } catch let error as APIError {
        return failure(error)
    } catch let error as FormatError {
        return failure(APIError(status: 400, field: error.field, message: error.description))
    } catch let error as EstimateError {
        return failure(APIError(status: 400, field: nil, message: error.message))
    } catch {
        return failure(APIError(status: 400, field: nil, message: "\(error)"))
    }
}

/// Collects a body up to `limit` bytes (413 beyond it), then runs the handler.
func respond(body request: Request, limit: Int, _ handler: ([UInt8]) throws -> Data) async -> Response {
    let bytes: [UInt8]
    do {
        var buffer = try await request.body.collect(upTo: limit)
        bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
    } catch {
        return failure(APIError(status: 413, field: nil, message: "the request body exceeds \(limit) bytes"))
    }
    return respond { try handler(bytes) }
}
