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
    mutating func add(_ x: UnsafeBufferPointer<Float>, absoluteThresholds: [Double]) {
        var chunk = Moments(thresholds: nearZero.count)
        var sum = 0.0
        for v in x {
            if v.isNaN { chunk.nan += 1; continue }
            if v.isInfinite { chunk.inf += 1; continue }
            if v == 0 { chunk.zeros += 1 }
            chunk.min = Swift.min(chunk.min, v)
            chunk.max = Swift.max(chunk.max, v)
            sum += Double(v)
            chunk.finite += 1
            let magnitude = Double(abs(v))
            for (i, t) in absoluteThresholds.enumerated() where magnitude < t { chunk.nearZero[i] += 1 }
        }
        chunk.elements = x.count
        if chunk.finite > 0 {
            chunk.mean = sum / Double(chunk.finite)
            var m2 = 0.0
            for v in x where v.isFinite {
                let d = Double(v) - chunk.mean
                m2 += d * d
            }
            chunk.m2 = m2
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

/// The second pass: outliers against σ, histogram over [min, max], near-zero counts relative to the RMS.
struct Tails: Sendable {
    var outliers = 0
    var histogram: [Int]
    var nearZero: [Int]

    init(bins: Int, thresholds: Int) {
        histogram = [Int](repeating: 0, count: bins)
        nearZero = [Int](repeating: 0, count: thresholds)
    }

    /// Thresholds are compared in float64, as the float64 reference does.
    mutating func add(_ x: UnsafeBufferPointer<Float>, outlierAbove: Double, min: Float, max: Float, relativeThresholds: [Double]?) {
        let bins = histogram.count
        let scale = max > min ? Float(bins) / (max - min) : 0
        for v in x where v.isFinite {
            let magnitude = Double(abs(v))
            if magnitude > outlierAbove { outliers += 1 }
            histogram[Swift.min(bins - 1, Swift.max(0, Int((v - min) * scale)))] += 1
            if let relativeThresholds {
                for (i, t) in relativeThresholds.enumerated() where magnitude < t { nearZero[i] += 1 }
            }
        }
    }

    mutating func merge(_ o: Tails) {
        outliers += o.outliers
        for i in histogram.indices { histogram[i] += o.histogram[i] }
        for i in nearZero.indices { nearZero[i] += o.nearZero[i] }
    }
}
