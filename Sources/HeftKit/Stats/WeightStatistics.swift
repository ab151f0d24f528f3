import HeftKernels
public import Synchronization

/// `heft stats` options.
public struct StatsOptions: Sendable {
    /// Near-zero thresholds: absolute, or × the tensor's RMS with ``relative``.
    public var thresholds: [Double] = [1e-6, 1e-4, 1e-3, 1e-2]
    public var relative = false
    /// Outliers are |w| > k·σ of their own tensor.
    public var outlierK = 6.0
    public var bins = 32
    /// Where the scanner reports bytes done and learns that it should stop (Ctrl-C).
    public var progress: StatsProgress?

    /// The most thresholds one scan counts (the kernel's registers).
    public static let maximumThresholds = Int(HEFT_MAX_BOUNDS)

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

    /// Counts of finite values in bins [edges[i], edges[i+1]) (the last bin closed), edges from min to max.
    ///
    /// The interior edges are the uniform ones rounded to the nearest bfloat16 value, so that one pass can bin every
    /// value exactly (see ``BucketHistogram``); a tensor whose range spans fewer than `bins` bfloat16 steps gets
    /// fewer bins.
    public struct Histogram: Sendable, Codable {
        public let min: Double
        public let max: Double
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
    /// Over finite values, accumulated in float64 (Chan et al. pairwise merging).
    public let mean: Double
    /// Population standard deviation over finite values.
    public let std: Double
    public let absMax: Double
    public let nearZero: [NearZero]
    /// Values beyond k·σ of their own tensor ÷ finite values (for "all parameters": summed over tensors).
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

    /// One kernel run over `count` values whose sums were taken about `shift`.
    init(run r: heft_run_stats, count: Int, shift: Float, thresholds: Int) {
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
        mean = Double(shift) + r.sum / n
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

    /// |x| > t exactly when |x|'s bits > the bits of the largest float ≤ t.
    static func above(_ t: Double) -> UInt32 {
        guard t >= 0 else { return 0 }
        guard t < Double(Float.greatestFiniteMagnitude) else { return Float.greatestFiniteMagnitude.bitPattern }
        var f = Float(t)
        if Double(f) > t { f = f.nextDown }
        return f.bitPattern
    }
}

/// Exact counts of finite values per bfloat16 bucket (the kernel's 65,536 keys), from which histograms over any
/// range are drawn with edges on bucket boundaries.
struct BucketHistogram: Sendable {
    static let keys = 65_536
    var counts = [UInt64](repeating: 0, count: keys)

    mutating func add(_ table: UnsafeMutablePointer<UInt32>) {
        for k in 0..<Self.keys where table[k] != 0 {
            counts[k] += UInt64(table[k])
            table[k] = 0
        }
    }

    mutating func add(_ other: BucketHistogram) {
        for k in 0..<Self.keys where other.counts[k] != 0 { counts[k] += other.counts[k] }
    }

    /// The bfloat16 value with magnitude bits `t` (the top 16 bits of a float).
    static func magnitude(_ t: Int) -> Double { Double(Float(bitPattern: UInt32(t) << 16)) }

    /// The lowest value of bucket `key` (−0's key 0x7FFF stands for 0).
    static func low(_ key: Int) -> Double {
        if key == 0x7FFF { return 0 }
        return key < 0x8000 ? magnitude(key) : -magnitude(key - 0x8000 + 1)
    }

    /// `e` moved to the nearest bucket boundary (a bfloat16 value); ties go toward zero.
    static func snap(_ e: Double) -> Double {
        let a = Swift.min(abs(e), Double(Float.greatestFiniteMagnitude))
        var f = Float(a)
        if Double(f) > a { f = f.nextDown }
        let t = Int(f.bitPattern >> 16)
        let lo = magnitude(t), hi = magnitude(t + 1)
        let nearest = a - lo <= hi - a ? lo : hi
        return e < 0 ? -nearest : nearest
    }

    /// Up to `bins` bins from `min` to `max` (float values of the data), interior edges snapped to bucket boundaries.
    func histogram(min: Float, max: Float, bins: Int) -> TensorStatistics.Histogram {
        guard min <= max else { return .init(min: 0, max: 0, edges: [], counts: []) }
        let lo = Double(min), hi = Double(max)
        var edges = [lo]
        if bins > 1 {
            for i in 1..<bins {
                let e = Self.snap(lo + (hi - lo) * Double(i) / Double(bins))
                if e > edges[edges.count - 1], e < hi { edges.append(e) }
            }
        }
        edges.append(hi)
        var binCounts = [Int](repeating: 0, count: Swift.max(1, edges.count - 1))
        for key in 0..<Self.keys where counts[key] != 0 {
            // Every bucket lies inside one bin; find the bin of its lowest value (or of min, for the first bucket).
            let v = Swift.max(Self.low(key), lo)
            var a = 0, b = binCounts.count - 1
            while a < b {
                let m = (a + b + 1) / 2
                if edges[m] <= v { a = m } else { b = m - 1 }
            }
            binCounts[a] += Int(counts[key])
        }
        return .init(min: lo, max: hi, edges: edges, counts: binCounts)
    }
}

/// What one chunk's lanes say about its largest magnitudes, enough to count values above a threshold chosen later.
struct LaneTops: Sendable {
    let chunk: Int
    /// Per lane the largest |x| bits; every other value of the chunk is ≤ `second`.
    let top: [UInt32]
    let second: UInt32

    init(chunk: Int, run r: heft_run_stats) {
        self.chunk = chunk
        top = withUnsafeBytes(of: r.top1) { Array($0.bindMemory(to: UInt32.self)) }
        second = withUnsafeBytes(of: r.top2) { $0.bindMemory(to: UInt32.self).max() ?? 0 }
    }

    /// Values with |x| bits > `above`, when the lanes alone decide it (at most one such value per lane).
    func count(above: UInt32) -> Int? {
        second <= above ? top.reduce(0) { $0 + ($1 > above ? 1 : 0) } : nil
    }
}
