/// A JSON document as parsed by ``JSONParser``: exact numbers, ordered objects, and the byte offset of every
/// value so that errors can point into the file.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number kept as its source text, so that integers above 2⁵³ stay exact.
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A short name of the value's type for error messages ("string", "array", …).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A JSON number as written. Integer accessors are exact: `16.0`, `1e3` and `-1` are not unsigned integers.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's text in the document.
    public let text: String

    public init(text: String) { self.text = text }

    /// Whether the text has no fraction or exponent.
    public var isInteger: Bool { !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) }

    /// The value as a non-negative integer, or `nil` if it is negative, fractional or above 2⁶⁴−1.
    public var unsigned: UInt64? { isInteger ? UInt64(text) : nil }

    /// The value as an `Int`, or `nil` if it is fractional or out of range.
    public var int: Int? { isInteger ? Int(text) : nil }

    /// The value as a `Double` (may round).
    public var double: Double? { Double(text) }

    public var description: String { text }
}

/// A JSON object with its keys in document order and the offset of each value.
public struct JSONObject: Sendable, Hashable {
    /// One member: key, value, and the absolute byte offset where the value starts.
    public struct Member: Sendable, Hashable {
        public let key: String
        public let value: JSONValue
        public let offset: Int
    }

    /// Members in document order. Keys are unique: the parser rejects duplicates.
    public let members: [Member]
    private let index: [String: Int]

    public init(members: [Member]) {
        self.members = members
        var index: [String: Int] = [:]
        index.reserveCapacity(members.count)
        for (position, member) in members.enumerated() { index[member.key] = position }
        self.index = index
    }

    public subscript(key: String) -> JSONValue? {
        guard let position = index[key] else { return nil }
        return members[position].value
    }

    /// The member named `key`, with its offset.
    public func member(_ key: String) -> Member? {
        guard let position = index[key] else { return nil }
        return members[position]
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
}

extension JSONObject {
    /// The object with integer values set for `changes` (keys not present are appended), order kept.
    public func replacing(_ changes: [String: Int]) -> JSONObject {
        var result = self
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) {
            result = result.replacingValue(key, with: .number(JSONNumber(text: String(value))))
        }
        return result
    }

    /// The object with `key` set to `value` (appended when absent).
    public func replacingValue(_ key: String, with value: JSONValue) -> JSONObject {
        var members = self.members
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index] = Member(key: key, value: value, offset: members[index].offset)
        } else {
            members.append(Member(key: key, value: value, offset: 0))
        }
        return JSONObject(members: members)
    }
}

extension JSONValue {
    /// The value as pretty-printed JSON text (two-space indent, keys in document order).
    public func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let number): return number.text
        case .string(let string): return Self.quoted(string)
        case .array(let values):
            if values.isEmpty { return "[]" }
            return "[\n" + values.map { pad + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n\(close)]"
        case .object(let object):
            if object.members.isEmpty { return "{}" }
            return "{\n" + object.members.map { pad + Self.quoted($0.key) + ": " + $0.value.serialized(indent: indent + 1) }.joined(separator: ",\n")
                + "\n\(close)}"
        }
    }

    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
