/// `heft memory --sweep`: memory and speed at contexts of 1,024 tokens doubling up to the model's maximum, with
/// FlashAttention and with standard attention (which stores or materializes the heads × tokens × context scores).
public struct ContextSweep: Sendable, Codable {
    public struct Point: Sendable, Codable, Hashable {
        public let context: Int
        public let weightsBytes: Int
        public let kvCacheBytes: Int
        /// Activations (training) or the compute buffer / inference activations, with FlashAttention and without.
        public let activationBytes: Int
        public let activationBytesStandard: Int
        /// The rest of the total, the same with either attention: the runtime overhead (llama.cpp: output buffer
        /// and driver), and gradients and optimizer state when training.
        public let otherBytes: Int
        public let totalBytes: Int
        public let totalBytesStandard: Int
        /// On the GPU, when one is given.
        public let fits: Bool?
        public let fitsStandard: Bool?
        public let prefillTokensPerSecond: Double?
        public let decodeTokensPerSecond: Double?
        public let prefillTokensPerSecondStandard: Double?
        public let decodeTokensPerSecondStandard: Double?
    }

    public let points: [Point]
    /// One GPU's (or all GPUs') usable memory, as the fit compares.
    public let capacityBytes: Int?
    /// The last context that fits with FlashAttention and with standard attention.
    public let largestFitting: Int?
    public let largestFittingStandard: Int?

    /// The contexts swept: 1,024 doubling up to `maximum` (and `maximum` itself when it is not a power of two).
    public static func contexts(upTo maximum: Int) -> [Int] {
        var out: [Int] = []
        var c = 1024
        while c < maximum && out.count < 24 {
            out.append(c)
            c *= 2
        }
        out.append(max(1, maximum))
        return out
    }

    init(profile: ModelProfile, request: MemoryRequest, maximum: Int) throws(EstimateError) {
        var flash = request
        flash.contexts = Self.contexts(upTo: maximum)
        flash.flashAttention = true
        var standard = flash
        standard.flashAttention = false
        let a = try MemoryEstimate(profile: profile, request: flash).estimates
        let b = try MemoryEstimate(profile: profile, request: standard).estimates
        var points: [Point] = []
        for (x, y) in zip(a, b) {
            points.append(
                Point(
                    context: x.context, weightsBytes: x.weightsBytes, kvCacheBytes: x.kvCacheBytes, activationBytes: x.activationBytes,
                    activationBytesStandard: y.activationBytes,
                    otherBytes: x.totalBytes - x.weightsBytes - x.kvCacheBytes - x.activationBytes, totalBytes: x.totalBytes,
                    totalBytesStandard: y.totalBytes, fits: x.fit?.fits, fitsStandard: y.fit?.fits,
                    prefillTokensPerSecond: x.speed?.prefillTokensPerSecond, decodeTokensPerSecond: x.speed?.decodeTokensPerSecond,
                    prefillTokensPerSecondStandard: y.speed?.prefillTokensPerSecond, decodeTokensPerSecondStandard: y.speed?.decodeTokensPerSecond))
        }
        self.points = points
        self.capacityBytes = a.first?.fit?.capacityBytes
        self.largestFitting = points.last { $0.fits == true }?.context
        self.largestFittingStandard = points.last { $0.fitsStandard == true }?.context
    }
}
