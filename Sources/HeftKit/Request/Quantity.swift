/// The number syntax every request accepts, on the command line, in a query string and in JSON alike.
public enum Quantity {
    /// A whole count: `4096`, `32k`, `7B`, `350M`, `1.5T`, `1e9`, `7,000,000`. `k`/`K` = 10³, `M` = 10⁶, `B`/`G`
    /// = 10⁹, `T` = 10¹²; the value must be a whole number after scaling. Nil for anything else.
    public static func count(_ text: String) -> Int? {
        var body = Substring(text.filter { $0 != "," && $0 != "_" && $0 != " " })
        var scale = 1.0
        if let last = body.last, let factor = [Character("k"): 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12][last] {
            scale = factor
            body = body.dropLast()
        }
        guard let value = plainNumber(body) else { return nil }
        let scaled = value * scale
        guard scaled.isFinite, abs(scaled) < 9.0e18, scaled == scaled.rounded() else { return nil }
        return Int(scaled)
    }

    /// A length in tokens: as `count`, but `k` and `M` are binary as context lengths are written (`32k` = 32,768,
    /// `1M` = 1,048,576), while digits alone (`32000`, `3.2e4`) mean exactly that.
    public static func tokens(_ text: String) -> Int? {
        let body = text.filter { $0 != "," && $0 != "_" && $0 != " " }
        guard let last = body.last, let factor = [Character("k"): 1024.0, "K": 1024, "M": 1_048_576][last] else { return count(body) }
        guard let value = plainNumber(body.dropLast()) else { return nil }
        let scaled = value * factor
        guard scaled.isFinite, abs(scaled) < 9.0e18, scaled == scaled.rounded() else { return nil }
        return Int(scaled)
    }

    /// A size in bytes: `6GB`, `6 GiB`, `512MiB`, `6e9`, `800MB`, `1.5TB` (kB/MB/GB/TB are powers of 10, KiB/MiB/GiB/TiB
    /// powers of 2). Rounded to whole bytes; nil for anything else or for values past 10¹⁸.
    public static func bytes(_ text: String) -> Int? {
        var body = text.uppercased().filter { $0 != " " && $0 != "," && $0 != "_" }
        var scale = 1.0
        for (suffix, factor) in [
            ("TIB", 1_099_511_627_776.0), ("GIB", 1_073_741_824.0), ("MIB", 1_048_576.0), ("KIB", 1024.0), ("TB", 1e12), ("GB", 1e9),
            ("MB", 1e6), ("KB", 1e3), ("B", 1.0),
        ] where body.hasSuffix(suffix) {
            scale = factor
            body.removeLast(suffix.count)
            break
        }
        guard let value = plainNumber(Substring(body)) else { return nil }
        let scaled = value * scale
        guard scaled.isFinite, abs(scaled) <= 1e18 else { return nil }
        return Int(scaled.rounded())
    }

    /// A real number: `0.5`, `1e-3`, `2`. Nil for NaN, infinities and anything that is not a plain decimal.
    public static func real(_ text: String) -> Double? {
        plainNumber(Substring(text.filter { $0 != " " && $0 != "_" }))
    }

    /// Digits with an optional sign, point and exponent only: Swift's `Double(_:)` also reads `nan`, `inf` and hex
    /// floats, which no user means as a size.
    private static func plainNumber(_ text: Substring) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }), let value = Double(text),
            value.isFinite
        else { return nil }
        return value
    }
}
