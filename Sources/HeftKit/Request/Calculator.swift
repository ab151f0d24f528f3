/// A calculator's request: every input with its default, bounds and help in one table (``fields``), decoded the
/// same way from JSON, a query string or the command line, and validated in one place before it runs.
///
/// The command line maps its options into a request and the web app decodes one from the body; both then call
/// ``run(with:)``, so the same input gives the same answer.
public protocol Calculator: Codable, Sendable {
    associatedtype Output: Presentable
    /// The calculator's name in URLs and messages (`memory`, `plan/distill`).
    static var name: String { get }
    /// One line that says what it computes.
    static var summary: String { get }
    /// Every input, in the order help and forms show them.
    static var fields: [RequestField<Self>] { get }
    /// The defaults.
    init()
    /// Groups of fields of which the request needs at least one each: `[["model", "example", "params"]]` is "a
    /// model, an example or a parameter count". A field counts when it differs from its default.
    static var requiredGroups: [[String]] { get }
    /// Groups of fields of which the request may give at most one.
    static var exclusiveGroups: [[String]] { get }
    /// Checks what neither a bound nor a group expresses (names a list does not hold, fields that contradict
    /// each other for this model).
    func validateCombination() throws(EstimateError)
    /// Computes the answer. `models` opens the models the request names.
    func compute(with models: any ModelResolver) async throws -> Output
}

extension Calculator {
    public static var requiredGroups: [[String]] { [] }
    public static var exclusiveGroups: [[String]] { [] }
    public func validateCombination() throws(EstimateError) {}

    /// Whether the field `name` is given: set, and not its default.
    public func isGiven(_ name: String) -> Bool {
        guard let field = Self.fields.first(where: { $0.name == name }), let value = field.value(in: self) else { return false }
        return value != field.value(in: Self())
    }

    /// Validates every field against its bounds, then the combination, then computes.
    public func run(with models: any ModelResolver) async throws -> Output {
        try validate()
        return try await compute(with: models)
    }

    /// Every field against its bounds, then the combination.
    public func validate() throws(EstimateError) {
        for field in Self.fields { try field.validate(self) }
        for group in Self.requiredGroups where !group.contains(where: isGiven) {
            let names = group.count == 1 ? group[0] : group.dropLast().joined(separator: ", ") + " or " + group[group.count - 1]
            throw EstimateError(field: group[0], "is required: give \(names)")
        }
        for group in Self.exclusiveGroups where group.filter(isGiven).count > 1 {
            throw EstimateError(field: group.filter(isGiven)[1], "give only one of \(group.joined(separator: ", "))")
        }
        try validateCombination()
    }

    /// The help text of a field, for the command line's options.
    public static func help(_ name: String) -> String { fields.help(name, defaults: Self()) }

    /// A request from name–value pairs (a query string, a form): unknown names are refused.
    public init(pairs: [(String, String)]) throws(EstimateError) {
        self.init()
        for (name, value) in pairs { try set(name, .text(value)) }
    }

    /// Sets the field `name` from `input`.
    public mutating func set(_ name: String, _ input: FieldInput) throws(EstimateError) {
        guard let field = Self.fields.first(where: { $0.name == name }) else {
            throw EstimateError(field: name, "is not an input of \(Self.name); it takes \(Self.fields.map(\.name).joined(separator: ", "))")
        }
        try field.assign(&self, input)
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: FieldKey.self)
        for key in container.allKeys {
            if try container.decodeNil(forKey: key) {
                throw EstimateError(field: key.stringValue, "is null; leave the field out to use its default")
            }
            let input: FieldInput
            if let flag = try? container.decode(Bool.self, forKey: key) {
                input = .flag(flag)
            } else if let number = try? container.decode(Double.self, forKey: key) {
                input = .number(number)
            } else if let text = try? container.decode(String.self, forKey: key) {
                input = .string(text)
            } else {
                throw EstimateError(field: key.stringValue, "must be a number, a string or true/false")
            }
            try set(key.stringValue, input)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: FieldKey.self)
        for field in Self.fields {
            switch field.value(in: self) {
            case .text(let text)?, .string(let text)?: try container.encode(text, forKey: FieldKey(field.name))
            case .number(let number)?:
                if number == number.rounded(), abs(number) < 9e15 {
                    try container.encode(Int(number), forKey: FieldKey(field.name))
                } else {
                    try container.encode(number, forKey: FieldKey(field.name))
                }
            case .flag(let flag)?: try container.encode(flag, forKey: FieldKey(field.name))
            case nil: break
            }
        }
    }
}

/// Any field name as a coding key.
struct FieldKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension Array {
    /// The help of the field `name`: its sentence, its bounds or choices, and its default in `defaults`.
    public func help<Request>(_ name: String, defaults: Request) -> String where Element == RequestField<Request> {
        guard let field = first(where: { $0.name == name }) else { return "" }
        var text = field.help + field.schema.boundsNote
        switch field.value(in: defaults) {
        case .number(let number)?: text += " Default: \(shortNumber(number))."
        case .text(let value)? where !value.isEmpty, .string(let value)? where !value.isEmpty: text += " Default: \(value)."
        default: break
        }
        return text
    }
}

extension FieldSchema {
    /// The bounds as help text adds them: ` (1–65,536)`.
    var boundsNote: String {
        switch self {
        case .integer(let range): " (\(Formatting.grouped(range.lowerBound))–\(Formatting.grouped(range.upperBound)))"
        case .tokens(let range): " (\(Formatting.grouped(range.lowerBound))–\(Formatting.grouped(range.upperBound)); 32k = 32,768)"
        case .number(let lower, let upper, let lowerInclusive, let upperInclusive):
            " (" + (lowerInclusive ? "[" : "(") + "\(shortNumber(lower)), \(shortNumber(upper))" + (upperInclusive ? "]" : ")") + ")"
        case .choice(let names): " (\(names.joined(separator: ", ")))"
        case .size, .text, .pattern, .boolean: ""
        }
    }
}

/// Opens the models requests name: the command line reads paths and the local model caches, the web app only
/// the ids under the folders it serves.
public protocol ModelResolver: Sendable {
    /// The model `name` refers to, sized with `parameters` when the user gives a count.
    func profile(_ name: String, parameters: Int?) async throws -> ModelProfile
    /// The inspection report of the model `name`.
    func inspection(_ name: String, includeTensors: Bool) async throws -> InspectionReport
    /// The model `name` as a source of tensor data, for `stats`.
    func source(_ name: String) async throws -> ModelSource
    /// The statistics of every weight of the model `name` (a resolver may keep them while the files are unchanged).
    func statistics(_ name: String, options: StatsOptions) async throws -> StatsReport
}

extension ModelResolver {
    public func statistics(_ name: String, options: StatsOptions) async throws -> StatsReport {
        try await StatsScanner.scan(try await source(name), options: options)
    }
}
