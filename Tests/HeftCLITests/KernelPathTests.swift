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
        // Outliers more than 2σ from the mean (so that every file has some): the blocks read again once σ is known, skipped by their
        // scales where the type allows it.
        let std = (finite.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(finite.count)).squareRoot()
        let outliers = finite.filter { abs(Double($0) - mean) > 2 * std }.count
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

    /// The paths that count on stored patterns — Q4_0, Q5_0 and Q8_0 on their codes, F16 and BF16 on their 16-bit
    /// patterns — on every instruction set, with the inputs that separate them from the float loops: scales of ±0,
    /// a subnormal, ±1, 0.5 and the largest half, a NaN and an infinite scale, codes of −128, NaN and ±Inf values,
    /// and bounds (0.5, 3, 16) that stored values equal exactly. Every count, extreme and cell is the same on each.
    @Test func patternPathsAgreeOnEveryInstructionSet() throws {
        var generator = SplitMix64(seed: 61)
        let scales: [UInt16] = [0x0000, 0x8000, 0x0001, 0x3C00, 0xBC00, 0x3800, 0x7BFF, 0x3C00, 0x3800]
        var gguf = GGUFBuilder(tensorCount: 5, kvCount: 1)
        gguf.kvString("general.architecture", "llama")
        var data: [[UInt8]] = []
        for (t, (type, bytes)) in [(2, 18), (6, 22), (8, 34)].enumerated() {
            let blocks = 8 * 130 + 5
            var raw = (0..<blocks * bytes).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            for b in 0..<blocks {
                let half = b == 700 ? [0x7E00, 0x7C00, 0xFC00][t] : scales[Int(generator.next() % UInt64(scales.count))]
                raw[b * bytes] = UInt8(half & 0xFF)
                raw[b * bytes + 1] = UInt8(half >> 8)
                if type == 8 && b % 7 == 0 { raw[b * bytes + 2 + b % 32] = 0x80 }  // k = −128
            }
            gguf.tensor("blk.\(t).ffn_up.weight", ne: [32, UInt64(blocks)], type: UInt32(type), offset: UInt64(data.reduce(0) { $0 + $1.count }))
            data.append(raw + [UInt8](repeating: 0, count: (32 - raw.count % 32) % 32))
        }
        for (t, type) in [1, 30].enumerated() {
            let count = 9 * 4_096 + 300
            var raw: [UInt8] = []
            for i in 0..<count {
                var bits = UInt16(truncatingIfNeeded: generator.next())
                if type == 30 { bits = 0x3800 + bits % 0x0A00 | bits & 0x8000 } else { bits = 0x1000 + bits % 0x3800 | bits & 0x8000 }
                if i % 97 == 0 { bits = type == 30 ? 0x3F00 : 0x3800 }  // 0.5
                if i % 89 == 0 { bits = type == 30 ? 0x4140 : 0x4200 }  // 3
                if i % 83 == 0 { bits = i % 2 == 0 ? 0 : 0x8000 }
                if i == 5_000 { bits = type == 30 ? 0x7FC0 : 0x7E00 }  // NaN in block 1
                if i == 9_000 { bits = type == 30 ? 0xFF80 : 0xFC00 }  // −Inf in block 2
                raw += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
            }
            gguf.tensor("blk.\(3 + t).ffn_down.weight", ne: [UInt64(count)], type: UInt32(type), offset: UInt64(data.reduce(0) { $0 + $1.count }))
            data.append(raw + [UInt8](repeating: 0, count: (32 - raw.count % 32) % 32))
        }
        gguf.pad(to: 32)
        for raw in data { gguf.raw(raw) }
        let directory = try TemporaryDirectory()
        let path = try directory.write("patterns.gguf", gguf.bytes)
        let extra = ["--thresholds", "0.5,3,16,1e-3", "--k", "1.5"]
        let reference = try Self.stats(path, kernels: "generic", extra: extra)
        let tensors = try #require(reference["tensors"] as? [[String: Any]])
        #expect(tensors.count == 5 && tensors.allSatisfy { ($0["nan"] as? Int ?? 0) + ($0["inf"] as? Int ?? 0) > 0 })
        for kernels in ["baseline", "avx2", "avx512"] {
            let difference = Self.difference(reference, try Self.stats(path, kernels: kernels, extra: extra))
            #expect(difference == nil, "generic vs \(kernels): \(difference ?? "")")
        }
    }

    /// Histograms of blocks that hold NaN or ±Inf count only the finite values, on every instruction set: F32 values
    /// near 0.01 (cells narrower than 1) and near 10⁵ (wider than 1), and Q4_0 blocks under random half scales (NaN,
    /// ±Inf and the largest halves among them). Each tensor's counts equal a plain count of its values in the
    /// reported bins. Baseline x86-64 once counted such lanes in other cells: its variable shifts are not 0 past 31.
    @Test func histogramsCountOnlyFiniteValuesOnEveryInstructionSet() throws {
        var generator = SplitMix64(seed: 77)
        var gguf = GGUFBuilder(tensorCount: 3, kvCount: 1)
        gguf.kvString("general.architecture", "llama")
        var tensors: [(name: String, values: [Float], raw: [UInt8], type: UInt32)] = []
        for (t, scale) in [Float(0.01), 100_000].enumerated() {
            let values: [Float] = (0..<20_000).map { i in
                if i % 701 == 3 { return .nan }
                if i % 997 == 5 { return i % 2 == 0 ? .infinity : -.infinity }
                return scale * (Float(generator.next() % 2_000_001) / 1_000_000 - 1)
            }
            tensors.append(
                ("blk.\(t).ffn_up.weight", values, values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }, 0))
        }
        let blocks = 1_000
        var raw = (0..<blocks * 18).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var values: [Float] = []
        for b in 0..<blocks {
            if b % 50 == 7 { (raw[b * 18], raw[b * 18 + 1]) = (0x00, b % 100 == 7 ? 0x7E : 0x7C) }  // NaN, +Inf
            let d = Float(Float16(bitPattern: UInt16(raw[b * 18]) | UInt16(raw[b * 18 + 1]) << 8))
            for j in 0..<32 {
                let byte = raw[b * 18 + 2 + j % 16]
                values.append(d * Float(Int(j < 16 ? byte & 0x0F : byte >> 4) - 8))
            }
        }
        tensors.append(("blk.2.ffn_down.weight", values, raw, 2))
        var offset = 0
        for tensor in tensors {
            let blockValues = tensor.type == 2 ? 32 : 1
            gguf.tensor(
                tensor.name, ne: [UInt64(blockValues * 100), UInt64(tensor.values.count / (blockValues * 100))], type: tensor.type,
                offset: UInt64(offset))
            offset += tensor.raw.count + (32 - tensor.raw.count % 32) % 32
        }
        gguf.pad(to: 32)
        for tensor in tensors { gguf.raw(tensor.raw + [UInt8](repeating: 0, count: (32 - tensor.raw.count % 32) % 32)) }
        let directory = try TemporaryDirectory()
        let path = try directory.write("nonfinite.gguf", gguf.bytes)
        for kernels in ["generic", "baseline", "avx2", "avx512"] {
            let found = try #require(try Self.stats(path, kernels: kernels)["tensors"] as? [[String: Any]])
            for tensor in tensors {
                let entry = try #require(found.first { $0["name"] as? String == tensor.name })
                let histogram = try #require(entry["histogram"] as? [String: Any])
                let width = try #require(histogram["binWidth"] as? Double), edges = try #require(histogram["edges"] as? [Double])
                let counts = try #require(histogram["counts"] as? [Int])
                var expected = [Int](repeating: 0, count: counts.count)
                for v in tensor.values where v.isFinite {
                    // Edges are multiples of the width, a power of two: the quotients are exact.
                    let bin = Int((Double(v) / width).rounded(.down) - (edges[0] / width).rounded(.down))
                    if expected.indices.contains(bin) { expected[bin] += 1 } else { Issue.record("\(tensor.name): \(v) outside the bins") }
                }
                #expect(counts == expected, "\(tensor.name) \(kernels)")
            }
        }
    }

    @Test(arguments: [
        "all-MiniLM-L6-v2/model.safetensors", "gguf/all-MiniLM-L6-v2.Q4_1.gguf", "gguf/all-MiniLM-L6-v2.Q5_0.gguf",
        "gguf/all-MiniLM-L6-v2.Q8_0.gguf", "gguf/all-MiniLM-L6-v2.BF16.gguf", "gguf/all-MiniLM-L6-v2.F16.gguf", "extra/minilm-gptq",
        "extra/minilm-awq", "extra/minilm-mlx", "extra/minilm-fp8", "extra/minilm-int8", "extra/minilm-w4a16", "extra/minilm-bnb4",
        "extra/minilm-mlx-modes", "extra/minilm-gptq3", "extra/minilm-mxfp4", "extra/minilm-nvfp4",
        "extra/minilm-nvfp4-modelopt",
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
