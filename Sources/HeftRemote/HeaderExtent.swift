import HeftFormats

/// How much of a file's start its header takes, judged from a prefix: all of it (`complete`, the bytes up to the
/// header's end), or at least `needs` bytes from the start. `needs` never exceeds the header's true end, so fetching
/// up to it plus a margin reads at most that margin past the header.
enum HeaderExtent: Equatable {
    case complete(Int)
    case needs(Int)

    /// A safetensors file: an 8-byte little-endian length, then that many bytes of JSON.
    static func safetensors(_ prefix: [UInt8], fileSize: Int, path: String) throws(FormatError) -> HeaderExtent {
        guard prefix.count >= 8 else { return .needs(8) }
        var declared: UInt64 = 0
        for i in 0..<8 { declared |= UInt64(prefix[i]) << (8 * UInt64(i)) }
        let length = try SafetensorsFile.validateHeaderLength(declared, fileSize: fileSize)
        return prefix.count >= 8 + length ? .complete(8 + length) : .needs(8 + length)
    }

    /// A GGUF file: magic, version, counts, the key–value pairs, then the tensor infos. A pair or tensor info not
    /// yet in the prefix counts for its smallest encoding (14 and 33 bytes), an array of strings for 8 bytes a string.
    static func gguf(_ prefix: [UInt8]) throws(FormatError) -> HeaderExtent {
        var walker = GGUFWalker(bytes: prefix)
        do {
            return .complete(try walker.walk())
        } catch {
            return .needs(error.atLeast)
        }
    }
}

/// Walks a GGUF header over a prefix without building it (the reader parses the complete header after).
private struct GGUFWalker {
    struct Short: Error { let atLeast: Int }
    enum Failure: Error { case format(FormatError) }

    let bytes: [UInt8]
    var position = 0
    var bigEndian = false
    /// Bytes that must follow the item being read (the smallest encoding of everything after it).
    var after = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func need(_ count: Int) throws(Short) {
        guard count <= bytes.count - position else {
            let (sum, overflow) = position.addingReportingOverflow(count)
            let (total, overflow2) = sum.addingReportingOverflow(after)
            throw Short(atLeast: overflow || overflow2 ? Int.max / 2 : total)
        }
    }

    mutating func integer(_ width: Int) throws(Short) -> UInt64 {
        try need(width)
        var value: UInt64 = 0
        for i in 0..<width {
            let byte = UInt64(bytes[position + i])
            value |= bigEndian ? byte << (8 * UInt64(width - 1 - i)) : byte << (8 * UInt64(i))
        }
        position += width
        return value
    }

    mutating func skip(_ count: UInt64) throws(Short) {
        guard count <= UInt64(Int.max / 4) else { throw Short(atLeast: Int.max / 2) }
        try need(Int(count))
        position += Int(count)
    }

    mutating func walk() throws(Short) -> Int {
        try need(4)
        let magic = Array(bytes[0..<4])
        if magic == Array("FUGG".utf8) { bigEndian = true }
        position = 4
        var version = try integer(4)
        if version & 0xFFFF == 0, version != 0 {
            bigEndian.toggle()
            version = UInt64(UInt32(version).byteSwapped)
        }
        let tensors = try integer(8)
        let pairs = try integer(8)
        // Counts too large for any file stop here; the reader explains them.
        guard tensors < 1 << 40, pairs < 1 << 40 else { return position }
        for pair in 0..<pairs {
            after = Int(pairs - pair - 1) * 14 + Int(tensors) * 33
            try skip(try integer(8))  // key
            guard try value(type: try integer(4)) else { return position }
        }
        for tensor in 0..<tensors {
            after = Int(tensors - tensor - 1) * 33
            try skip(try integer(8))  // name
            let dimensions = try integer(4)
            guard dimensions <= 64 else { return position }
            try skip(dimensions * 8 + 4 + 8)  // ne[], type, offset
        }
        return position
    }

    /// Skips one value; false when its type is one the walk cannot size (the reader then explains the file).
    mutating func value(type: UInt64) throws(Short) -> Bool {
        switch type {
        case 0, 1, 7: try skip(1)
        case 2, 3: try skip(2)
        case 4, 5, 6: try skip(4)
        case 10, 11, 12: try skip(8)
        case 8: try skip(try integer(8))
        case 9:
            let elementType = try integer(4)
            let count = try integer(8)
            guard count < 1 << 40 else { return false }
            if elementType == 8 {
                let base = after
                for index in 0..<count {
                    after = base + Int(count - index - 1) * 8
                    try skip(try integer(8))
                }
                after = base
            } else if elementType == 9 {
                return false  // nested arrays: the reader refuses them
            } else {
                let width: UInt64 = [0: 1, 1: 1, 7: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 10: 8, 11: 8, 12: 8][elementType] ?? 1
                try skip(count * width)
            }
        default: return false
        }
        return true
    }
}
