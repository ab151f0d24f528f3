public import Synchronization


/// `heft stats` options.
public struct StatsOptions: Sendable {
    /// Near-zero thresholds: absolute, or × the tensor's RMS with ``relative``.
    public var thresholds: [Double] = [1e-6, 1e-4, 1e-3, 1e-2]
    public var relative = false
    /// Outliers are |w| > k·σ.
    public var outlierK = 6.0
    public var bins = 32
    /// Where the scanner reports bytes done and learns that it should stop (Ctrl-C).
    public var progress: StatsProgress?

    public init() {}
}

/// Progress shared between the scanning workers and whoever displays it.
public final class StatsProgress: Sendable {
    /// Bytes decoded so far (both passes count, so the total is twice the tensor data).
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

    public struct Histogram: Sendable, Codable {
        public let min: Double
        public let max: Double
        public let counts: [Int]
    }

    public let name: String
    public let elements: Int
    public let zeros: Int
    public let nan: Int
    public let inf: Int
    public let min: Double
    public let max: Double
    /// Over finite values, accumulated in float64 (Chan et al. pairwise merging).
    public let mean: Double
    /// Population standard deviation over finite values.
    public let std: Double
    public let absMax: Double
    public let nearZero: [NearZero]
    public let outlierFraction: Double
    public let histogram: Histogram
}

/// Running moments of a stream of floats: counts, extremes, and mean/M2 merged pairwise in float64.
struct Moments: Sendable {
    var elements = 0, finite = 0, zeros = 0, nan = 0, inf = 0
    var min = Float.infinity, max = -Float.infinity
    var mean = 0.0, m2 = 0.0
    var nearZero: [Int]

    init(thresholds: Int) { nearZero = [Int](repeating: 0, count: thresholds) }

    /// Adds a chunk: one pass for counts, extremes and the chunk's sum; a second, cache-resident pass for its M2.
    ///
    /// Counters live in local buffers during the loops (array element updates in a struct would check uniqueness
    /// on every value), and thresholds are compared as exact float bounds (see ``FloatBound``).
    mutating func add(_ x: UnsafeBufferPointer<Float>, absoluteThresholds: [Double]) {
        let bounds = absoluteThresholds.map(FloatBound.init)
        var finite = 0, zeros = 0, nan = 0, inf = 0
        var low = Float.infinity, high = -Float.infinity
        var sum0 = 0.0, sum1 = 0.0
        var near = [Int](repeating: 0, count: nearZero.count)
        near.withUnsafeMutableBufferPointer { counts in
            bounds.withUnsafeBufferPointer { bounds in
                let n = x.count
                var i = 0
                while i < n {
                    let v = x[i]
                    i += 1
                    guard v.isFinite else {
                        if v.isNaN { nan += 1 } else { inf += 1 }
                        continue
                    }
                    finite += 1
                    if v == 0 { zeros += 1 }
                    low = Swift.min(low, v)
                    high = Swift.max(high, v)
                    if i & 1 == 0 { sum0 += Double(v) } else { sum1 += Double(v) }
                    let a = abs(v)
                    for b in 0..<bounds.count where bounds[b].inclusive ? a <= bounds[b].value : a < bounds[b].value { counts[b] += 1 }
                }
            }
        }
        var chunk = Moments(thresholds: nearZero.count)
        chunk.elements = x.count
        chunk.finite = finite
        chunk.zeros = zeros
        chunk.nan = nan
        chunk.inf = inf
        chunk.min = low
        chunk.max = high
        chunk.nearZero = near
        if finite > 0 {
            let mean = (sum0 + sum1) / Double(finite)
            var m0 = 0.0, m1 = 0.0
            var i = 0
            while i + 1 < x.count {
                let a = x[i], b = x[i + 1]
                if a.isFinite { let d = Double(a) - mean; m0 += d * d }
                if b.isFinite { let d = Double(b) - mean; m1 += d * d }
                i += 2
            }
            if i < x.count, x[i].isFinite { let d = Double(x[i]) - mean; m0 += d * d }
            chunk.mean = mean
            chunk.m2 = m0 + m1
        }
        merge(chunk)
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
}

/// A float64 threshold `t` as a float comparison: for a float `a`, `Double(a) < t` exactly when `a < value` (t is a
/// float) or `a <= value` (t falls between floats; `value` is the largest float below it).
struct FloatBound: Sendable {
    let value: Float
    let inclusive: Bool

    init(_ t: Double) {
        var f = Float(t)
        if Double(f) > t { f = f.nextDown }
        value = f
        inclusive = Double(f) < t
    }
}

/// The second pass: outliers against σ, histogram over [min, max], near-zero counts relative to the RMS.
struct Tails: Sendable {
    var outliers = 0
    var histogram: [Int]
    var nearZero: [Int]

    init(bins: Int, thresholds: Int) {
        histogram = [Int](repeating: 0, count: bins)
        nearZero = [Int](repeating: 0, count: thresholds)
    }

    /// Thresholds are float64 values compared exactly, through float bounds, as the float64 reference does.
    mutating func add(_ x: UnsafeBufferPointer<Float>, outlierAbove: Double, min: Float, max: Float, relativeThresholds: [Double]?) {
        let bins = histogram.count
        let scale = max > min ? Float(bins) / (max - min) : 0
        let outlier = FloatBound(outlierAbove)
        let bounds = (relativeThresholds ?? []).map(FloatBound.init)
        var outliers = 0
        histogram.withUnsafeMutableBufferPointer { counts in
            nearZero.withUnsafeMutableBufferPointer { near in
                for v in x where v.isFinite {
                    let a = abs(v)
                    // With value the largest float ≤ t, a float a exceeds t exactly when a > value.
                    if a > outlier.value { outliers += 1 }
                    let index = Int((v - min) * scale)
                    counts[index < 0 ? 0 : index >= bins ? bins - 1 : index] += 1
                    for b in 0..<bounds.count where bounds[b].inclusive ? a <= bounds[b].value : a < bounds[b].value { near[b] += 1 }
                }
            }
        }
        self.outliers += outliers
    }

    mutating func merge(_ o: Tails) {
        outliers += o.outliers
        for i in histogram.indices { histogram[i] += o.histogram[i] }
        for i in nearZero.indices { nearZero[i] += o.nearZero[i] }
    }
}
