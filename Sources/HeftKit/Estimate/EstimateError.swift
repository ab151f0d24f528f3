/// Why an estimate cannot be made: an input out of range, or a model that lacks what the estimate needs.
public struct EstimateError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
