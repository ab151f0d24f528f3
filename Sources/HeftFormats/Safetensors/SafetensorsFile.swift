/// The header of a `.safetensors` file, validated by every rule of the reference reader (formats.md §1.3).
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON, then the data buffer that every
/// tensor's `data_offsets` are relative to. Only the prefix and the header are read; tensor data never is.
///
/// A file shorter than its header promises is a partial download, not an error: the header still tells every
/// tensor, and ``missingBytes`` says how much is absent. A file *longer* than promised breaks S12 (the
/// anti-polyglot rule) and is refused.
public struct SafetensorsFile: Sendable {
    /// The largest header the reference accepts (`MAX_HEADER_SIZE`, S3).
    public static let maximumHeaderLength = 100_000_000

    /// The file's path as given.
    public let path: String
    /// The file's size on disk.
    public let fileSize: Int
    /// The JSON header's length `N`.
    public let headerLength: Int
    /// `__metadata__`, in document order.
    public let metadata: [(key: String, value: String)]
    /// The tensors in header order.
    public let tensors: [TensorInfo]

    /// Where the data buffer starts: `8 + N`.
    public var dataStart: Int { 8 + headerLength }
    /// The size the file has when complete: `8 + N + last data_offsets end`.
    public let expectedFileSize: Int
    /// Whether every byte the header promises is present.
    public var isComplete: Bool { fileSize >= expectedFileSize }
    /// Bytes the header promises that the file lacks (0 when complete).
    public var missingBytes: Int { max(0, expectedFileSize - fileSize) }

    /// Reads and validates the header of the file at `path`.
    public static func read(path: String) throws(FormatError) -> SafetensorsFile {
        do throws(FormatError) {
            let fileSize = try MappedFile.size(of: path)
            guard fileSize > 0 else { throw FormatError(rule: .emptyFile, detail: "the file is empty") }
            guard fileSize >= 8 else {
                throw FormatError(
                    offset: 0,
                    rule: .headerTooSmall,
                    detail: "the file has \(fileSize) bytes, fewer than the 8-byte header length"
                )
            }
            let prefix = try MappedFile.read(path, offset: 0, count: 8)
            let declared = prefix.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let headerLength = try validateHeaderLength(declared, fileSize: fileSize)
            let header = try MappedFile.read(path, offset: 8, count: headerLength)
            guard header.count == headerLength else {
                throw FormatError(offset: 8, rule: .headerLength, detail: "the file shrank while being read")
            }
            return try header.withFormatBytes { raw throws(FormatError) in
                try parse(header: raw, fileSize: fileSize, path: path)
            }
        } catch {
            throw error.inFile(path)
        }
    }

