import HeftKernels
public import Synchronization

/// `heft stats` options.
public struct StatsOptions: Sendable {
    /// Near-zero thresholds: absolute, or × the tensor's RMS with ``relative``.
    public var thresholds: [Double] = [1e-6, 1e-4, 1e-3, 1e-2]
    public var relative = false
    /// Outliers are values more than k·σ from their own tensor's mean: |w − mean| > k·σ.
    public var outlierK = 6.0
    /// The most histogram bins; their width is a power of two (see ``TensorStatistics/Histogram``).
    public var bins = 32
    /// Where the scanner reports bytes done and learns that it should stop (Ctrl-C).
    public var progress: StatsProgress?

    /// The most thresholds one scan counts (the kernel's registers).
    public static let maximumThresholds = Int(HEFT_MAX_BOUNDS)
    /// The most histogram bins (one-hot bits the kernel adds in registers).
    public static let maximumBins = Int(HEFT_MAX_CELLS)
    /// The fewest: bins are [i·2^k, (i + 1)·2^k), so values on both sides of 0 always take two, and one bin asked
    /// for would widen to 2^126 before giving up.
    public static let minimumBins = 2

    public init() {}
}

/// Progress shared between the scanning workers and whoever displays it.
public final class StatsProgress: Sendable {
    /// Bytes of tensor data read so far.
    public let done = Atomic<Int>(0)
    public let total = Atomic<Int>(0)
    /// Set to stop the scan between chunks.
    public let cancelled = Atomic<Bool>(false)

    public init() {}
}

/// Statistics of one tensor (or of all parameters together).
public struct TensorStatistics: Sendable, Codable {
    public struct NearZero: Sendable, Codable {
        public let threshold: Double
        public let fraction: Double
    }

    /// Counts of finite values in bins [edges[i], edges[i+1]) of one width, a power of two.
    ///
    /// The width is the narrowest power of two at which the bins from the one holding `min` to the one holding
    /// `max` number at most `bins` (at least 2^-126, and at least 2^-23 of the largest magnitude), and the edges
    /// are multiples of it: so every value is binned exactly in the same pass as the other statistics, and the bins
    /// of all tensors merge exactly into the histogram of all parameters. `edges` runs from the first bin's lower
    /// edge (≤ the tensor's min) to the last bin's upper edge (> its max).
    public struct Histogram: Sendable, Codable {
        public let binWidth: Double
        public let edges: [Double]
        public let counts: [Int]
    }

    public let name: String
    public let elements: Int
    public let zeros: Int
    public let nan: Int
    public let inf: Int
    public let min: Double
    public let max: Double
    /// Over finite values: float32 partial sums of 8 or 16 values, float64 above them (Chan et al. pairwise merging);
    /// within 1e-6 of the standard deviation.
    public let mean: Double
    /// Population standard deviation over finite values.
    public let std: Double
    public let absMax: Double
    public let nearZero: [NearZero]
    /// Values more than k·σ from their own tensor's mean ÷ finite values (for "all parameters": summed over tensors).
    public let outlierFraction: Double
    public let histogram: Histogram
}

/// Counts, extremes and float64 moments of a stream of floats, merged chunk by chunk.
struct Moments: Sendable {
    var elements = 0, finite = 0, zeros = 0, nan = 0, inf = 0
    var min = Float.infinity, max = -Float.infinity
    var mean = 0.0, m2 = 0.0
    var nearZero: [Int]

    init(thresholds: Int) { nearZero = [Int](repeating: 0, count: thresholds) }

    /// One kernel run over `count` values (its sums taken about `r.shift`).
    init(run r: heft_run_stats, count: Int, thresholds: Int) {
        self.init(thresholds: thresholds)
        elements = count
        nan = Int(r.nan)
        inf = Int(r.inf)
        finite = count - nan - inf
        zeros = Int(r.zeros)
        withUnsafeBytes(of: r.near) { near in
            for b in 0..<thresholds { nearZero[b] = Int(near.load(fromByteOffset: 8 * b, as: UInt64.self)) }
        }
        guard finite > 0 else { return }
        min = r.min
        max = r.max
        // Σ(x − s) and Σ(x − s)²: mean = s + Σ/n, M2 = Σ² − (Σ)²/n, with no cancellation while s is near the mean.
        let n = Double(finite)
        mean = Double(r.shift) + r.sum / n
        m2 = Swift.max(0, r.sum_squares - r.sum * r.sum / n)
    }

    /// Chan, Golub & LeVeque's pairwise update of mean and M2.
    mutating func merge(_ o: Moments) {
        let n = finite + o.finite
        if n > 0 {
            let delta = o.mean - mean
            mean += delta * Double(o.finite) / Double(n)
            m2 += o.m2 + delta * delta * Double(finite) * Double(o.finite) / Double(n)
        }
        elements += o.elements
        finite = n
        zeros += o.zeros
        nan += o.nan
        inf += o.inf
        min = Swift.min(min, o.min)
        max = Swift.max(max, o.max)
        for i in nearZero.indices { nearZero[i] += o.nearZero[i] }
    }

