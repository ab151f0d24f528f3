/// One input of a calculator: its name in the user's words, its help, what values it takes, and how it is read
/// into and out of the request. A request type lists all of its fields in one table (`fields`), and everything
/// else derives from that table: JSON and query-string decoding, bounds checks, the command line's help texts,
/// the OpenAPI document and the web forms' option lists.
public struct RequestField<Request>: Sendable {
    /// The name in JSON bodies, query strings and error messages; the command line's flag is its kebab-case form
    /// (`kvCache` → `--kv-cache`).
    public let name: String
    public let help: String
    public let schema: FieldSchema
    let assign: @Sendable (inout Request, FieldInput) throws(EstimateError) -> Void
    let read: @Sendable (Request) -> FieldInput?
    let check: @Sendable (Request) throws(EstimateError) -> Void

    /// Checks the field's value in `request` against its bounds.
    public func validate(_ request: Request) throws(EstimateError) { try check(request) }

    /// The field's value in `request` as the user would write it, or nil when unset.
    public func value(in request: Request) -> FieldInput? { read(request) }

    /// The same field reached through `path` (a request embeds a ``ModelSpec`` this way).
    public func within<Outer>(_ path: any WritableKeyPath<Outer, Request> & Sendable) -> RequestField<Outer> {
        let inner = self
        return RequestField<Outer>(
            name: name, help: help, schema: schema,
            assign: { (outer: inout Outer, input: FieldInput) throws(EstimateError) in try inner.assign(&outer[keyPath: path], input) },
            read: { inner.read($0[keyPath: path]) },
            check: { (outer: Outer) throws(EstimateError) in try inner.check(outer[keyPath: path]) }
        )
    }
}

/// A value as it arrives: text (a query string, the command line), a JSON string, a JSON number or a JSON boolean.
///
/// Text may stand for any type. In a JSON body, types are kept: a real number or a flag must be a JSON number or
/// boolean, while a count or size may also be a string in its short form (`"7B"`, `"32k"`, `"6GiB"`).
public enum FieldInput: Sendable, Equatable {
    case text(String)
    case string(String)
    case number(Double)
    case flag(Bool)

    /// The input as text, as the parsers of counts, sizes and names read it.
    public var text: String {
        switch self {
        case .text(let text), .string(let text): text
        case .number(let number): number == number.rounded() && abs(number) < 9e15 ? String(Int(number)) : String(number)
        case .flag(let flag): flag ? "true" : "false"
        }
    }
}

/// What values a field takes, for the OpenAPI document and the web forms.
public enum FieldSchema: Sendable, Equatable {
    /// A whole number in `range`; counts accept `32k`, `7B`, `1e9`.
    case integer(ClosedRange<Int>)
    /// A length in tokens in `range`; `32k` = 32,768.
    case tokens(ClosedRange<Int>)
    /// A real number between the bounds, each inclusive or not.
    case number(lower: Double, upper: Double, lowerInclusive: Bool, upperInclusive: Bool)
    /// A size in bytes: `6GB`, `6GiB`, `6e9`.
    case size
    /// One of these names.
    case choice([String])
    /// Free text read by a parser (a model id, a GPU name, a precision); `examples` lists typical values; at most
    /// `maximumBytes` of UTF-8.
    case text(examples: [String], maximumBytes: Int = 4096)
    /// Text matching a regular expression (a list of numbers).
    case pattern(String)
    case boolean
}

/// The constructors request types use in their tables.
extension RequestField {
    private static func fail(_ name: String, _ message: String) -> EstimateError { EstimateError(field: name, message) }

    /// A whole number within `range`, written as `4096`, `32k`, `7B` or `1e9`.
    public static func integer(
        _ name: String, _ path: any WritableKeyPath<Request, Int?> & Sendable, _ range: ClosedRange<Int>, _ help: String
    ) -> RequestField {
        whole(name, path, range, help, schema: .integer(range), parse: parseInteger)
    }

