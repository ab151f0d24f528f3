/// The header of one `.gguf` file — metadata and tensor infos — validated by every check gguf.cpp makes
/// (formats.md §2.3, G1–G23). Tensor data is never read.
///
/// A file that ends inside the data section is a partial download: every tensor is still reported, and
/// ``isComplete`` / ``missingBytes`` say what is absent. A file that ends inside the header is an error.
public struct GGUFFile: Sendable {
    public static let magic: [UInt8] = Array("GGUF".utf8)
    /// `GGUF_MAX_STRING_LENGTH` and `GGUF_MAX_ARRAY_ELEMENTS`: 1 GiB.
    public static let maximumLength = 1 << 30
    /// `GGML_MAX_NAME`: tensor names must be shorter.
    public static let maximumNameLength = 64
    /// `GGML_MAX_DIMS`.
    public static let maximumDimensions = 4
    /// `GGUF_DEFAULT_ALIGNMENT`.
    public static let defaultAlignment = 32

    public let path: String
    public let fileSize: Int
    /// 2 or 3.
    public let version: Int
    /// Whether the file is big-endian (allowed since v3; detected as gguf.cpp does).
    public let isBigEndian: Bool
    /// Metadata in file order.
    public let metadata: [GGUFMetadataEntry]
    /// Tensors in file order; shapes are row-major (the reverse of `ne`).
    public let tensors: [TensorInfo]
    /// `general.alignment` or 32.
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataOffset: Int
    /// Bytes of the header itself (magic to the last tensor info), before the padding to ``alignment``.
    public let headerBytes: Int
    /// The size the file needs to hold every tensor's data.
    public let expectedFileSize: Int

    private let metadataIndex: [String: Int]

    public var isComplete: Bool { fileSize >= expectedFileSize }
    public var missingBytes: Int { max(0, expectedFileSize - fileSize) }

    /// The value for `key`, if present.
    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    /// Reads the header of the GGUF file at `path`.
    public static func read(path: String) throws(FormatError) -> GGUFFile {
        do throws(FormatError) {
            return try MappedFile.withBytes(of: path) { bytes throws(FormatError) in
                try parse(bytes, path: path)
            }
        } catch {
            throw error.inFile(path)
        }
    }

    /// Parses a GGUF header from the bytes of a whole file (or of a prefix, for a partial download).
    public static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws(FormatError) -> GGUFFile {
        guard !bytes.isEmpty else { throw FormatError(rule: .emptyFile, detail: "the file is empty") }
        var reader = ByteReader(bytes)
        let magic = try reader.readBytes(4, field: "magic")
        // gguf-py writes a big-endian file's magic byte-swapped ("FUGG").
        let swappedMagic = magic.elementsEqual(Self.magic.reversed())
        guard magic.elementsEqual(Self.magic) || swappedMagic else {
            let shown = String(magic.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "?" })
            throw FormatError(offset: 0, field: "magic", rule: .ggufMagic, detail: "expected 'GGUF', found '\(shown)'")
        }
        reader.bigEndian = swappedMagic
        var version = try reader.read(UInt32.self, field: "version")
        if version & 0xFFFF == 0, version != 0 {
            // gguf.cpp: a version whose low half is zero is a byte-swapped file.
            version = version.byteSwapped
            reader.bigEndian.toggle()
        }
        switch version {
        case 0: throw FormatError(offset: 4, field: "version", rule: .ggufVersion, detail: "version 0 is invalid")
        case 1:
            throw FormatError(
                offset: 4,
                field: "version",
                rule: .ggufVersion,
                detail: "GGUF v1 is no longer supported (llama.cpp and gguf-py read only v2 and v3); convert the file again"
            )
        case 2, 3: break
        default:
            throw FormatError(offset: 4, field: "version", rule: .ggufVersion, detail: "unsupported GGUF version \(version) (2 and 3 are supported)")
        }
        // The smallest encodings: a tensor info is 8 (name length) + 1 + 4 (n_dims) + 8 (one ne) + 4 + 8 bytes;
        // a KV pair is 8 (key length) + 1 + 4 (type) + 1 byte. Counts that cannot fit are refused before any
        // allocation.
        let tensorCount = try readCount(&reader, field: "tensor_count", rule: .ggufTensorCount, minimumSize: 33)
        let kvCount = try readCount(&reader, field: "metadata_kv_count", rule: .ggufKVCount, minimumSize: 14)

