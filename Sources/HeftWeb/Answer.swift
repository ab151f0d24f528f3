public import Foundation
import HeftKit
public import Hummingbird
import Logging
import NIOCore

/// A calculator's answer as the API returns it: the JSON document the command line prints with `--json`, plus
/// its charts by name (`"charts": {"memory": "<svg …>"}`). Encoded as typed values; nothing is patched as text.
public struct Answer<Document: Encodable & Sendable>: Encodable, Sendable {
    public let document: Document
    public let charts: [String: String]

    public init(document: Document, charts: [String: String]) {
        self.document = document
        self.charts = charts
    }

    private enum Key: String, CodingKey { case charts }

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
