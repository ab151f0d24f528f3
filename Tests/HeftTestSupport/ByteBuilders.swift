/// Builds safetensors files byte by byte, so that a test states the one thing it breaks.
public enum SafetensorsBuilder {
    /// A file whose header is `header` (JSON text) followed by `dataBytes` zero bytes. `declaredLength`
    /// overrides the 8-byte length prefix.
    public static func file(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        return littleEndian(declaredLength ?? UInt64(json.count)) + json + [UInt8](repeating: 0, count: dataBytes)
    }

    /// A file holding one 1-D F32 tensor `w.weight` with `values`.
    public static func f32(_ values: [Float]) -> [UInt8] {
        let bytes = values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
        let header = #"{"w.weight":{"dtype":"F32","shape":[\#(values.count)],"data_offsets":[0,\#(bytes.count)]}}"#
        return file(header: header, dataBytes: 0) + bytes
    }

    /// A file with raw header bytes (for invalid UTF-8).
    public static func file(headerBytes: [UInt8], dataBytes: Int) -> [UInt8] {
        littleEndian(UInt64(headerBytes.count)) + headerBytes + [UInt8](repeating: 0, count: dataBytes)
    }
}

/// Builds GGUF files field by field, little-endian.
public struct GGUFBuilder {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// A valid header start: magic, version, counts.
    public init(version: UInt32 = 3, tensorCount: UInt64, kvCount: UInt64) {
        bytes = Array("GGUF".utf8)
        u32(version)
        u64(tensorCount)
        u64(kvCount)
    }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }
    public mutating func u32(_ value: UInt32) { bytes += littleEndian(value) }
    public mutating func u64(_ value: UInt64) { bytes += littleEndian(value) }
    public mutating func raw(_ data: [UInt8]) { bytes += data }

    /// A GGUF string: u64 length then bytes.
    public mutating func string(_ text: String) {
        u64(UInt64(text.utf8.count))
        bytes += Array(text.utf8)
    }

    /// A key with a UINT32 value (type 4).
    public mutating func kvUInt32(_ key: String, _ value: UInt32) {
        string(key)
        u32(4)
        u32(value)
    }

    /// A key with a STRING value (type 8).
    public mutating func kvString(_ key: String, _ value: String) {
        string(key)
        u32(8)
        string(value)
    }

    /// A tensor info: name, dims (ggml order, innermost first), ggml type id, offset.
    public mutating func tensor(_ name: String, ne: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(ne.count))
        for dim in ne { u64(dim) }
        u32(type)
        u64(offset)
    }

    /// Zero padding to the next multiple of `alignment`.
    public mutating func pad(to alignment: Int) {
        guard alignment > 0 else { return }
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// `count` zero bytes of tensor data.
    public mutating func data(_ count: Int) { bytes += [UInt8](repeating: 0, count: count) }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}
