public import HeftFormats

/// Typed, validated access to a Hugging Face `config.json`.
///
/// Each getter takes the key spellings families use (`hidden_size`, `n_embd`, `d_model`), and refuses a value of
/// the wrong type, a negative or zero size, or an absurd one, with an error that names the key. Multimodal
/// configs keep the language model under `text_config`; keys missing at the top level are looked up there.
public struct ConfigReader: Sendable {
    /// The path of the file, for error messages.
    public let path: String
    public let root: JSONObject

    /// The object with the language model's keys: `text_config` when the top level has no sizes of its own.
    public var text: JSONObject {
        if root["hidden_size"] == nil, root["n_embd"] == nil, root["d_model"] == nil,
            let nested = root["text_config"]?.objectValue
        {
            return nested
        }
        return root
    }

    public init(path: String, root: JSONObject) {
        self.path = path
        self.root = root
    }

    /// Reads and parses the config at `path`.
    public static func read(path: String) throws(FormatError) -> ConfigReader {
        do throws(FormatError) {
            let size = try MappedFile.size(of: path)
            guard size > 0 else { throw FormatError(rule: .emptyFile, detail: "the file is empty") }
            guard size <= 64 << 20 else {
                throw FormatError(rule: .configValue, detail: "a config.json of \(size) bytes is implausibly large")
            }
            let value = try JSONParser.parse(try MappedFile.read(path, offset: 0, count: size))
            guard case .object(let object) = value else {
                throw FormatError(offset: 0, rule: .configType, detail: "config.json must be a JSON object, not \(value.typeName)")
            }
            return ConfigReader(path: path, root: object)
        } catch {
            throw error.inFile(path)
        }
    }

    private func lookup(_ keys: [String]) -> (key: String, member: JSONObject.Member)? {
        let object = text
        for key in keys {
            if let member = object.member(key), !member.value.isNull { return (key, member) }
        }
        return nil
    }

    /// A positive integer size under any of `keys`, or `nil` when absent or null.
    ///
    /// - Parameters:
    ///   - minimum: the smallest valid value (1 for sizes; 0 where zero is meaningful).
    ///   - maximum: a plausibility bound; larger values are refused as absurd.
    public func int(_ keys: String..., minimum: Int = 1, maximum: Int = 1 << 31) throws(FormatError) -> Int? {
        guard let (key, member) = lookup(keys) else { return nil }
        guard case .number(let number) = member.value, let value = number.int else {
            let found: String
            switch member.value {
            case .string(let string): found = "string \"\(string.prefix(40))\""
            case .number(let number): found = "non-integer \(number.text)"
            default: found = member.value.typeName
            }
            throw FormatError(file: path, offset: member.offset, field: key, rule: .configType, detail: "expected an integer, found \(found)")
        }
        guard value >= minimum else {
            throw FormatError(
                file: path, offset: member.offset, field: key, rule: .configValue, detail: "\(value) is below the minimum of \(minimum)")
        }
        guard value <= maximum else {
            throw FormatError(
                file: path, offset: member.offset, field: key, rule: .configValue, detail: "\(value) is implausibly large (limit \(maximum))")
        }
        return value
    }

    /// A boolean under any of `keys`, or `nil`.
    public func bool(_ keys: String...) throws(FormatError) -> Bool? {
        guard let (key, member) = lookup(keys) else { return nil }
        guard case .bool(let value) = member.value else {
            throw FormatError(
                file: path, offset: member.offset, field: key, rule: .configType, detail: "expected true or false, found \(member.value.typeName)")
        }
        return value
    }

    /// A string under any of `keys`, or `nil`.
    public func string(_ keys: String...) throws(FormatError) -> String? {
        guard let (key, member) = lookup(keys) else { return nil }
        guard case .string(let value) = member.value else {
            throw FormatError(
                file: path, offset: member.offset, field: key, rule: .configType, detail: "expected a string, found \(member.value.typeName)")
        }
        return value
    }

    /// An array of integers under `key` (for example `mlp_only_layers`), or `nil`.
    public func ints(_ key: String) throws(FormatError) -> [Int]? {
        guard let (key, member) = lookup([key]) else { return nil }
        guard case .array(let values) = member.value else {
            throw FormatError(file: path, offset: member.offset, field: key, rule: .configType, detail: "expected an array of integers")
        }
        var result: [Int] = []
        for value in values {
            guard let int = value.numberValue?.int else {
                throw FormatError(file: path, offset: member.offset, field: key, rule: .configType, detail: "expected an array of integers")
            }
            result.append(int)
        }
        return result
    }

    /// `model_type`, from the text config or the top level.
    public var modelType: String? {
        text["model_type"]?.stringValue ?? root["model_type"]?.stringValue
    }

    /// The first entry of `architectures`, such as `LlamaForCausalLM`.
    public var architectureClass: String? {
        root["architectures"]?.arrayValue?.first?.stringValue
    }
}
