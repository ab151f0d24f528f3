/// A ggml tensor type: its id in GGUF files, and its exact block layout.
///
/// A block of ``blockSize`` elements occupies ``bytesPerBlock`` bytes, so a row of `n` elements takes
/// `n / blockSize × bytesPerBlock` bytes and `n` must be a multiple of ``blockSize``. The table is
/// `type_traits[]` in ggml.c, with sizes measured from the `static_assert`s in ggml-common.h
/// (formats.md §2.2). Q8_1 is 36 bytes as in C (gguf-py says 40).
public struct GGMLType: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The id stored in GGUF tensor infos.
    public let id: Int
    /// The ggml name (`Q4_K`, `F16`, …).
    public let name: String
    /// Elements per block.
    public let blockSize: Int
    /// Bytes per block.
    public let bytesPerBlock: Int

    public var description: String { name }

    /// Exact bits per element as a rational: `bytesPerBlock × 8 / blockSize`, for display.
    public var bitsPerElement: Double { Double(bytesPerBlock * 8) / Double(blockSize) }

    /// Whether the type stores blocks of several elements (a quantized type).
    public var isQuantized: Bool { blockSize > 1 }

    /// The number of ids defined by the ggml snapshot (`GGML_TYPE_COUNT`).
    public static let count = 43

    // Every type with a valid layout, one constant each: rules name types as `.q6_K`, never by string.
    public static let f32 = GGMLType(id: 0, name: "F32", blockSize: 1, bytesPerBlock: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockSize: 1, bytesPerBlock: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockSize: 32, bytesPerBlock: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockSize: 32, bytesPerBlock: 20)
    public static let q5_0 = GGMLType(id: 6, name: "Q5_0", blockSize: 32, bytesPerBlock: 22)
    public static let q5_1 = GGMLType(id: 7, name: "Q5_1", blockSize: 32, bytesPerBlock: 24)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockSize: 32, bytesPerBlock: 34)
    public static let q8_1 = GGMLType(id: 9, name: "Q8_1", blockSize: 32, bytesPerBlock: 36)
    public static let q2_K = GGMLType(id: 10, name: "Q2_K", blockSize: 256, bytesPerBlock: 84)
    public static let q3_K = GGMLType(id: 11, name: "Q3_K", blockSize: 256, bytesPerBlock: 110)
    public static let q4_K = GGMLType(id: 12, name: "Q4_K", blockSize: 256, bytesPerBlock: 144)
    public static let q5_K = GGMLType(id: 13, name: "Q5_K", blockSize: 256, bytesPerBlock: 176)
    public static let q6_K = GGMLType(id: 14, name: "Q6_K", blockSize: 256, bytesPerBlock: 210)
    public static let q8_K = GGMLType(id: 15, name: "Q8_K", blockSize: 256, bytesPerBlock: 292)
    public static let iq2_XXS = GGMLType(id: 16, name: "IQ2_XXS", blockSize: 256, bytesPerBlock: 66)
    public static let iq2_XS = GGMLType(id: 17, name: "IQ2_XS", blockSize: 256, bytesPerBlock: 74)
    public static let iq3_XXS = GGMLType(id: 18, name: "IQ3_XXS", blockSize: 256, bytesPerBlock: 98)
    public static let iq1_S = GGMLType(id: 19, name: "IQ1_S", blockSize: 256, bytesPerBlock: 50)
    public static let iq4_NL = GGMLType(id: 20, name: "IQ4_NL", blockSize: 32, bytesPerBlock: 18)
    public static let iq3_S = GGMLType(id: 21, name: "IQ3_S", blockSize: 256, bytesPerBlock: 110)
    public static let iq2_S = GGMLType(id: 22, name: "IQ2_S", blockSize: 256, bytesPerBlock: 82)
    public static let iq4_XS = GGMLType(id: 23, name: "IQ4_XS", blockSize: 256, bytesPerBlock: 136)
    public static let i8 = GGMLType(id: 24, name: "I8", blockSize: 1, bytesPerBlock: 1)
    public static let i16 = GGMLType(id: 25, name: "I16", blockSize: 1, bytesPerBlock: 2)
    public static let i32 = GGMLType(id: 26, name: "I32", blockSize: 1, bytesPerBlock: 4)
    public static let i64 = GGMLType(id: 27, name: "I64", blockSize: 1, bytesPerBlock: 8)
    public static let f64 = GGMLType(id: 28, name: "F64", blockSize: 1, bytesPerBlock: 8)
    public static let iq1_M = GGMLType(id: 29, name: "IQ1_M", blockSize: 256, bytesPerBlock: 56)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockSize: 1, bytesPerBlock: 2)
    public static let tq1_0 = GGMLType(id: 34, name: "TQ1_0", blockSize: 256, bytesPerBlock: 54)
    public static let tq2_0 = GGMLType(id: 35, name: "TQ2_0", blockSize: 256, bytesPerBlock: 66)
    public static let mxfp4 = GGMLType(id: 39, name: "MXFP4", blockSize: 32, bytesPerBlock: 17)
    public static let nvfp4 = GGMLType(id: 40, name: "NVFP4", blockSize: 64, bytesPerBlock: 36)
    public static let q1_0 = GGMLType(id: 41, name: "Q1_0", blockSize: 128, bytesPerBlock: 18)
    public static let q2_0 = GGMLType(id: 42, name: "Q2_0", blockSize: 64, bytesPerBlock: 18)

    /// Every type with a valid layout, in id order.
    public static let all: [GGMLType] = [
        .f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K, .iq2_XXS, .iq2_XS, .iq3_XXS, .iq1_S, .iq4_NL,
        .iq3_S, .iq2_S, .iq4_XS, .i8, .i16, .i32, .i64, .f64, .iq1_M, .bf16, .tq1_0, .tq2_0, .mxfp4, .nvfp4, .q1_0, .q2_0,
    ]

    /// Ids that once existed and were removed; files using them are refused (their `blck_size` is 0).
    public static let removed: [Int: String] = [
        4: "Q4_2", 5: "Q4_3", 31: "Q4_0_4_4", 32: "Q4_0_4_8", 33: "Q4_0_8_8",
        36: "IQ4_NL_4_4", 37: "IQ4_NL_4_8", 38: "IQ4_NL_8_8",
    ]

    private static let byID: [Int: GGMLType] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
    private static let byName: [String: GGMLType] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The type with id `id`, or `nil` for unknown and removed ids.
    public static func withID(_ id: Int) -> GGMLType? { byID[id] }

    /// The type named `name` (case-insensitive), or `nil`. For parsing user input and file names; code that means a
    /// particular type uses its constant (`.q8_0`).
    public static func named(_ name: String) -> GGMLType? { byName[name.uppercased()] }

    /// The exact bytes of `elements` elements whose innermost dimension is `rowLength`, or `nil` when the row
    /// is not a whole number of blocks or the size overflows.
    public func byteCount(elements: Int, rowLength: Int) -> Int? {
        guard blockSize > 0, rowLength % blockSize == 0, elements % blockSize == 0 else { return nil }
        return Checked.multiply(elements / blockSize, bytesPerBlock)
    }
}
