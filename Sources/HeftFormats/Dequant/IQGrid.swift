/// A lattice codebook of the IQ1/IQ2/IQ3 block types: row `i` holds the `width` magnitudes that index `i` stands for.
///
/// The tables themselves are format data generated into `IQGrids.swift` by `Scripts/embed_iq_grids.py`; this type
/// only decodes them (once, on first use) into float32 values, so that a dequantizer multiplies exactly the value
/// the reference multiplies.
struct IQGrid: Sendable {
    let width: Int
    let values: [Float]

    init(rows: Int, width: Int, levels: [Int], digits: String) {
        var values: [Float] = []
        values.reserveCapacity(rows * width)
        for byte in digits.utf8 where byte >= UInt8(ascii: "0") { values.append(Float(levels[Int(byte - UInt8(ascii: "0"))])) }
        precondition(values.count == rows * width, "IQGrids.swift is damaged; regenerate it with Scripts/embed_iq_grids.py")
        self.width = width
        self.values = values
    }

    /// Writes row `index` times `scale` into `y`, negating the values whose bit is set in `signs` (bit k for value k).
    @inline(__always) func emit(_ index: Int, scale: Float, signs: UInt8, into y: UnsafeMutablePointer<Float>) {
        for k in 0..<width {
            let v = scale * values[index * width + k]
            y[k] = (signs >> UInt8(k)) & 1 == 0 ? v : -v
        }
    }

    /// The sign byte of the IQ2/IQ3 types for a stored 7-bit index: the index, with its parity as the eighth sign
    /// (an even number of negative values per group of 8), as ggml's `ksigns_iq2xs` table lists.
    @inline(__always) static func signs(_ index: UInt32) -> UInt8 {
        let low = UInt8(index & 0x7F)
        return low | UInt8(low.nonzeroBitCount & 1) << 7
    }
}

extension IQGrid {
    /// IQ1's form: row `index` plus `delta` (±⅛), times `scale`.
    @inline(__always) func emitShifted(_ index: Int, scale: Float, delta: Float, into y: UnsafeMutablePointer<Float>) {
        for k in 0..<width { y[k] = scale * (values[index * width + k] + delta) }
    }
}