        var metadata: [GGUFMetadataEntry] = []
        metadata.reserveCapacity(kvCount)
        var metadataIndex: [String: Int] = [:]
        var alignment = defaultAlignment
        for _ in 0..<kvCount {
            let keyOffset = reader.absoluteOffset
            let key = try readString(&reader, field: "metadata key")
            guard !key.isEmpty else {
                throw FormatError(offset: keyOffset, field: "metadata key", rule: .ggufEmptyKey, detail: "empty key")
            }
            guard metadataIndex[key] == nil else {
                throw FormatError(offset: keyOffset, field: key, rule: .ggufDuplicateKey, detail: "duplicate metadata key")
            }
            let typeOffset = reader.absoluteOffset
            let rawType = try reader.read(UInt32.self, field: key)
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw FormatError(offset: typeOffset, field: key, rule: .ggufValueType, detail: "unknown value type \(rawType)")
            }
            let valueOffset = reader.absoluteOffset
            let value = try readValue(&reader, type: type, key: key)
            if key == "general.alignment" {
                guard case .uint32(let raw) = value else {
                    throw FormatError(
                        offset: typeOffset,
                        field: key,
                        rule: .ggufAlignmentType,
                        detail: "general.alignment must be UINT32, not \(type.name)"
                    )
                }
                guard raw != 0, raw & (raw - 1) == 0 else {
                    throw FormatError(
                        offset: valueOffset,
                        field: key,
                        rule: .ggufAlignment,
                        detail: "alignment \(raw) is not a non-zero power of two"
                    )
                }
                alignment = Int(raw)
            }
            metadataIndex[key] = metadata.count
            metadata.append(GGUFMetadataEntry(key: key, value: value, offset: valueOffset))
        }

        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(tensorCount)
        var relativeOffsets: [Int] = []
        relativeOffsets.reserveCapacity(tensorCount)
        var names: Set<String> = []
        for _ in 0..<tensorCount {
            let nameOffset = reader.absoluteOffset
            let name = try readString(&reader, field: "tensor name")
            guard name.utf8.count < maximumNameLength else {
                throw FormatError(
                    offset: nameOffset,
                    field: name,
                    rule: .ggufTensorName,
                    detail: "tensor name of \(name.utf8.count) bytes; names must be shorter than \(maximumNameLength)"
                )
            }
            guard names.insert(name).inserted else {
                throw FormatError(offset: nameOffset, field: name, rule: .ggufDuplicateTensor, detail: "duplicate tensor name")
            }
            let dimsOffset = reader.absoluteOffset
            let dimensionCount = try reader.read(UInt32.self, field: name)
            guard dimensionCount <= maximumDimensions else {
                throw FormatError(
                    offset: dimsOffset,
                    field: name,
                    rule: .ggufDimensions,
                    detail: "\(dimensionCount) dimensions; at most \(maximumDimensions) are allowed"
                )
            }
            var ne: [Int] = []
            for index in 0..<Int(dimensionCount) {
                let dimOffset = reader.absoluteOffset
                let raw = Int64(bitPattern: try reader.read(UInt64.self, field: name))
                guard raw >= 0 else {
                    throw FormatError(offset: dimOffset, field: name, rule: .ggufNegativeDimension, detail: "ne[\(index)] = \(raw) is negative")
                }
                ne.append(Int(raw))
            }
            guard let elements = Checked.product(ne) else {
                throw FormatError(offset: dimsOffset, field: name, rule: .ggufElementOverflow, detail: "element count of ne \(ne) overflows 64 bits")
            }
            let typeOffset = reader.absoluteOffset
            let rawType = Int32(bitPattern: try reader.read(UInt32.self, field: name))
            guard rawType >= 0, Int(rawType) < GGMLType.count else {
                throw FormatError(offset: typeOffset, field: name, rule: .ggufTensorType, detail: "unknown ggml type \(rawType)")
            }
            guard let type = GGMLType.withID(Int(rawType)) else {
                let old = GGMLType.removed[Int(rawType)].map { " (\($0), removed from ggml)" } ?? ""
                throw FormatError(offset: typeOffset, field: name, rule: .ggufBlockSize, detail: "ggml type \(rawType)\(old) has no block size")
            }
            let rowLength = ne.first ?? 1
            guard rowLength % type.blockSize == 0 else {
                throw FormatError(
                    offset: dimsOffset,
                    field: name,
                    rule: .ggufBlockSize,
                    detail: "row length ne[0] = \(rowLength) is not a multiple of the \(type.name) block size \(type.blockSize)"
                )
            }
            guard let byteCount = type.byteCount(elements: elements, rowLength: rowLength) else {
                throw FormatError(
                    offset: dimsOffset, field: name, rule: .ggufByteOverflow, detail: "byte size of \(elements) \(type.name) elements overflows")
            }
            let offsetField = reader.absoluteOffset
            let relative = try reader.read(UInt64.self, field: name)
            guard let relativeOffset = Int(exactly: relative) else {
                throw FormatError(offset: offsetField, field: name, rule: .ggufTensorOffset, detail: "offset \(relative) is out of range")
            }
            relativeOffsets.append(relativeOffset)
            tensors.append(
                TensorInfo(
                    name: name,
                    shape: ne.reversed(),
                    storage: .ggml(type),
                    elementCount: elements,
                    dataOffset: relativeOffset,  // made absolute below
                    byteCount: byteCount,
                    file: path
                )
            )
        }

        // G21: the data section starts at the next multiple of the alignment (only when there are tensors).
        let headerBytes = reader.offset
        var dataOffset = headerBytes
        if tensorCount > 0 {
            guard let aligned = Checked.alignUp(dataOffset, to: alignment), aligned <= bytes.count else {
                throw FormatError(
                    offset: dataOffset,
                    field: "data section",
                    rule: .ggufDataOffset,
                    detail: "the file ends before the aligned start of the data section"
                )
            }
            dataOffset = aligned
        }
        // G22/G23: offsets are exactly sequential, each tensor padded to the alignment.
        var expectedRelative = 0
        var expectedEnd = dataOffset
        for (index, tensor) in tensors.enumerated() {
            guard relativeOffsets[index] == expectedRelative else {
                throw FormatError(
                    field: tensor.name,
                    rule: .ggufTensorOffset,
                    detail:
                        "offset \(relativeOffsets[index]) but the previous tensors end at \(expectedRelative) (offsets must be sequential and aligned)"
                )
            }
            guard let absolute = Checked.add(dataOffset, expectedRelative),
                let end = Checked.add(absolute, tensor.byteCount),
                let padded = Checked.alignUp(tensor.byteCount, to: alignment),
                let next = Checked.add(expectedRelative, padded)
            else {
                throw FormatError(field: tensor.name, rule: .ggufByteOverflow, detail: "the data section size overflows")
            }
            tensors[index] = TensorInfo(
                name: tensor.name,
                shape: tensor.shape,
                storage: tensor.storage,
                elementCount: tensor.elementCount,
                dataOffset: absolute,
                byteCount: tensor.byteCount,
                file: path
            )
            expectedEnd = end
            expectedRelative = next
        }
        return GGUFFile(
            path: path,
            fileSize: bytes.count,
            version: Int(version),
            isBigEndian: reader.bigEndian,
            metadata: metadata,
            tensors: tensors,
            alignment: alignment,
            dataOffset: dataOffset,
            headerBytes: headerBytes,
            expectedFileSize: expectedEnd,
            metadataIndex: metadataIndex
        )
    }

    private static func readCount(
        _ reader: inout ByteReader,
        field: String,
        rule: FormatError.Rule,
        minimumSize: Int
    ) throws(FormatError) -> Int {
        let offset = reader.absoluteOffset
        let raw = Int64(bitPattern: try reader.read(UInt64.self, field: field))
        guard raw >= 0 else {
            throw FormatError(offset: offset, field: field, rule: rule, detail: "\(raw) is negative")
        }
        guard raw <= Int64(reader.remaining / minimumSize) else {
            let needed = raw.multipliedReportingOverflow(by: Int64(minimumSize))
            throw FormatError(
                offset: offset,
                field: field,
                rule: rule,
                detail: "\(raw) entries need "
                    + (needed.overflow ? "more bytes than any file holds" : "at least \(needed.partialValue) bytes")
                    + " but only \(reader.remaining) follow: a truncated download, or a corrupt count"
            )
        }
        return Int(raw)
    }

    private static func readLength(_ reader: inout ByteReader, field: String, elementSize: Int, rule: FormatError.Rule)
        throws(FormatError) -> Int
    {
        let offset = reader.absoluteOffset
        let raw = try reader.read(UInt64.self, field: field)
        guard raw <= UInt64(maximumLength) else {
            throw FormatError(offset: offset, field: field, rule: rule, detail: "length \(raw) exceeds the 1 GiB limit")
        }
        let length = Int(raw)
        guard length <= reader.remaining / elementSize else {
            throw FormatError(
                offset: offset,
                field: field,
                rule: rule,
                detail: "length \(length) runs past the end of the file (\(reader.remaining) bytes remain)"
            )
        }
        return length
    }

    private static func readString(_ reader: inout ByteReader, field: String) throws(FormatError) -> String {
        let length = try readLength(&reader, field: field, elementSize: 1, rule: .ggufString)
        let bytes = try reader.readBytes(length, field: field)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func skipString(_ reader: inout ByteReader, field: String) throws(FormatError) {
        let length = try readLength(&reader, field: field, elementSize: 1, rule: .ggufString)
        try reader.skip(length, field: field)
    }

    private static func readValue(_ reader: inout ByteReader, type: GGUFValueType, key: String) throws(FormatError)
        -> GGUFValue
    {
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, field: key))
        case .int8: return .int8(Int8(bitPattern: try reader.read(UInt8.self, field: key)))
        case .uint16: return .uint16(try reader.read(UInt16.self, field: key))
        case .int16: return .int16(Int16(bitPattern: try reader.read(UInt16.self, field: key)))
        case .uint32: return .uint32(try reader.read(UInt32.self, field: key))
        case .int32: return .int32(Int32(bitPattern: try reader.read(UInt32.self, field: key)))
        case .float32: return .float32(Float(bitPattern: try reader.read(UInt32.self, field: key)))
        case .bool: return .bool(try reader.read(UInt8.self, field: key) != 0)
        case .string: return .string(try readString(&reader, field: key))
        case .uint64: return .uint64(try reader.read(UInt64.self, field: key))
        case .int64: return .int64(Int64(bitPattern: try reader.read(UInt64.self, field: key)))
        case .float64: return .float64(Double(bitPattern: try reader.read(UInt64.self, field: key)))
        case .array: return .array(try readArray(&reader, key: key))
        }
    }

    private static func readArray(_ reader: inout ByteReader, key: String) throws(FormatError) -> GGUFArray {
        let typeOffset = reader.absoluteOffset
        let rawType = try reader.read(UInt32.self, field: key)
        guard let elementType = GGUFValueType(rawValue: rawType) else {
            throw FormatError(offset: typeOffset, field: key, rule: .ggufValueType, detail: "unknown array element type \(rawType)")
        }
        guard elementType != .array else {
            throw FormatError(offset: typeOffset, field: key, rule: .ggufValueType, detail: "arrays of arrays are not allowed")
        }
        // String elements take at least their 8-byte length.
        let count = try readLength(&reader, field: key, elementSize: elementType.fixedSize ?? 8, rule: .ggufArray)
        if count > GGUFArray.decodeLimit {
            if let size = elementType.fixedSize {
                try reader.skip(count * size, field: key)
            } else {
                let skipped = reader.skipLengthPrefixed(count: count, maximumLength: maximumLength)
                // The first string that does not fit, if any, is read the checked way to say why.
                for _ in skipped..<count { try skipString(&reader, field: key) }
            }
            return GGUFArray(elementType: elementType, count: count, values: nil)
        }
        var values: [GGUFValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try readValue(&reader, type: elementType, key: key)) }
        return GGUFArray(elementType: elementType, count: count, values: values)
    }
}
