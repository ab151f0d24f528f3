#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Number and size formatting for human output. JSON never uses these: it carries exact integers.
public enum Formatting {
    /// `22713216` → `22,713,216`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// `22713216` → `22.7M`; `6738415616` → `6.74B`.
    public static func compactCount(_ value: Int) -> String {
        let v = Double(value)
        switch value {
        case ..<1_000: return "\(value)"
        case ..<1_000_000: return fixed(v / 1e3, significant: 3) + "K"
        case ..<1_000_000_000: return fixed(v / 1e6, significant: 3) + "M"
        case ..<1_000_000_000_000: return fixed(v / 1e9, significant: 3) + "B"
        default: return fixed(v / 1e12, significant: 3) + "T"
        }
    }

    /// Decimal size: `90868376` → `90.9 MB` (MB = 10⁶ bytes, GB = 10⁹ bytes, TB = 10¹² bytes).
    public static func decimalSize(_ bytes: Int) -> String {
        let v = Double(bytes)
        // As the web app's gb(): the larger unit from the size that rounds to 1.00 of it (999,600 B is 1.00 MB).
        for (scale, unit) in [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")] where abs(v) >= scale * 0.9995 {
            return fixed(v / scale, significant: 3) + " " + unit
        }
        return "\(bytes) B"
    }

    /// Binary size: `90868376` → `86.7 MiB` (GiB = 2³⁰ bytes).
    public static func binarySize(_ bytes: Int) -> String {
        let v = Double(bytes)
        switch bytes {
        case ..<1024: return "\(bytes) B"
        case ..<(1 << 20): return fixed(v / 1024, significant: 3) + " KiB"
        case ..<(1 << 30): return fixed(v / 1_048_576, significant: 3) + " MiB"
        default: return fixed(v / 1_073_741_824, significant: 3) + " GiB"
        }
    }

    /// The end of a text report: its warnings, then the size units it used.
    public static func closing(warnings: [String]) -> [String] {
        var out: [String] = []
        if !warnings.isEmpty {
            out += ["", "Warnings"] + warnings.map { "  - \($0)" }
        }
        return out + ["", "Sizes: kB/MB/GB are 10³/10⁶/10⁹ bytes; KiB/MiB/GiB are 2¹⁰/2²⁰/2³⁰ bytes."]
    }

    /// One character per count, heights on a log scale so that tails stay visible next to the peak: a space for
    /// 0, then ▁ … █ for log(1 + count) up to log(1 + the largest count).
    public static func bars(_ counts: [Int]) -> String {
        let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let top = log(1 + Double(counts.max() ?? 0))
        return String(
            counts.map { c -> Character in
                guard c > 0, top > 0 else { return " " }
                let level = Int((Double(levels.count) * log(1 + Double(c)) / top).rounded(.up)) - 1
                return levels[min(levels.count - 1, max(0, level))]
            })
    }

    /// `0.5253` → `52.5%`.
    /// A time in the unit that suits it, three significant digits: `850 µs`, `12.3 ms`, `4.56 s`, `7.5 min`, `3.2 h`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        switch seconds {
        case ..<1e-3: return fixed(seconds * 1e6, significant: 3) + " µs"
        case ..<1: return fixed(seconds * 1e3, significant: 3) + " ms"
        case ..<120: return fixed(seconds, significant: 3) + " s"
        case ..<7200: return fixed(seconds / 60, significant: 3) + " min"
        case ..<(48 * 3600): return fixed(seconds / 3600, significant: 3) + " h"
        default: return fixed(seconds / 86400, significant: 3) + " days"
        }
    }

    /// An estimate at three significant digits, grouped by thousands: `5,290`, `31.9`, `0.123`.
    public static func approximate(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        guard abs(value) >= 1000, abs(value) < 9e18 else { return fixed(value, significant: 3) }
        let magnitude = Int(log10(abs(value)).rounded(.down)) + 1
        var scale = 1.0
        for _ in 0..<(magnitude - 3) { scale *= 10 }
        return grouped(Int((value / scale).rounded() * scale))
    }

    public static func percent(_ fraction: Double) -> String { fixed(fraction * 100, decimals: 1) + "%" }

    /// A number with `decimals` digits after the point (beyond what an Int holds, Swift's own notation, e.g. 3.4e+38).
    public static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        guard value.isFinite, abs(value) * scale < 9e18 else { return "\(value)" }
        let rounded = (value * scale).rounded() / scale
        var text = String(Int((abs(rounded) * scale).rounded()))
        if decimals > 0 {
            while text.count <= decimals { text = "0" + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
        }
        return (rounded < 0 ? "-" : "") + text
    }

    /// A number with about `significant` significant digits (at least none after the point).
    public static func fixed(_ value: Double, significant: Int) -> String {
        guard value.isFinite, value != 0 else { return fixed(value, decimals: max(0, significant - 1)) }
        var magnitude = Int(log10(abs(value)).rounded(.down)) + 1
        if magnitude > 16 {
            // Past 10¹⁶ the digits are not all significant: mantissa and power of ten (3.537e+33).
            var exponent = magnitude - 1
            var mantissa = fixed(value / pow(10, Double(exponent)), decimals: max(0, significant - 1))
            if abs(Double(mantissa) ?? 0) >= 10 {  // 9.9996 rounds up to the next power
                exponent += 1
                mantissa = fixed(value / pow(10, Double(exponent)), decimals: max(0, significant - 1))
            }
            return "\(mantissa)e+\(exponent)"
        }
        // A value that rounds up to the next power of ten (0.9996 → 1.00, 9.996 → 10.0) takes that power's digits.
        let scale = pow(10, Double(max(0, significant - magnitude)))
        if (abs(value) * scale).rounded() / scale >= pow(10, Double(magnitude)) { magnitude += 1 }
        return fixed(value, decimals: max(0, significant - magnitude))
    }
}

/// A plain-text table with aligned columns: text left, numbers right.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []
    /// Columns aligned to the right.
    public var rightAligned: Set<Int>

    public init(header: [String], rightAligned: Set<Int>) {
        self.header = header
        self.rightAligned = rightAligned
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render(indent: String = "  ") -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            var line = indent
            for (index, cell) in row.enumerated() where index < widths.count {
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                line += rightAligned.contains(index) ? pad + cell : cell + pad
                if index < row.count - 1 { line += "  " }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
