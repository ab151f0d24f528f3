/// Bytes of a weight matrix stored sparsely: what `heft plan prune` promises at a chosen sparsity and what
/// `heft stats` reports at the measured one. These are estimates of the formats' payload (no file headers, no
/// alignment padding).
public enum SparseStorage {
    /// How ``bitmaskBytes(elements:nonZeros:bytesPerValue:)`` counts, for reports.
    public static let bitmaskFormula = "non-zeros × bytes per value + 1 bit per value"
    /// How ``csrBytes(rows:nonZeros:bytesPerValue:)`` counts, for reports.
    public static let csrFormula = "non-zeros × (bytes per value + 4-byte column index) + 4-byte row pointers × (rows + 1)"

    /// The non-zero values, then one mask bit for each of `elements`.
    public static func bitmaskBytes(elements: Int, nonZeros: Int, bytesPerValue: Double) -> Int {
        values(nonZeros, bytesPerValue) + (elements + 7) / 8
    }

    /// The non-zero values with an int32 column index each, then `rows + 1` int32 row pointers.
    public static func csrBytes(rows: Int, nonZeros: Int, bytesPerValue: Double) -> Int {
        values(nonZeros, bytesPerValue) + 4 * nonZeros + 4 * (rows + 1)
    }

    /// The line reports print under sparse sizes.
    public static var formulas: String { "estimates: bitmask = \(bitmaskFormula); CSR = \(csrFormula)" }

    /// Bytes of `count` values at `bytesPerValue` (fractional for block-quantized storage), rounded up.
    static func values(_ count: Int, _ bytesPerValue: Double) -> Int { Int((Double(count) * bytesPerValue).rounded(.up)) }
}