    /// A whole number with a default.
    public static func integer(
        _ name: String, _ path: any WritableKeyPath<Request, Int> & Sendable, _ range: ClosedRange<Int>, _ help: String
    ) -> RequestField {
        whole(name, path, range, help, schema: .integer(range), parse: parseInteger)
    }

    /// A length in tokens within `range`: `4096`, `32k` (= 32,768), `128k`, `1M` (= 1,048,576).
    public static func tokens(
        _ name: String, _ path: any WritableKeyPath<Request, Int?> & Sendable, _ range: ClosedRange<Int>, _ help: String
    ) -> RequestField {
        whole(name, path, range, help, schema: .tokens(range), parse: parseTokens)
    }

    /// A length in tokens with a default.
    public static func tokens(
        _ name: String, _ path: any WritableKeyPath<Request, Int> & Sendable, _ range: ClosedRange<Int>, _ help: String
    ) -> RequestField {
        whole(name, path, range, help, schema: .tokens(range), parse: parseTokens)
    }

    /// A whole-number field, optional or not, read by `parse` and checked against `range`.
    private static func whole<Value: Sendable>(
        _ name: String, _ path: any WritableKeyPath<Request, Value> & Sendable, _ range: ClosedRange<Int>, _ help: String,
        schema: FieldSchema, parse: @escaping @Sendable (String, FieldInput) throws(EstimateError) -> Int
    ) -> RequestField where Value: WholeValue {
        RequestField(
            name: name, help: help, schema: schema,
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                request[keyPath: path] = Value(whole: try parse(name, input))
            },
            read: { $0[keyPath: path].whole.map { .number(Double($0)) } },
            check: { (request: Request) throws(EstimateError) in
                if let value = request[keyPath: path].whole { try checkRange(name, value, range) }
            }
        )
    }

    /// A real number between `lower` and `upper`.
    public static func number(
        _ name: String, _ path: any WritableKeyPath<Request, Double?> & Sendable, _ bounds: NumberBounds, _ help: String
    ) -> RequestField {
        RequestField(
            name: name, help: help, schema: bounds.schema,
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                request[keyPath: path] = try parseReal(name, input)
            },
            read: { $0[keyPath: path].map { .number($0) } },
            check: { (request: Request) throws(EstimateError) in
                if let value = request[keyPath: path] { try bounds.check(name, value) }
            }
        )
    }

    /// A real number with a default.
    public static func number(
        _ name: String, _ path: any WritableKeyPath<Request, Double> & Sendable, _ bounds: NumberBounds, _ help: String
    ) -> RequestField {
        RequestField(
            name: name, help: help, schema: bounds.schema,
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                request[keyPath: path] = try parseReal(name, input)
            },
            read: { .number($0[keyPath: path]) },
            check: { (request: Request) throws(EstimateError) in try bounds.check(name, request[keyPath: path]) }
        )
    }

    /// A size in bytes (`6GB`, `6GiB`, `6e9`), at least one byte.
    /// The largest size a request may give: 2^53 − 1 bytes (9 PB), below the first whole number a JSON number rounds.
    public static var maximumSize: Int { (1 << 53) - 1 }

    public static func size(_ name: String, _ path: any WritableKeyPath<Request, Int?> & Sendable, _ help: String) -> RequestField {
        RequestField(
            name: name, help: help, schema: .size,
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                guard let bytes = Quantity.bytes(input.text) else {
                    throw fail(name, "'\(input.text)' is not a size; write it as 6GB, 6GiB, 512MiB or 6e9")
                }
                request[keyPath: path] = bytes
            },
            read: { $0[keyPath: path].map { .number(Double($0)) } },
            check: { (request: Request) throws(EstimateError) in
                if let bytes = request[keyPath: path], bytes < 1 || bytes > RequestField.maximumSize {
                    throw fail(name, "must be a positive size below 9 PB (2^53 bytes)")
                }
            }
        )
    }

    /// One of an enumeration's names.
    public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: any WritableKeyPath<Request, Value> & Sendable, _ help: String
    ) -> RequestField where Value.RawValue == String {
        RequestField(
            name: name, help: help, schema: .choice(Value.allCases.map(\.rawValue)),
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                request[keyPath: path] = try parseChoice(name, input)
            },
            read: { .text($0[keyPath: path].rawValue) },
            check: { _ in }
        )
    }

    /// One of an enumeration's names, or unset.
    public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: any WritableKeyPath<Request, Value?> & Sendable, _ help: String
    ) -> RequestField where Value.RawValue == String {
        RequestField(
            name: name, help: help, schema: .choice(Value.allCases.map(\.rawValue)),
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                request[keyPath: path] = try parseChoice(name, input) as Value
            },
            read: { $0[keyPath: path].map { .text($0.rawValue) } },
            check: { _ in }
        )
    }

    /// A value read from text by a parser (a precision, a GPU, LoRA targets), written back by `format`.
    public static func parsed<Value: Sendable>(
        _ name: String, _ path: any WritableKeyPath<Request, Value> & Sendable, examples: [String], pattern: String? = nil, _ help: String,
        parse: @escaping @Sendable (String) throws(EstimateError) -> Value, format: @escaping @Sendable (Value) -> String
    ) -> RequestField {
        RequestField(
            name: name, help: help, schema: pattern.map { .pattern($0) } ?? .text(examples: examples),
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                do throws(EstimateError) {
                    request[keyPath: path] = try parse(input.text)
                } catch {
                    throw error.field == nil ? fail(name, error.message) : error
                }
            },
            read: { .text(format($0[keyPath: path])) },
            check: { _ in }
        )
    }

    /// A value read from text by a parser, or unset.
    public static func parsed<Value: Sendable>(
        _ name: String, _ path: any WritableKeyPath<Request, Value?> & Sendable, examples: [String], _ help: String,
        parse: @escaping @Sendable (String) throws(EstimateError) -> Value, format: @escaping @Sendable (Value) -> String
    ) -> RequestField {
        RequestField(
            name: name, help: help, schema: .text(examples: examples),
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                do throws(EstimateError) {
                    request[keyPath: path] = try parse(input.text)
                } catch {
                    throw error.field == nil ? fail(name, error.message) : error
                }
            },
            read: { $0[keyPath: path].map { .text(format($0)) } },
            check: { _ in }
        )
    }

    /// Free text (a model id or path, an example's name), at most `maximumBytes` (4,096 unless told).
    public static func text(
        _ name: String, _ path: any WritableKeyPath<Request, String?> & Sendable, examples: [String] = [], maximumBytes: Int = 4096,
        _ help: String
    ) -> RequestField {
        RequestField(
            name: name, help: help, schema: .text(examples: examples, maximumBytes: maximumBytes),
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                let text: String
                switch input {
                case .text(let value), .string(let value): text = value
                default: throw fail(name, "must be a string")
                }
                guard !text.isEmpty else { throw fail(name, "is empty; leave the field out instead") }
                guard text.utf8.count <= maximumBytes else { throw fail(name, "is longer than \(Formatting.grouped(maximumBytes)) bytes") }
                request[keyPath: path] = text
            },
            read: { $0[keyPath: path].map { .text($0) } },
            check: { _ in }
        )
    }

    /// On or off.
    public static func flag(_ name: String, _ path: any WritableKeyPath<Request, Bool> & Sendable, _ help: String) -> RequestField {
        RequestField(
            name: name, help: help, schema: .boolean,
            assign: { (request: inout Request, input: FieldInput) throws(EstimateError) in
                switch input {
                case .flag(let flag): request[keyPath: path] = flag
                case .text(let text) where ["true", "1", "yes", "on"].contains(text.lowercased()): request[keyPath: path] = true
                case .text(let text) where ["false", "0", "no", "off", ""].contains(text.lowercased()): request[keyPath: path] = false
                default: throw fail(name, "must be true or false")
                }
            },
            read: { .flag($0[keyPath: path]) },
            check: { _ in }
        )
    }

    private static func parseInteger(_ name: String, _ input: FieldInput) throws(EstimateError) -> Int {
        if case .flag = input { throw fail(name, "must be a whole number") }
        guard let value = Quantity.count(input.text) else {
            throw fail(name, "'\(input.text)' is not a whole number; write it as 4096, 32k, 7B or 1e9")
        }
        return value
    }

    private static func parseTokens(_ name: String, _ input: FieldInput) throws(EstimateError) -> Int {
        if case .flag = input { throw fail(name, "must be a number of tokens") }
        guard let value = Quantity.tokens(input.text) else {
            throw fail(name, "'\(input.text)' is not a number of tokens; write it as 4096, 32k (= 32,768) or 1M")
        }
        return value
    }

    private static func parseReal(_ name: String, _ input: FieldInput) throws(EstimateError) -> Double {
        switch input {
        case .number(let number) where number.isFinite: return number
        case .text(let text): if let value = Quantity.real(text) { return value }
        case .string: throw fail(name, "must be a JSON number, not a string")
        default: break
        }
        throw fail(name, "'\(input.text)' is not a finite number")
    }

    private static func parseChoice<Value: RawRepresentable & CaseIterable>(_ name: String, _ input: FieldInput) throws(EstimateError) -> Value
    where Value.RawValue == String {
        let text = input.text
        if let value = Value.allCases.first(where: { $0.rawValue == text })
            ?? Value.allCases.first(where: {
                $0.rawValue.lowercased() == text.lowercased()
            })
        {
            return value
        }
        throw fail(name, "unknown value '\(text)'; use one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    private static func checkRange(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(EstimateError) {
        guard range.contains(value) else {
            throw fail(name, "must be between \(Formatting.grouped(range.lowerBound)) and \(Formatting.grouped(range.upperBound)) (got \(value))")
        }
    }
}

