/// Why an estimate or plan cannot be made.
///
/// With a ``field``, the user asked for something out of bounds (a context of -5, an unknown GPU, a ratio below 1):
/// a usage error, which the command line ends with exit code 64 and the web app answers with 400. Without one, the
/// request was well formed but the model cannot support it (no architecture to size a KV cache from, a size past
/// 64 bits): a refusal, exit code 1 or 422.
public struct EstimateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request field at fault, in the user's words (`context`, `gpu`, `ratio`), when the request is.
    public let field: String?
    /// What was wrong and what to do, as a sentence.
    public let message: String

    public init(_ message: String) {
        field = nil
        self.message = message
    }

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// Whether the user's request, not the model, is at fault.
    public var isUsageError: Bool { field != nil }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
