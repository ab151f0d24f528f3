/// A bounds-checked cursor over untrusted bytes, little-endian unless told otherwise.
///
/// Every read checks the bytes that remain *before* loading, uses unaligned loads (files need not align
/// anything), and throws a ``FormatError`` carrying the absolute offset instead of trapping. Lengths and counts
/// read from the input are compared with the remaining bytes before anything is allocated.
///
/// The reader borrows its bytes (an `mmap`ed region or an array's storage); keep it inside the closure that
/// owns them.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    /// Added to ``offset`` in error messages, so that offsets are absolute in the file.
    public let baseOffset: Int
    /// Whether multi-byte values are big-endian (GGUF v3 allows whole-file big-endian).
    public var bigEndian = false
    /// The offset of the next byte to read, relative to the start of `bytes`.
    public private(set) var offset: Int = 0

    public init(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    /// The number of bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// The absolute file offset of the next byte.
    public var absoluteOffset: Int { baseOffset + offset }

    /// Reads a fixed-width integer and advances past it.
    public mutating func read<T: FixedWidthInteger>(_: T.Type, field: @autoclosure () -> String) throws(FormatError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw FormatError(
                offset: absoluteOffset,
                field: field(),
                rule: .truncated,
                detail: Self.cutShort(needed: size, available: remaining)
            )
        }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
    }

    /// Returns the next `count` bytes without copying and advances past them.
    public mutating func readBytes(_ count: Int, field: @autoclosure () -> String) throws(FormatError)
        -> UnsafeRawBufferPointer
    {
        guard count >= 0, count <= remaining else {
            throw FormatError(
                offset: absoluteOffset,
                field: field(),
                rule: .truncated,
                detail: count < 0 ? "a negative length (\(count))" : Self.cutShort(needed: count, available: remaining)
            )
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    /// What a reader says when the bytes end before a field does: most often an interrupted download.
    static func cutShort(needed: Int, available: Int) -> String {
        "truncated download: the file ends \(available) byte(s) into a field of \(needed), so at least \(needed - available) byte(s) "
            + "are missing; download the file again"
    }

    /// Skips up to `count` values that each are a UInt64 length followed by that many bytes (a vocabulary of
    /// GGUF strings), each checked against `maximumLength` and the bytes that remain; returns how many it
    /// skipped. It stops before the first value that does not fit, so that the caller can read that one the
    /// checked way and say what is wrong. One comparison per value and no allocation: a 262,144-token
    /// vocabulary costs about a millisecond.
    public mutating func skipLengthPrefixed(count: Int, maximumLength: Int) -> Int {
        var position = offset
        for index in 0..<count {
            guard bytes.count - position >= 8 else {
                offset = position
                return index
            }
            let raw = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let length = bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
            guard length <= UInt64(maximumLength), Int(length) <= bytes.count - position - 8 else {
                offset = position
                return index
            }
            position += 8 + Int(length)
        }
        offset = position
        return count
    }

    /// Advances past `count` bytes.
    public mutating func skip(_ count: Int, field: @autoclosure () -> String) throws(FormatError) {
        _ = try readBytes(count, field: field())
    }

    /// Moves to `newOffset` (relative to the start of the bytes), which must lie within them.
    public mutating func seek(to newOffset: Int, field: @autoclosure () -> String) throws(FormatError) {
        guard newOffset >= 0, newOffset <= bytes.count else {
            throw FormatError(
                offset: baseOffset + min(max(newOffset, 0), bytes.count),
                field: field(),
                rule: .truncated,
                detail: "position \(newOffset) lies beyond the end of the file (\(bytes.count) bytes)"
            )
        }
        offset = newOffset
    }
}

@available(*, unavailable)
extension ByteReader: Sendable {}
