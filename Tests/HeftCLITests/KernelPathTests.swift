import Foundation
import HeftTestSupport
import Testing

/// `heft stats` gives the same answer on every instruction set its kernels are built for: AVX-512, AVX2, baseline
/// x86-64 and the generic path arm64 takes (no x86-only rounding trick), forced with `HEFT_KERNELS` on this machine.
/// Counts, extremes and histograms are identical; means and deviations agree to 1e-6 of the standard deviation (the
/// paths add float32 partial sums of 8 or 16 values, in different orders).
@Suite struct KernelPathTests {
    static func stats(_ path: String, kernels: String, extra: [String] = []) throws -> [String: Any] {
        var environment = ProcessInfo.processInfo.environment
        environment["HEFT_KERNELS"] = kernels
        environment["HF_HUB_OFFLINE"] = "1"
        let run = try HeftBinary.run(["stats", path, "--json"] + extra, environment: environment)
        #expect(run.status == 0, "\(kernels): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// The first place two documents differ beyond rounding, or nil. Moments (`mean`, `std`) are compared on the
    /// scale of their own object's `std` (a mean near zero against the spread, not against itself).
    static func difference(_ a: Any, _ b: Any, at path: String = "", spread: Double? = nil) -> String? {
        switch (a, b) {
        case (let a as [String: Any], let b as [String: Any]):
            guard Set(a.keys) == Set(b.keys) else { return "\(path): keys differ" }
            let std = (a["std"] as? NSNumber)?.doubleValue
            for key in a.keys.sorted() {
                if let d = difference(a[key]!, b[key]!, at: path + "." + key, spread: std) { return d }
            }
            return nil
        case (let a as [Any], let b as [Any]):
            guard a.count == b.count else { return "\(path): \(a.count) vs \(b.count) items" }
            for (i, (x, y)) in zip(a, b).enumerated() { if let d = difference(x, y, at: "\(path)[\(i)]") { return d } }
            return nil
        case (let a as NSNumber, let b as NSNumber):
            let x = a.doubleValue, y = b.doubleValue
            if x == y { return nil }
            let isMoment = path.hasSuffix(".mean") || path.hasSuffix(".std")
            return isMoment && abs(x - y) <= 1e-6 * (spread ?? max(abs(x), abs(y))) ? nil : "\(path): \(x) vs \(y)"
        default:
            return "\(a)" == "\(b)" ? nil : "\(path): \(a) vs \(b)"
        }
    }

    /// Every block type gguf-py dequantizes, on every instruction set: the golden blocks wrapped in a one-tensor GGUF
    /// file, scanned by `heft stats`, give the extremes, zeros and NaN count of gguf-py's own float32 output exactly,
    /// and its mean to 1e-6 of their spread.
    @Test(arguments: [
        "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S",
        "IQ3_XXS", "IQ3_S", "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0", "MXFP4", "NVFP4",
    ])
    func everyBlockTypeMatchesTheReferenceOnEveryPath(type: String) throws {
        let index = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/index.json")))) as? [[String: Any]])
        let entry = try #require(index.first { $0["type"] as? String == type })
        let id = try #require(entry["id"] as? Int), blockSize = try #require(entry["block_size"] as? Int)
        let blocks = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(type).dequantize.in.bin")))
        let output = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(type).dequantize.out.f32")))
        let values = output.count / 4
        let bytes = [UInt8](output)
        let expected: [Float] = (0..<values).map { (i: Int) -> Float in
            var bits: UInt32 = 0
            for k in 0..<4 { bits |= UInt32(bytes[4 * i + k]) << (8 * k) }
            return Float(bitPattern: bits)
        }
        var gguf = GGUFBuilder(tensorCount: 1, kvCount: 1)
        gguf.kvString("general.architecture", "llama")
        gguf.tensor("blk.0.ffn_down.weight", ne: [UInt64(blockSize), UInt64(values / blockSize)], type: UInt32(id), offset: 0)
        gguf.pad(to: 32)
        gguf.raw([UInt8](blocks))
        let directory = try TemporaryDirectory()
        let path = try directory.write("\(type).gguf", gguf.bytes)
        let finite = expected.filter(\.isFinite)
        let mean = finite.reduce(0.0) { $0 + Double($1) } / Double(finite.count)
        // Outliers beyond 2σ (so that every file has some): the blocks read again once σ is known, skipped by their
        // scales where the type allows it.
        let std = (finite.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(finite.count)).squareRoot()
        let outliers = finite.filter { Double(abs($0)) > 2 * std }.count
        for kernels in ["generic", "baseline", "avx2", "avx512"] {
            let global = try #require(try Self.stats(path, kernels: kernels, extra: ["--k", "2"])["global"] as? [String: Any])
            let fraction = try #require(global["outlierFraction"] as? Double)
            #expect(Int((fraction * Double(finite.count)).rounded()) == outliers, "\(type) \(kernels) outliers")
            #expect(global["min"] as? Double == Double(finite.min()!), "\(type) \(kernels)")
            #expect(global["max"] as? Double == Double(finite.max()!), "\(type) \(kernels)")
            #expect(global["zeros"] as? Int == finite.filter { $0 == 0 }.count, "\(type) \(kernels)")
            #expect(global["nan"] as? Int == expected.filter(\.isNaN).count, "\(type) \(kernels)")
            let got = try #require(global["mean"] as? Double)
            #expect(abs(got - mean) <= 1e-6 * std, "\(type) \(kernels): \(got) vs \(mean)")
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
