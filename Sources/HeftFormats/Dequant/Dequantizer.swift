import HeftKernels

/// Turns stored ggml blocks back into float32 values, bit for bit as the reference dequantizers do.
///
/// Each block layout follows ggml-common.h; the order of floating-point operations follows gguf-py's
/// `dequantize_blocks` (for example `d·q − dm`, with `d = d_super × scale` rounded first), so that the results
/// equal the reference's float32 output exactly — the golden vectors in the fixtures check every type here.
/// Callers guarantee that `source` holds `count / blockSize` whole blocks (the GGUF reader has validated sizes).
public enum Dequantizer {
    /// The types with a dequantizer: every type gguf-py can dequantize.
    public static let supported: Set<String> = [
        "F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0",
        "MXFP4", "NVFP4",
    ]

    public static func supports(_ type: GGMLType) -> Bool { supported.contains(type.name) }

    /// Dequantizes `count` elements of `type` from `source` into `destination`.
    public static func dequantize(_ type: GGMLType, _ source: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>) {
        let blocks = count / type.blockSize
        switch type.name {
        case "F32":
            for i in 0..<count { y[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case "F16", "BF16":
            // Vector C (F16C where the CPU has it); Swift's own Float16 conversion is software on baseline x86-64.
            heft_widen(UInt32(type.id), source, count, y)
        default:
            // Every other type in `supported` decodes in vector C (HeftKernels/Dequantize.c, its IQ grids in
            // IQTables.c), built for each instruction set.
            let done = heft_dequantize(UInt32(type.id), source, blocks, y)
            precondition(done != 0, "no dequantizer for \(type.name)")
        }
    }
}

extension GGMLType {
    /// safetensors' F8 dtypes as the C kernels decode them, one value per byte (ids no GGUF file uses).
    public static let f8E4M3 = GGMLType(id: Int(HEFT_TYPE_F8_E4M3), name: "F8_E4M3", blockSize: 1, bytesPerBlock: 1)
    public static let f8E5M2 = GGMLType(id: Int(HEFT_TYPE_F8_E5M2), name: "F8_E5M2", blockSize: 1, bytesPerBlock: 1)
}