    /// Parses a safetensors file held in memory (or a prefix of one: a partial download).
    public static func parse(fileBytes bytes: UnsafeRawBufferPointer, path: String) throws(FormatError) -> SafetensorsFile {
        guard !bytes.isEmpty else { throw FormatError(file: path, rule: .emptyFile, detail: "the file is empty") }
        guard bytes.count >= 8 else {
            throw FormatError(
                file: path, offset: 0, rule: .headerTooSmall, detail: "the file has \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        do throws(FormatError) {
            let declared = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
            let length = try validateHeaderLength(declared, fileSize: bytes.count)
            return try parse(header: UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + length)]), fileSize: bytes.count, path: path)
        } catch {
            throw error.inFile(path)
        }
    }

    /// Checks the declared header length `N` against S2–S4 and returns it as an `Int`.
    public static func validateHeaderLength(_ declared: UInt64, fileSize: Int) throws(FormatError) -> Int {
        guard declared <= UInt64(maximumHeaderLength), let length = Int(exactly: declared) else {
            throw FormatError(
                offset: 0,
                rule: .headerTooLarge,
                detail: "header length \(declared) exceeds the limit of \(maximumHeaderLength) bytes"
            )
        }
        guard length <= fileSize - 8 else {
            throw FormatError(
                offset: 0,
                rule: .headerLength,
                detail: "header length \(length) runs past the end of the file (\(fileSize - 8) bytes after the prefix): "
                    + "a truncated download (at least \(length - (fileSize - 8)) bytes missing) or not a safetensors file"
            )
        }
        return length
    }

    /// Parses and validates a header whose JSON bytes are `header` (the `N` bytes after the prefix).
    public static func parse(header: UnsafeRawBufferPointer, fileSize: Int, path: String) throws(FormatError)
        -> SafetensorsFile
    {
        let headerLength = header.count
        guard String(validating: header, as: UTF8.self) != nil else {
            throw FormatError(offset: 8, rule: .headerUTF8, detail: "the header is not valid UTF-8")
        }
        let document = try JSONParser.parse(header, baseOffset: 8)
        guard case .object(let root) = document else {
            throw FormatError(
                offset: 8,
                rule: .headerSchema,
                detail: "the header must be a JSON object, not \(document.typeName)"
            )
        }
        var metadata: [(key: String, value: String)] = []
        var declared: [(info: TensorInfo, begin: Int, end: Int, offset: Int, bits: Int)] = []
        declared.reserveCapacity(root.count)
        for member in root.members {
            if member.key == "__metadata__" {
                metadata = try parseMetadata(member)
                continue
            }
            declared.append(try parseTensor(member, dataStart: 8 + headerLength, path: path))
        }

        // S7: sorted by offsets, every tensor begins where the previous one ended.
        let order = declared.indices.sorted {
            (declared[$0].begin, declared[$0].end) < (declared[$1].begin, declared[$1].end)
        }
        var runningEnd = 0
        for index in order {
            let entry = declared[index]
            guard entry.begin == runningEnd else {
                let what =
                    entry.begin < runningEnd
                    ? "overlaps the previous tensor (begins at \(entry.begin), previous ends at \(runningEnd))"
                    : "leaves a gap (begins at \(entry.begin), previous ends at \(runningEnd))"
                throw FormatError(offset: entry.offset, field: entry.info.name, rule: .tensorOffsets, detail: "data_offsets " + what)
            }
            runningEnd = entry.end
        }
        guard let expected = Checked.add(8 + headerLength, runningEnd) else {
            throw FormatError(offset: 8, rule: .shapeOverflow, detail: "the data size overflows")
        }
        if fileSize > expected {
            throw FormatError(
                offset: expected,
                rule: .trailingBytes,
                detail: "\(fileSize - expected) bytes follow the last tensor; the buffer must be entirely indexed"
            )
        }
        return SafetensorsFile(
            path: path,
            fileSize: fileSize,
            headerLength: headerLength,
            metadata: metadata,
            tensors: declared.map(\.info),
            expectedFileSize: expected
        )
    }

    private static func parseMetadata(_ member: JSONObject.Member) throws(FormatError) -> [(key: String, value: String)] {
        guard case .object(let object) = member.value else {
            throw FormatError(
                offset: member.offset,
                field: "__metadata__",
                rule: .headerSchema,
                detail: "must be an object of strings, not \(member.value.typeName)"
            )
        }
        if object["dtype"] != nil, object["data_offsets"] != nil {
            throw FormatError(
                offset: member.offset,
                field: "__metadata__",
                rule: .reservedName,
                detail: "a tensor may not be named __metadata__"
            )
        }
        var result: [(key: String, value: String)] = []
        for entry in object.members {
            guard case .string(let value) = entry.value else {
                throw FormatError(
                    offset: entry.offset,
                    field: "__metadata__." + entry.key,
                    rule: .headerSchema,
                    detail: "metadata values must be strings, not \(entry.value.typeName)"
                )
            }
            result.append((entry.key, value))
        }
        return result
    }

    private static func parseTensor(_ member: JSONObject.Member, dataStart: Int, path: String) throws(FormatError)
        -> (info: TensorInfo, begin: Int, end: Int, offset: Int, bits: Int)
    {
        let name = member.key
        func schema(_ detail: String, at offset: Int? = nil) -> FormatError {
            FormatError(offset: offset ?? member.offset, field: name, rule: .headerSchema, detail: detail)
        }
        guard case .object(let entry) = member.value else {
            throw schema("a tensor entry must be an object, not \(member.value.typeName)")
        }
        guard let dtypeMember = entry.member("dtype") else { throw schema("missing field 'dtype'") }
        guard case .string(let dtypeName) = dtypeMember.value else {
            throw schema("'dtype' must be a string", at: dtypeMember.offset)
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw FormatError(
                offset: dtypeMember.offset,
                field: name,
                rule: .unknownDType,
                detail: "unknown dtype '\(dtypeName)'"
            )
        }
        guard let shapeMember = entry.member("shape") else { throw schema("missing field 'shape'") }
        guard case .array(let dims) = shapeMember.value else {
            throw schema("'shape' must be an array of non-negative integers", at: shapeMember.offset)
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for dim in dims {
            guard let value = dim.numberValue?.unsigned, let size = Int(exactly: value) else {
                throw schema("'shape' must hold non-negative integers, found \(dim.numberValue?.text ?? dim.typeName)", at: shapeMember.offset)
            }
            shape.append(size)
        }
        guard let offsetsMember = entry.member("data_offsets") else { throw schema("missing field 'data_offsets'") }
        guard case .array(let offsets) = offsetsMember.value, offsets.count == 2,
            let beginValue = offsets[0].numberValue?.unsigned, let endValue = offsets[1].numberValue?.unsigned,
            let begin = Int(exactly: beginValue), let end = Int(exactly: endValue)
        else {
            throw schema("'data_offsets' must be two non-negative integers [begin, end]", at: offsetsMember.offset)
        }
        guard end >= begin else {
            throw FormatError(
                offset: offsetsMember.offset,
                field: name,
                rule: .tensorOffsets,
                detail: "data_offsets end \(end) is before begin \(begin)"
            )
        }
        guard let elements = Checked.product(shape) else {
            throw FormatError(offset: shapeMember.offset, field: name, rule: .shapeOverflow, detail: "shape \(shape) overflows 64 bits")
        }
        guard let bits = Checked.multiply(elements, dtype.bits) else {
            throw FormatError(
                offset: shapeMember.offset, field: name, rule: .shapeOverflow, detail: "shape \(shape) × \(dtype.bits) bits overflows 64 bits")
        }
        guard bits % 8 == 0 else {
            throw FormatError(
                offset: shapeMember.offset,
                field: name,
                rule: .misalignedSlice,
                detail: "\(elements) elements of \(dtype.rawValue) do not end on a byte boundary"
            )
        }
        guard end - begin == bits / 8 else {
            throw FormatError(
                offset: offsetsMember.offset,
                field: name,
                rule: .tensorSize,
                detail: "data_offsets span \(end - begin) bytes but \(dtype.rawValue) × \(shape) needs \(bits / 8)"
            )
        }
        guard let absolute = Checked.add(dataStart, begin) else {
            throw FormatError(offset: offsetsMember.offset, field: name, rule: .shapeOverflow, detail: "offset overflows")
        }
        let info = TensorInfo(
            name: name,
            shape: shape,
            storage: .safetensors(dtype),
            elementCount: elements,
            dataOffset: absolute,
            byteCount: end - begin,
            file: path
        )
        return (info, begin, end, offsetsMember.offset, bits)
    }
}
