internal import HeftFormats
import HeftKit

/// Request inputs — a JSON body or a query string — with typed getters whose errors name the field.
struct Fields {
    private let values: [String: JSONValue]

    init(query: [(String, String)]) {
        var values: [String: JSONValue] = [:]
        for (key, value) in query { values[key] = .string(value) }
        self.values = values
    }

    init(body bytes: [UInt8]) throws(APIError) {
        guard !bytes.isEmpty else {
            values = [:]
            return
        }
        let document: JSONValue
        do throws(FormatError) {
            document = try JSONParser.parse(bytes)
        } catch {
            throw APIError(status: 400, field: error.field, message: "the body is not valid JSON: \(error.detail)")
        }
        guard case .object(let object) = document else { throw APIError(status: 400, field: nil, message: "the body must be a JSON object") }
        var values: [String: JSONValue] = [:]
        for member in object.members { values[member.key] = member.value }
        self.values = values
    }

    func has(_ key: String) -> Bool { values[key].map { !$0.isNull } ?? false }

    func string(_ key: String) throws(APIError) -> String? {
        guard let value = values[key], !value.isNull else { return nil }
        switch value {
        case .string(let text): return text
        case .number(let number): return number.text
        case .bool(let bool): return bool ? "true" : "false"
        default: throw APIError(status: 400, field: key, message: "\(key) must be a string")
        }
    }

    func double(_ key: String, range: ClosedRange<Double>) throws(APIError) -> Double? {
        guard let text = try string(key) else { return nil }
        guard let value = Double(text), value.isFinite else { throw APIError(status: 400, field: key, message: "\(key) must be a finite number") }
        guard range.contains(value) else {
            throw APIError(status: 400, field: key, message: "\(key) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// An integer count; accepts `7e9`-style numbers when they are whole.
    func int(_ key: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let value = try double(key, range: Double(range.lowerBound)...Double(range.upperBound)) else { return nil }
        guard value == value.rounded() else { throw APIError(status: 400, field: key, message: "\(key) must be a whole number") }
        return Int(value)
    }

    func bool(_ key: String) throws(APIError) -> Bool {
        guard let text = try string(key) else { return false }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off", "": return false
        default: throw APIError(status: 400, field: key, message: "\(key) must be true or false")
        }
    }
}
