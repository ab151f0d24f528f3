/// A strict JSON parser for untrusted bytes (RFC 8259).
///
/// Foundation's parsers turn large integers into lossy `Double`s and silently keep the last of duplicate keys;
/// the safetensors README forbids duplicates and Trail of Bits' audit (TOB-SFTN-7) names that parser
/// differential. So this parser keeps numbers as text, rejects duplicate keys, validates UTF-8, and bounds
/// nesting with a depth budget so that `[[[[…]]]]` cannot exhaust the stack. Time is linear in the input.
public struct JSONParser {
    /// The nesting depth past which a document is refused. Real headers and configs nest fewer than 10 deep.
    public static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private let baseOffset: Int
    private var position = 0

    private init(bytes: UnsafeRawBufferPointer, baseOffset: Int) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    /// Parses one JSON document filling `bytes` (surrounding whitespace allowed).
    ///
    /// - Parameter baseOffset: the offset of `bytes` in its file, so that errors give absolute offsets.
    public static func parse(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) throws(FormatError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, baseOffset: baseOffset)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw parser.failure(.jsonSyntax, "unexpected data after the JSON value")
        }
        return value
    }

    /// Parses a JSON document held in an array.
    public static func parse(_ bytes: [UInt8], baseOffset: Int = 0) throws(FormatError) -> JSONValue {
        try bytes.withFormatBytes { raw throws(FormatError) in try parse(raw, baseOffset: baseOffset) }
    }

    private func failure(_ rule: FormatError.Rule, _ detail: String, at offset: Int? = nil) -> FormatError {
        FormatError(offset: baseOffset + (offset ?? position), rule: rule, detail: detail)
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(FormatError) -> JSONValue {
        guard let byte = peek() else { throw failure(.jsonSyntax, "the JSON ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw failure(.jsonSyntax, "unexpected character '\(Self.printable(byte))' where a value was expected")
        }
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16)
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(FormatError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw failure(.jsonSyntax, "invalid literal") }
        let start = literal.utf8Start
        for index in 0..<count where bytes[position + index] != start[index] {
            throw failure(.jsonSyntax, "invalid literal")
        }
        position += count
    }

    private mutating func enter(_ depth: Int) throws(FormatError) {
        guard depth <= Self.maximumDepth else {
            throw failure(.jsonDepth, "JSON nests deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func parseObject(depth: Int) throws(FormatError) -> JSONObject {
        try enter(depth)
        position += 1  // {
        var members: [JSONObject.Member] = []
        var seen: Set<String> = []
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return JSONObject(members: [])
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure(.jsonSyntax, "expected a string key") }
            let keyOffset = position
            let key = try parseString()
            guard seen.insert(key).inserted else {
                throw FormatError(
                    offset: baseOffset + keyOffset,
                    field: key,
                    rule: .jsonDuplicateKey,
                    detail: "duplicate key in a JSON object (keys must be unique)"
                )
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw failure(.jsonSyntax, "expected ':' after a key") }
            position += 1
            skipWhitespace()
            let valueOffset = baseOffset + position
            let value = try parseValue(depth: depth)
            members.append(JSONObject.Member(key: key, value: value, offset: valueOffset))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return JSONObject(members: members)
            default: throw failure(.jsonSyntax, "expected ',' or '}' in an object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(FormatError) -> [JSONValue] {
        try enter(depth)
        position += 1  // [
        var values: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            position += 1
            return values
        }
        while true {
            skipWhitespace()
            values.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return values
            default: throw failure(.jsonSyntax, "expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseNumber() throws(FormatError) -> JSONNumber {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        func digits(_ parser: inout JSONParser) -> Int {
            let begin = parser.position
            while let byte = parser.peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { parser.position += 1 }
            return parser.position - begin
        }
        let firstDigit = peek()
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw failure(.jsonSyntax, "invalid number") }
        if firstDigit == UInt8(ascii: "0"), integerDigits > 1 {
            throw failure(.jsonSyntax, "numbers must not have leading zeros", at: start)
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw failure(.jsonSyntax, "invalid number: no digits after '.'") }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw failure(.jsonSyntax, "invalid number: no digits in exponent") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(text: text)
    }

    private mutating func parseString() throws(FormatError) -> String {
        let start = position
        position += 1  // opening quote
        let contentStart = position
        // Fast path: no escapes. Find the closing quote, rejecting control characters.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw failure(.jsonUTF8, "string is not valid UTF-8", at: start)
                }
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure(.jsonSyntax, "control character in a string") }
            position += 1
        }
        guard position < bytes.count else { throw failure(.jsonSyntax, "unterminated string", at: start) }
        // Slow path with escapes: collect UTF-8 bytes, then validate once.
        var utf8 = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[contentStart..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw failure(.jsonUTF8, "string is not valid UTF-8", at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                guard let escape = peek() else { break }
                position += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw failure(.jsonUTF8, "unpaired surrogate in \\u escape") }
                        position += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw failure(.jsonUTF8, "unpaired surrogate in \\u escape")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw failure(.jsonUTF8, "unpaired surrogate in \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw failure(.jsonUTF8, "invalid \\u escape")
                    }
                    utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw failure(.jsonSyntax, "invalid escape '\\\(Self.printable(escape))'")
                }
            default:
                if byte < 0x20 { throw failure(.jsonSyntax, "control character in a string") }
                utf8.append(byte)
                position += 1
            }
        }
        throw failure(.jsonSyntax, "unterminated string", at: start)
    }

    private mutating func parseHex4() throws(FormatError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure(.jsonSyntax, "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure(.jsonSyntax, "invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}

@available(*, unavailable)
extension JSONParser: Sendable {}