/// Bounds of a real-valued field.
public struct NumberBounds: Sendable {
    public let lower: Double
    public let upper: Double
    public let lowerInclusive: Bool
    public let upperInclusive: Bool

    /// `lower ≤ x ≤ upper`.
    public static func closed(_ lower: Double, _ upper: Double) -> NumberBounds {
        NumberBounds(lower: lower, upper: upper, lowerInclusive: true, upperInclusive: true)
    }
    /// `lower < x ≤ upper`, as fractions such as utilization are.
    public static func above(_ lower: Double, upTo upper: Double) -> NumberBounds {
        NumberBounds(lower: lower, upper: upper, lowerInclusive: false, upperInclusive: true)
    }
    /// `lower < x < upper`.
    public static func open(_ lower: Double, _ upper: Double) -> NumberBounds {
        NumberBounds(lower: lower, upper: upper, lowerInclusive: false, upperInclusive: false)
    }

    var schema: FieldSchema { .number(lower: lower, upper: upper, lowerInclusive: lowerInclusive, upperInclusive: upperInclusive) }

    func check(_ name: String, _ value: Double) throws(EstimateError) {
        let aboveLower = lowerInclusive ? value >= lower : value > lower
        let belowUpper = upperInclusive ? value <= upper : value < upper
        guard value.isFinite, aboveLower, belowUpper else {
            let interval = (lowerInclusive ? "[" : "(") + "\(shortNumber(lower)), \(shortNumber(upper))" + (upperInclusive ? "]" : ")")
            throw EstimateError(field: name, "must be in \(interval) (got \(shortNumber(value)))")
        }
    }
}

/// A bound as people write it: `67,108,864`, `0.5`, `1e16`.
func shortNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return Formatting.grouped(Int(value)) }
    return "\(value)"
}

/// `Int` and `Int?`, for the whole-number fields.
public protocol WholeValue {
    init(whole: Int)
    var whole: Int? { get }
}

extension Int: WholeValue {
    public init(whole: Int) { self = whole }
    public var whole: Int? { self }
}

extension Optional: WholeValue where Wrapped == Int {
    public init(whole: Int) { self = whole }
    public var whole: Int? { self }
}
