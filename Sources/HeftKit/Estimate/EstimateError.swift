internal import HeftFormats

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

/// Sizes and counts computed from the user's numbers, checked: a value past 64 bits is a refusal that says what
/// overflowed, never a trap.
enum Sizes {
    /// `value` rounded to a whole number.
    static func whole(_ value: Double, _ what: String) throws(EstimateError) -> Int {
        guard let result = Checked.integer(value) else { throw EstimateError("\(what) is beyond what 64-bit sizes hold; use smaller inputs") }
        return result
    }

    /// `a × b`.
    static func product(_ a: Int, _ b: Int, _ what: String) throws(EstimateError) -> Int {
        guard let result = Checked.multiply(a, b) else { throw EstimateError("\(what) is beyond what 64-bit sizes hold; use smaller inputs") }
        return result
    }

    /// The largest whole number not above `value`, between 0 and `limit` (for answers such as "the largest model
    /// that fits", where any larger number means the same: no limit in practice).
    static func capped(_ value: Double, at limit: Int) -> Int {
        guard value.isFinite else { return value > 0 ? limit : 0 }
        return value >= Double(limit) ? limit : max(0, Int(value.rounded(.down)))
    }
}
