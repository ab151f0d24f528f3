import HeftTestSupport
import Testing

@testable import HeftKit

/// The float32 ends of mean ± k·σ decide, for every float, whether it is an outlier; they must agree with exact
/// arithmetic. Means and reaches are integers times 2⁻⁴⁰ with up to 53 significant bits at different scales, so that
/// mean ± reach usually needs more bits than a float64 holds (the float64 sum rounds), and floats near the ends are
/// integers times 2⁻⁴⁰ too: the comparison is then exact in Int64, independent of the code under test.
@Suite struct OutlierRangeTests {
    @Test func endsAgreeWithExactArithmetic() {
        var generator = SplitMix64(seed: 61)
        let scale = 0x1p40
        var checked = 0
        for _ in 0..<20_000 {
            // |mean| < 2^10, reach < 2^10, each with up to 53 significant bits and at least 2^-40 resolution.
            let meanBits = Int64(bitPattern: generator.next() >> 14) >> Int64(generator.next() % 40)
            let reachBits = Int64(generator.next() >> 14) >> Int64(generator.next() % 40)
            let mean = Double(meanBits) / scale, reach = Double(reachBits) / scale
            guard Double(meanBits) == mean * scale, Double(reachBits) == reach * scale else { continue }  // exact
            let range = OutlierRange(mean: mean, reach: reach)
            for end in [mean - reach, mean + reach] {
                var x = Float(end)
                for _ in 0..<3 { x = x.nextDown }
                for _ in 0..<7 {
                    defer { x = x.nextUp }
                    let exact = Double(x) * scale
                    guard abs(x) >= 0x1p-10, exact == exact.rounded() else { continue }  // x·2^40 an integer
                    let X = Int64(exact)
                    let outside = X < meanBits - reachBits || X > meanBits + reachBits
                    #expect((x < range.low || x > range.high) == outside, "x \(x) mean \(mean) reach \(reach)")
                    checked += 1
                }
            }
        }
        #expect(checked > 50_000)
    }

    /// A float64 sum that lands exactly on a float32 while the exact end lies beside it: −1 + 2⁻⁶⁰ rounds to −1.0,
    /// yet −1.0 is below the end.
    @Test func anEndRoundedOntoAFloatKeepsItsSide() {
        let range = OutlierRange(mean: 0x1p-60, reach: 1)
        #expect(range.low == Float(-1).nextUp)
        #expect(range.high == 1)
        let other = OutlierRange(mean: -0x1p-60, reach: 1)
        #expect(other.low == -1 && other.high == Float(1).nextDown)
    }

    /// No float between the ends: every finite value is outside, and no block can be skipped.
    @Test func aRangeWithoutFloatsHoldsNothing() {
        let range = OutlierRange(mean: 97.0 / 96, reach: 1e-8)
        #expect(range.low > range.high)
        #expect(range.magnitudeBound == nil)
        #expect([Float(1), Float(97.0 / 96), 2].allSatisfy { $0 < range.low || $0 > range.high })
    }
}
