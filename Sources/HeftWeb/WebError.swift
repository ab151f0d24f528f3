import Foundation
internal import HeftFormats
import HeftKit
import HeftRemote
public import Hummingbird
import Logging
import NIOCore

/// A failure the web app answers: a status and a JSON body `{"error": …, "field": …}` naming the field in the
/// user's words. A mistake in the request is a 4xx; a bug is a 500, logged, and tested never to happen.
public struct WebError: HTTPResponseError {
    public let status: HTTPResponse.Status
    public let field: String?
    public let message: String
    public var headers: HTTPFields = [:]
    /// For a header sent in part (a dropped file's first bytes): whether more bytes may let it parse.
    public var needBytes: Bool? = nil

    public init(_ status: HTTPResponse.Status, field: String?, message: String) {
        self.status = status
        self.field = field
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status, headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(WebErrorBody(error: message, field: field, needBytes: needBytes)))))
    }

    /// The answer to `error`, thrown while serving a request: what the user asked for is named in their words and
    /// server paths become model ids (`rename`).
    /// `decoding` says the error came from reading the request's fields, before any was checked.
    static func translating(_ error: any Error, decoding: Bool = false, rename: (String) -> String, logger: Logger) -> WebError {
        switch error {
        case let error as WebError: return error
        case let error as EstimateError:
            // A field that cannot be read (unknown, null, "abc" for a number) is a bad request (400). Once every
            // field is read, a value or a combination the estimate refuses (a zero context, ZeRO without devices,
            // a model that cannot hold the request) is well formed but unprocessable (422).
            return WebError(decoding ? .badRequest : .unprocessableContent, field: error.field, message: error.description)
        case var error as FormatError:
            error.file = rename(error.file)
            let notFound = error.rule == .io || error.rule == .noModelFiles
            return WebError(
                notFound ? .notFound : .unprocessableContent, field: error.field.map { _ in "model" } ?? "model", message: error.description)
        case let error as RemoteError:
            // What the Hub or registry said, in the same words as the command line; never a 5xx. A name that cannot
            // be a model's (ORG/NAME with a bad :QUANT or @REVISION) is a string the documented pattern admits, so
            // it is unprocessable (422), not malformed (400).
            let status: HTTPResponse.Status =
                switch error.kind {
                case .badName: .unprocessableContent
                case .notFound: .notFound
                case .gated, .unauthorized: .forbidden
                default: .unprocessableContent
                }
            return WebError(status, field: "model", message: error.description)
        case let error as DecodingError:
            return WebError(.badRequest, field: nil, message: "the body is not a JSON object of the request's fields: \(Self.describe(error))")
        default:
            logger.error("internal error", metadata: ["error": "\(String(reflecting: error))"])
            return WebError(.internalServerError, field: nil, message: "internal error; this is a bug in Heft, please report it")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            context.debugDescription
        @unknown default: "\(error)"
        }
    }
}

/// The JSON body of every failure.
struct WebErrorBody: Encodable {
    let error: String
    let field: String?
    var needBytes: Bool? = nil
}
