/// Why a model file could not be read: the file, where in it, which field, and the rule it broke.
///
/// Every reader in this module throws only this type, so the command line and the web app can print one
/// line that names the file, the byte offset or field, and the rule, and tests can match on ``rule``.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the error is about; empty until the reader that opened the file fills it in.
    public var file: String
    /// The absolute byte offset in the file where the offending value starts, when known.
    public var offset: Int?
    /// The field, key or tensor name involved, when there is one.
    public var field: String?
    /// The rule that was broken, for matching in tests and tools.
    public var rule: Rule
    /// A human sentence that says what was found and what the rule requires.
    public var detail: String

    public init(file: String = "", offset: Int? = nil, field: String? = nil, rule: Rule, detail: String) {
        self.file = file
        self.offset = offset
        self.field = field
        self.rule = rule
        self.detail = detail
    }

    /// One line: `file: offset N: field 'x': detail [rule]`.
    public var description: String {
        var parts: [String] = []
        if !file.isEmpty { parts.append(file) }
        if let offset { parts.append("offset \(offset)") }
        if let field { parts.append("'\(field)'") }
        parts.append(detail + " [\(rule.rawValue)]")
        return parts.joined(separator: ": ")
    }

    /// The same error, attributed to `file` unless a file is already named.
    public func inFile(_ path: String) -> FormatError {
        var copy = self
        if copy.file.isEmpty { copy.file = path }
        return copy
    }

    /// The rules Heft enforces. Raw values name the reference rule where one exists (safetensors S1–S12,
    /// gguf.cpp G1–G25 in `formats.md`), otherwise a short name.
    public enum Rule: String, Sendable, CaseIterable {
        // Files and I/O
        case io = "io"
        case emptyFile = "empty-file"
        case truncated = "truncated"
        case unknownFormat = "unknown-format"
        case interrupted = "interrupted"
        // JSON
        case jsonSyntax = "json-syntax"
        case jsonUTF8 = "json-utf8"
        case jsonDepth = "json-depth"
        case jsonDuplicateKey = "json-duplicate-key"
        case jsonType = "json-type"
        // safetensors (formats.md §1.3)
        case headerTooSmall = "S1"
        case headerTooLarge = "S3"
        case headerLength = "S4"
        case headerUTF8 = "S5"
        case headerSchema = "S6"
        case tensorOffsets = "S7"
        case shapeOverflow = "S8"
        case misalignedSlice = "S10"
        case tensorSize = "S11"
        case trailingBytes = "S12"
        case reservedName = "reserved-name"
        case unknownDType = "unknown-dtype"
        // Sharded safetensors (formats.md §1.4)
        case indexSchema = "index-schema"
        case indexPath = "index-path"
        case missingShard = "missing-shard"
        case shardMismatch = "shard-mismatch"
        // GGUF (formats.md §2.3)
        case ggufMagic = "G2"
        case ggufVersion = "G3"
        case ggufTensorCount = "G4"
        case ggufKVCount = "G5"
        case ggufString = "G6"
        case ggufArray = "G7"
        case ggufEmptyKey = "G8"
        case ggufDuplicateKey = "G9"
        case ggufValueType = "G10"
        case ggufAlignmentType = "G11"
        case ggufAlignment = "G12"
        case ggufTensorName = "G13"
        case ggufDuplicateTensor = "G14"
        case ggufDimensions = "G15"
        case ggufNegativeDimension = "G16"
        case ggufElementOverflow = "G17"
        case ggufTensorType = "G18"
        case ggufBlockSize = "G19"
        case ggufByteOverflow = "G20"
        case ggufDataOffset = "G21"
        case ggufTensorOffset = "G22"
        case ggufSplit = "gguf-split"
        // config.json
        case configType = "config-type"
        case configValue = "config-value"
        // Sources
        case noModelFiles = "no-model-files"
    }
}
