import Foundation
import HeftTestSupport
import Testing

/// `heft stats` gives the same answer on every instruction set its kernels are built for: AVX-512, AVX2, baseline
/// x86-64 and the generic path arm64 takes (no x86-only rounding trick), forced with `HEFT_KERNELS` on this machine.
/// Counts, extremes and histograms are identical; means and deviations agree to 1e-12 relative or 1e-15 absolute (the
/// paths add in different orders, with and without fused multiply-adds).
@Suite struct KernelPathTests {
    static func stats(_ path: String, kernels: String) throws -> [String: Any] {
        var environment = ProcessInfo.processInfo.environment
        environment["HEFT_KERNELS"] = kernels
        environment["HF_HUB_OFFLINE"] = "1"
        let run = try HeftBinary.run(["stats", path, "--json"], environment: environment)
        #expect(run.status == 0, "\(kernels): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// The first place two documents differ beyond rounding, or nil.
    static func difference(_ a: Any, _ b: Any, at path: String = "") -> String? {
        switch (a, b) {
        case (let a as [String: Any], let b as [String: Any]):
            guard Set(a.keys) == Set(b.keys) else { return "\(path): keys differ" }
            for key in a.keys.sorted() { if let d = difference(a[key]!, b[key]!, at: path + "." + key) { return d } }
            return nil
        case (let a as [Any], let b as [Any]):
            guard a.count == b.count else { return "\(path): \(a.count) vs \(b.count) items" }
            for (i, (x, y)) in zip(a, b).enumerated() { if let d = difference(x, y, at: "\(path)[\(i)]") { return d } }
            return nil
        case (let a as NSNumber, let b as NSNumber):
            let x = a.doubleValue, y = b.doubleValue
            if x == y { return nil }
            let isMoment = path.hasSuffix(".mean") || path.hasSuffix(".std")
            // A mean near zero is compared on the scale of the weights (about 0.01–0.1), not its own.
            return isMoment && abs(x - y) <= max(1e-12 * max(abs(x), abs(y)), 1e-15) ? nil : "\(path): \(x) vs \(y)"
        default:
            return "\(a)" == "\(b)" ? nil : "\(path): \(a) vs \(b)"
        }
    }

    @Test(arguments: [
        "all-MiniLM-L6-v2/model.safetensors", "gguf/all-MiniLM-L6-v2.Q4_1.gguf", "gguf/all-MiniLM-L6-v2.Q5_0.gguf",
        "gguf/all-MiniLM-L6-v2.Q8_0.gguf", "gguf/all-MiniLM-L6-v2.BF16.gguf", "gguf/all-MiniLM-L6-v2.F16.gguf",
    ])
    func everyInstructionSetAgrees(file: String) throws {
        let path = Fixtures.path(file)
        let reference = try Self.stats(path, kernels: "generic")
        for kernels in ["baseline", "avx2", "avx512"] {
            let other = try Self.stats(path, kernels: kernels)
            let difference = Self.difference(reference, other)
            #expect(difference == nil, "\(file), generic vs \(kernels): \(difference ?? "")")
        }
    }
}
