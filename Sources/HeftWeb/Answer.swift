public import Foundation
import HeftKit
public import Hummingbird
import Logging
import NIOCore

/// A calculator's answer as the API returns it: the JSON document the command line prints with `--json`, plus
/// its charts by name (`"charts": {"memory": "<svg …>"}`). Encoded as typed values; nothing is patched as text.
/// A value JSON cannot hold (a NaN or an infinity) is a bug: a logged 500 that names the path, never a silent one.
public struct Answer<Document: Encodable & Sendable>: ResponseGenerator, Encodable, Sendable {
    public let document: Document
    public let charts: [String: String]

    public init(document: Document, charts: [String: String]) {
        self.document = document
        self.charts = charts
    }

    private enum Key: String, CodingKey { case charts }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let bytes = try encoder.encode(self)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        } catch {
            context.logger.error("internal error: the answer cannot be encoded", metadata: ["error": "\(error)", "uri": "\(request.uri)"])
            throw WebError(.internalServerError, field: nil, message: "internal error: the answer cannot be encoded as JSON; this is a bug in Heft")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try document.encode(to: encoder)
        if !charts.isEmpty {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(charts, forKey: .charts)
        }
    }
}

/// The web app's request context: JSON answers with sorted keys and unescaped slashes, as the command line prints.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) { coreContext = .init(source: source) }

    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
