/// Why an estimate or plan cannot be made.
///
/// A usage error is a request the user can see is wrong without knowing the model: a value out of its bounds (a
/// context of -5, a ratio below 1), an unknown name (a GPU, a precision), nothing asked for. The command line
/// ends it with exit code 64 and the web app answers 400. A refusal is a request that is well formed but that this
/// model cannot support, or whose fields contradict each other (keep 64 heads of a model with 32, a hidden size
/// heads do not divide, no architecture to size a KV cache from): exit code 1, or 422. Either may name the field.
public struct EstimateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request field at fault, in the user's words (`context`, `gpu`, `ratio`), when the request is.
    public let field: String?
    /// What was wrong and what to do, as a sentence.
    public let message: String
    /// Whether the request is wrong whatever the model (see the type's description).
    public let isUsageError: Bool

    /// A refusal that names no field.
    public init(_ message: String) {
        field = nil
        self.message = message
        isUsageError = false
    }

    /// A usage error in `field`, or with `refused`, a refusal that names it.
    public init(field: String, _ message: String, refused: Bool = false) {
        self.field = field
        self.message = message
        isUsageError = !refused
    }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