    var std: Double { finite > 0 ? (m2 / Double(finite)).squareRoot() : 0 }
    var rms: Double { finite > 0 ? (m2 / Double(finite) + mean * mean).squareRoot() : 0 }
}

/// Float thresholds as the bit patterns the kernel compares: the bit patterns of non-negative floats order them.
enum FloatBits {
    /// |x| < t (t a float64) exactly when |x|'s bits < the bits of the smallest float ≥ t.
    static func below(_ t: Double) -> UInt32 {
        guard t > 0 else { return 0 }
        guard t <= Double(Float.greatestFiniteMagnitude) else { return Float.infinity.bitPattern }
        var f = Float(t)
        if Double(f) < t { f = f.nextUp }
        return f.bitPattern
    }
}

/// The values a tensor holds within k·σ of its mean, as float32 ends: a finite float x is an outlier exactly when
/// x < `low` or x > `high`, that is x < mean − k·σ or x > mean + k·σ in exact arithmetic on the float64 mean and k·σ.
struct OutlierRange: Sendable, Equatable {
    let low: Float
    let high: Float

    /// No value is outside (the relative thresholds' pass counts near-zero values alone).
    static let everything = OutlierRange(low: -.infinity, high: .infinity)

    init(low: Float, high: Float) {
        self.low = low
        self.high = high
    }

    init(mean: Double, reach: Double) {
        // Each end in float64 with its rounding error (a + b = sum + error exactly: Knuth's two-sum), so that the
        // float32 ends are right for the exact mean ± reach even when the float64 sum lands on a float32.
        func twoSum(_ a: Double, _ b: Double) -> (sum: Double, error: Double) {
            let sum = a + b, b1 = sum - a
            return (sum, (a - (sum - b1)) + (b - b1))
        }
        let lo = twoSum(mean, -reach), hi = twoSum(mean, reach)
        // x < the low end exactly when x < the smallest float ≥ it; x > the high end exactly when x > the largest
        // float ≤ it. When no float lies between the ends, low > high and every finite value is outside.
        var low = Float(lo.sum), high = Float(hi.sum)
        if Double(low) < lo.sum || (Double(low) == lo.sum && lo.error > 0) { low = low.nextUp }
        if Double(high) > hi.sum || (Double(high) == hi.sum && hi.error < 0) { high = high.nextDown }
        self.init(low: lo.sum.isNaN ? -.infinity : low, high: hi.sum.isNaN ? .infinity : high)
    }

    /// A block can hold an outlier only if its largest magnitude (bits) passes this: the nearer end's magnitude when
    /// the range holds 0 inside, else nil (any block can).
    var magnitudeBound: UInt32? {
        guard low < 0, high > 0 else { return nil }
        return Swift.min(high, -low).bitPattern
    }
}

/// A histogram on power-of-two cells (the kernel's `heft_grid`), merged across workers and tensors.
struct CellHistogram: Sendable {
    var grid = heft_grid()

    init(bins: Int) { heft_grid_init(&grid, Int32(bins)) }

    mutating func merge(_ other: CellHistogram) {
        withUnsafePointer(to: other.grid) { heft_grid_merge(&grid, $0) }
    }

    /// The bins from the one holding the minimum to the one holding the maximum.
    var histogram: TensorStatistics.Histogram {
        guard grid.low <= grid.high else { return .init(binWidth: 0, edges: [], counts: []) }
        let k = Int(grid.width_exponent)
        let width = Double(sign: .plus, exponent: k, significand: 1)
        let last = Int((Double(grid.high) / width).rounded(.down)) - Int(grid.origin)
        let counts = withUnsafeBytes(of: grid.counts) { raw in (0...last).map { Int(raw.load(fromByteOffset: 8 * $0, as: UInt64.self)) } }
        let edges = (0...last + 1).map { Double(Int(grid.origin) + $0) * width }
        return .init(binWidth: width, edges: edges, counts: counts)
    }
}

/// The largest finite magnitude of each block of ``HEFT_BLOCK`` values of one chunk: enough to count the values
/// above a bound chosen after the scan by reading again only the blocks that reach it.
struct BlockMaxima: Sendable {
    let chunk: Int
    let maxima: [UInt32]

    static let block = Int(HEFT_BLOCK)

    /// The blocks that can hold a value outside `range`.
    func reaching(_ range: OutlierRange) -> [Int] {
        guard let above = range.magnitudeBound else { return Array(maxima.indices) }
        return maxima.indices.filter { maxima[$0] > above }
    }
}
