import Foundation
import HeftFormats
import HeftKernels
import HeftKit
import HeftTestSupport
import Testing

/// `heft stats` against statistics numpy computed in float64 over the same tensors (Scripts/make_test_fixtures.py).
@Suite struct StatsTests {
    static func reference(_ section: String) throws -> [String: [String: Any]] {
        let all = try Fixtures.json(Fixtures.path("stats_reference.json"))
        return try #require(all[section] as? [String: [String: Any]])
    }

    /// JSONSerialization may hand back a whole number such as `1.0` as an integer.
    static func double(_ value: Any?) -> Double {
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        return .nan
    }

    static func compare(_ s: TensorStatistics, _ r: [String: Any]) {
        #expect(s.elements == r["elements"] as? Int, "\(s.name) elements")
        #expect(s.zeros == r["zeros"] as? Int, "\(s.name) zeros")
        #expect(s.nan == r["nan"] as? Int && s.inf == r["inf"] as? Int, "\(s.name) nan/inf")
        // Extremes are float32 values; the reference's decimal text can sit a float64 ulp or two away, so they are
        // compared at their native float32 precision.
        #expect(Float(s.min) == Float(Self.double(r["min"])) && Float(s.max) == Float(Self.double(r["max"])), "\(s.name) extremes")
        #expect(Float(s.absMax) == Float(Self.double(r["absMax"])), "\(s.name) |max|")
        let mean = Self.double(r["mean"]), std = Self.double(r["std"])
        // To 1e-6 of the tensor's spread (the kernels add float32 partial sums of 8 or 16 values, float64 above).
        #expect(abs(s.mean - mean) <= 1e-6 * std, "\(s.name) mean \(s.mean) vs \(mean)")
        #expect(abs(s.std - std) <= 1e-6 * std, "\(s.name) std \(s.std) vs \(std)")
        let finite = Double(s.elements - s.nan - s.inf)
        let near = (r["nearZero"] as? [Int]) ?? []
        #expect(s.nearZero.map { Int(($0.fraction * finite).rounded()) } == near, "\(s.name) near-zero")
        #expect(Int((s.outlierFraction * finite).rounded()) == r["outliers"] as? Int, "\(s.name) outliers")
        #expect(s.histogram.counts.reduce(0, +) == Int(finite), "\(s.name) histogram holds every finite value")
        let histogram = r["histogram"] as? [String: Any]
        // Edges are multiples of a power of two, exact in float64 on both sides.
        #expect(s.histogram.binWidth == Self.double(histogram?["binWidth"]), "\(s.name) histogram bin width")
        #expect(s.histogram.edges == (histogram?["edges"] as? [Any])?.map { Self.double($0) }, "\(s.name) histogram edges")
        #expect(s.histogram.counts == histogram?["counts"] as? [Int], "\(s.name) histogram counts (numpy.histogram over the same edges)")
    }

    @Test func safetensorsMatchNumpyFloat64() async throws {
        let report = try await StatsScanner.scan(try ModelSource.open(Fixtures.path("all-MiniLM-L6-v2")))
        let reference = try Self.reference("safetensors")
        #expect(report.tensors.count == reference.count)
        for tensor in report.tensors { Self.compare(tensor, try #require(reference[tensor.name], "\(tensor.name)")) }
        Self.compare(report.global, try #require(try Fixtures.json(Fixtures.path("stats_reference.json"))["safetensorsGlobal"] as? [String: Any]))
        #expect(report.buffers.map(\.name) == ["embeddings.position_ids"])
        #expect(report.damage.verdict == "suspicious")  // the untrained pooler bias is all zeros
        #expect(report.complete)
    }

    @Test func quantizedGGUFMatchesNumpyOverTheReferenceDequantizer() async throws {
        let report = try await StatsScanner.scan(try ModelSource.open(Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf")))
        let reference = try Self.reference("gguf")
        #expect(report.tensors.count == reference.count)
        for tensor in report.tensors { Self.compare(tensor, try #require(reference[tensor.name], "\(tensor.name)")) }
    }

    @Test func aSourceWithNoReadableTensorIsAnError() async throws {
        // The recorded header of a 253 MB GGUF holds no tensor data: nothing to measure is a failure, not "no damage".
        var query = StatsQuery()
        query.model = Fixtures.path("llamacpp/gemma-3-270m-q4_k_m.gguf")
        await #expect(throws: FormatError.self) { try await query.run(with: LocalModels()) }
    }

    @Test func ggufFileTypeIsWhatTheFileSays() throws {
        // Each file's type as its writer named the file (the publisher for Gemma, llama-quantize for the others);
        // the count of tensors of the most common type would say Q8_0 for Gemma's Q4_K_M.
        for (name, type) in [("gemma-3-270m-q4_k_m", "Q4_K_M"), ("qwen2.5-0.5b-q8_0", "Q8_0"), ("smollm2-135m-q4_k_m", "Q4_K_M")] {
            let report = try InspectionReport.inspect(Fixtures.path("llamacpp/\(name).gguf"))
            #expect(report.fileType == type, "\(name)")
        }
        let gemma = try InspectionReport.inspect(Fixtures.path("llamacpp/gemma-3-270m-q4_k_m.gguf"))
        #expect(gemma.name == "Gemma 3 270m" && gemma.sizeLabel == "270M")
        // The listing carries both, beside the dominant-type summary.
        let listed = ModelListing.list(
            locator: ModelLocator(environment: ["HOME": "/nonexistent", "HF_HUB_CACHE": "/nonexistent", "OLLAMA_MODELS": "/nonexistent"]),
            directories: [Fixtures.path("llamacpp")])
        let entry = try #require(listed.first { $0.path.hasSuffix("gemma-3-270m-q4_k_m.gguf") })
        #expect(entry.fileType == "Q4_K_M" && entry.modelName == "Gemma 3 270m")
    }

    @Test func handBuiltTensorsShowNaNZerosAndTwoFour() async throws {
        // [1, 0, 0, 2, 0, 3, 0, 4, …] is 2:4 (every group of 4 has two zeros); the second tensor holds NaN and +Inf.
        let values: [Float] = [1, 0, 0, 2, 0, 3, 0, 4, 5, 0, 6, 0, 0, 0, 7, 8]
        let damaged: [Float] = [1, .nan, .infinity, -2]
        let a = values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
        let b = damaged.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
        let header =
            #"{"l.weight":{"dtype":"F32","shape":[4,4],"data_offsets":[0,64]},"m.weight":{"dtype":"F32","shape":[4],"data_offsets":[64,80]}}"#
        let directory = try TemporaryDirectory()
        let path = try directory.write("t.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 0) + a + b)
        let report = try await StatsScanner.scan(try ModelSource.open(path))
        #expect(report.sparsity.twoFourTensors == ["l.weight"])
        let m = try #require(report.tensors.first { $0.name == "m.weight" })
        #expect(m.nan == 1 && m.inf == 1 && m.min == -2 && m.max == 1 && m.mean == -0.5)
        #expect(report.damage.verdict == "damaged")
        #expect(report.global.zeros == 8)
        // By hand: 20 parameters in 80 bytes (4 per value), 12 non-zeros, rows 4 (l.weight) + 1 (m.weight).
        #expect(report.sparsity.denseBytes == 80 && report.sparsity.sparsity == 0.4 && report.sparsity.looksPruned)
        #expect(report.sparsity.bitmaskBytes == 12 * 4 + 3)  // 20 mask bits in 3 bytes
        #expect(report.sparsity.csrBytes == 12 * (4 + 4) + 4 * (5 + 1))
    }

    /// F64, integer and F8 tensors are decoded value by value at their own width, chunk after chunk (the F64 one spans
    /// two chunks), each chunk read through a span checked against its tensor.
    @Test func elementDecodersReadEachChunkAtTheirWidth() async throws {
        let wide = (0..<70_000).map { Double($0 % 1000 - 500) }  // 70 cycles: mean −0.5, 70 zeros
        let a = wide.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
        let b = [Int16(-3), 0, 7, 100].flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        let c: [UInt8] = [0x38, 0xB8, 0x01, 0x7E, 0x7F]  // E4M3: 1, −1, 2⁻⁹, 448, NaN
        let d: [UInt8] = [0x3C, 0x7C, 0x00]  // E5M2: 1, +Inf, 0
        var offset = 0
        let entries = [
            ("a.weight", "F64", [70_000], a), ("b.weight", "I16", [4], b), ("c.weight", "F8_E4M3", [5], c), ("d.weight", "F8_E5M2", [3], d),
        ]
        .map { name, dtype, shape, bytes in
            defer { offset += bytes.count }
            return #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(offset),\#(offset + bytes.count)]}"#
        }
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "t.safetensors", SafetensorsBuilder.file(header: "{" + entries.joined(separator: ",") + "}", dataBytes: 0) + a + b + c + d)
        let report = try await StatsScanner.scan(try ModelSource.open(path))
        #expect(report.complete && report.skipped.isEmpty)
        let byName = Dictionary(uniqueKeysWithValues: report.tensors.map { ($0.name, $0) })
        let f64 = try #require(byName["a.weight"])
        #expect(f64.elements == 70_000 && f64.zeros == 70 && f64.min == -500 && f64.max == 499 && abs(f64.mean + 0.5) < 1e-12)
        let i16 = try #require(byName["b.weight"])
        #expect(i16.elements == 4 && i16.zeros == 1 && i16.min == -3 && i16.max == 100 && i16.mean == 26)
        let e4m3 = try #require(byName["c.weight"])
        #expect(e4m3.nan == 1 && e4m3.min == -1 && e4m3.max == 448 && e4m3.mean == (448 + 0x1p-9) / 4)
        let e5m2 = try #require(byName["d.weight"])
        #expect(e5m2.inf == 1 && e5m2.zeros == 1 && e5m2.min == 0 && e5m2.max == 1)
    }

    /// A plain float64 loop over the same values: the reference for the vector kernel's edge cases.
    /// A GGUF file of one tensor, `rows` rows of `width` values stored as `raw` (whole blocks of `type`), and its
    /// values as the reference dequantizer decodes them.
    static func oneTensor(_ type: GGMLType, raw: [UInt8], width: Int, rows: Int) -> (file: [UInt8], values: [Float]) {
        var values = [Float](repeating: 0, count: width * rows)
        raw.withUnsafeBytes { source in
            values.withUnsafeMutableBufferPointer { Dequantizer.dequantize(type, source.baseAddress!, count: $0.count, into: $0.baseAddress!) }
        }
        var gguf = GGUFBuilder(tensorCount: 1, kvCount: 0)
        gguf.tensor("blk.0.ffn_up.weight", ne: [UInt64(width), UInt64(rows)], type: UInt32(type.id), offset: 0)
        gguf.pad(to: 32)
        gguf.raw(raw)
        return (gguf.bytes, values)
    }

    struct PlainStatistics {
        var zeros = 0, nan = 0, inf = 0, finite: [Double] = []

        init(_ values: [Float]) {
            for v in values {
                if v.isNaN {
                    nan += 1
                } else if v.isInfinite {
                    inf += 1
                } else {
                    finite.append(Double(v))
                    if v == 0 { zeros += 1 }
                }
            }
        }

        var mean: Double { finite.reduce(0, +) / Double(finite.count) }
        var std: Double {
            let mean = mean
            return (finite.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(finite.count)).squareRoot()
        }
        func near(_ t: Double) -> Int { finite.filter { abs($0) < t }.count }
        /// More than k·σ from the mean.
        func outliers(_ k: Double) -> Int {
            let mean = mean, bound = k * std
            return finite.filter { abs($0 - mean) > bound }.count
        }
        func histogram(_ edges: [Double]) -> [Int] {
            var counts = [Int](repeating: 0, count: edges.count - 1)
            for x in finite {
                let bin = x == edges[edges.count - 1] ? counts.count - 1 : edges.lastIndex { $0 <= x }!
                counts[bin] += 1
            }
            return counts
        }
    }

    @Test(arguments: [false, true])
    func vectorKernelEdgeCasesMatchAPlainLoop(relative: Bool) async throws {
        // 33 blocks of 4,096 and a tail (not a multiple of 16); NaN and ±Inf inside vectors; ±0 and subnormals;
        // outliers in the first block and in the tail (the blocks read again to count them once σ is known).
        var generator = SplitMix64(seed: 11)
        var values = (0..<(2 * 65_536 + 1_003)).map { _ in Float(generator.normal() * 0.02) }
        values[5] = .nan
        values[6] = .infinity
        values[70_000] = -.infinity
        for i in stride(from: 16, to: 200, by: 16) { values[i] = 0 }
        values[17] = -0.0
        values[18] = Float.leastNonzeroMagnitude
        values[19] = -Float.leastNormalMagnitude
        for i in [1, 17 + 16, 49, 65, 81] { values[i] = 0.5 }
        values[values.count - 1] = -0.75  // in the tail
        let directory = try TemporaryDirectory()
        let path = try directory.write("w.safetensors", SafetensorsBuilder.f32(values))
        var options = StatsOptions()
        options.relative = relative
        let s = try #require(try await StatsScanner.scan(try ModelSource.open(path), options: options).tensors.first)
        let plain = PlainStatistics(values)
        #expect(s.zeros == plain.zeros && s.nan == plain.nan && s.inf == plain.inf)
        #expect(s.min == plain.finite.min() && s.max == plain.finite.max())
        #expect(abs(s.mean - plain.mean) <= 1e-6 * plain.std && abs(s.std - plain.std) <= 1e-6 * plain.std)
        let finite = Double(plain.finite.count)
        let rms = (plain.finite.map { $0 * $0 }.reduce(0, +) / finite).squareRoot()
        let expectedNear = options.thresholds.map { plain.near(relative ? $0 * rms : $0) }
        #expect(s.nearZero.map { Int(($0.fraction * finite).rounded()) } == expectedNear)
        #expect(Int((s.outlierFraction * finite).rounded()) == plain.outliers(6))
        #expect(s.histogram.counts == plain.histogram(s.histogram.edges))
        // The narrowest power-of-two width with at most 32 bins from min to max: 32 bins of it, or the next
        // narrower width would need more than 32.
        let width = s.histogram.binWidth, lo = plain.finite.min()!, hi = plain.finite.max()!
        func bins(_ w: Double) -> Double { (hi / w).rounded(.down) - (lo / w).rounded(.down) + 1 }
        #expect(width == Double(sign: .plus, exponent: width.exponent, significand: 1) && bins(width) <= 32 && bins(width / 2) > 32)
        #expect(s.histogram.edges.first! <= s.min && s.histogram.edges.last! > s.max && s.histogram.counts.count == Int(bins(width)))
    }

    /// The histogram's cells through every path of the kernel: a constant first block, widening mid-tensor (to
    /// bins wider than 1, where a tiny negative value rounds to −0 when scaled), NaN inside a block, two workers
    /// whose grids differ, one and two words of one-hot bits (≤ 32 and 64 bins), and a scalar tail.
    @Test(arguments: [7, 32, 64])
    func histogramCellsMatchAPlainLoop(bins: Int) async throws {
        var generator = SplitMix64(seed: 23)
        var values = (0..<(3 * 65_536 + 1_003)).map { _ in Float(generator.normal() * 0.02) }
        for i in 0..<5_000 { values[i] = 1 }  // the first block is constant
        values[150_000] = 3_000
        values[150_001] = -2_000
        for i in stride(from: 150_016, to: 150_400, by: 7) { values[i] = -Float.leastNonzeroMagnitude }
        values[150_100] = -0.0
        values[160_005] = .nan
        values[values.count - 2] = -Float.leastNonzeroMagnitude  // in the tail
        let directory = try TemporaryDirectory()
        let path = try directory.write("w.safetensors", SafetensorsBuilder.f32(values))
        var options = StatsOptions()
        options.bins = bins
        let s = try #require(try await StatsScanner.scan(try ModelSource.open(path), options: options).tensors.first)
        let plain = PlainStatistics(values)
        let width = s.histogram.binWidth, lo = plain.finite.min()!, hi = plain.finite.max()!
        func cells(_ w: Double) -> Double { (hi / w).rounded(.down) - (lo / w).rounded(.down) + 1 }
        #expect(width == Double(sign: .plus, exponent: width.exponent, significand: 1))
        #expect(cells(width) <= Double(bins) && cells(width / 2) > Double(bins), "the narrowest power of two")
        #expect(width > 1, "wide enough that scaling rounds the tiny negative values")
        #expect(s.histogram.counts == plain.histogram(s.histogram.edges))
        #expect(s.histogram.counts.reduce(0, +) == plain.finite.count)
    }

    /// Ranges at the ends of float32: the largest finite values, only subnormals, one constant, only NaN, and
    /// a single value. Each histogram holds every finite value in bins of the narrowest power-of-two width allowed.
    static var extremes: [[Float]] {
        var cases: [[Float]] = [[Float.greatestFiniteMagnitude, -Float.greatestFiniteMagnitude, 1, 0]]
        cases.append((1...300).map { Float.leastNonzeroMagnitude * Float($0) })
        cases.append([Float](repeating: 0.3, count: 5_000))
        cases.append([Float](repeating: .nan, count: 300))
        cases.append([-0.0])
        cases.append((0..<5_000).map { (i: Int) -> Float in i % 2 == 0 ? 1e-30 : -3e30 })
        // Bins 2^122 wide (the multiply path, where a tiny negative value's product rounds to −0).
        cases.append((0..<600).map { (i: Int) -> Float in i % 3 == 0 ? 3e38 : i % 3 == 1 ? -2e38 : -Float.leastNonzeroMagnitude })
        // A cell index below −2^23 (the multiply path without rounding down).
        cases.append([Float](repeating: -0.3, count: 5_000) + [-0.29999998])
        return cases
    }

    @Test(arguments: extremes)
    func histogramsAtTheEndsOfFloat32(_ values: [Float]) async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("w.safetensors", SafetensorsBuilder.f32(values))
        let s = try #require(try await StatsScanner.scan(try ModelSource.open(path)).tensors.first)
        let plain = PlainStatistics(values)
        #expect(s.histogram.counts.reduce(0, +) == plain.finite.count)
        guard let lo = plain.finite.min(), let hi = plain.finite.max() else {
            #expect(s.histogram.edges.isEmpty && s.nan == values.count)
            return
        }
        #expect(s.histogram.counts == plain.histogram(s.histogram.edges))
        let width = s.histogram.binWidth
        let magnitude = Swift.max(abs(lo), abs(hi))
        let floor = magnitude == 0 ? 0x1p-126 : Swift.max(0x1p-126, Double(sign: .plus, exponent: magnitude.exponent - 23, significand: 1))
        func cells(_ w: Double) -> Double { (hi / w).rounded(.down) - (lo / w).rounded(.down) + 1 }
        #expect(cells(width) <= 32 && (width / 2 < floor || cells(width / 2) > 32), "narrowest allowed: \(width)")
    }

    /// One GGUF holding the golden input blocks of every type the fixtures cover, one tensor per type: each
    /// tensor's statistics must be those of the reference dequantizer's float32 output (the golden output file).
    @Test func everyGoldenBlockTypeScansToTheReferenceValues() async throws {
        let index = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/index.json")))) as? [[String: Any]])
        let names = index.filter { $0["dequantize"] as? Bool == true }.compactMap { $0["type"] as? String }
        #expect(names.count >= 23)
        var blocks: [(name: String, type: GGMLType, input: [UInt8], output: [Float])] = []
        for name in names {
            let type = try #require(GGMLType.named(name))
            let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(name).dequantize.in.bin"))))
            let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(name).dequantize.out.f32"))))
            let output = stride(from: 0, to: raw.count, by: 4).map { i in
                Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
            }
            blocks.append((name, type, input, output))
        }
        var gguf = GGUFBuilder(tensorCount: UInt64(blocks.count), kvCount: 0)
        var offset = 0
        for (i, b) in blocks.enumerated() {
            gguf.tensor(
                "blk.\(i).ffn_up.weight", ne: [UInt64(b.type.blockSize), UInt64(b.output.count / b.type.blockSize)], type: UInt32(b.type.id),
                offset: UInt64(offset))
            offset += (b.input.count + 31) / 32 * 32
        }
        gguf.pad(to: 32)
        for b in blocks {
            gguf.raw(b.input)
            gguf.pad(to: 32)
        }
        let directory = try TemporaryDirectory()
        let report = try await StatsScanner.scan(try ModelSource.open(try directory.write("golden.gguf", gguf.bytes)))
        #expect(report.complete && report.skipped.isEmpty)
        for (i, b) in blocks.enumerated() {
            let s = try #require(report.tensors.first { $0.name == "blk.\(i).ffn_up.weight" }, "\(b.name)")
            let plain = PlainStatistics(b.output)
            #expect(s.elements == b.output.count && s.zeros == plain.zeros && s.nan == plain.nan, "\(b.name) counts")
            #expect(s.min == plain.finite.min() && s.max == plain.finite.max(), "\(b.name) extremes")
            #expect(abs(s.mean - plain.mean) <= 1e-6 * plain.std && abs(s.std - plain.std) <= 1e-6 * plain.std, "\(b.name) moments")
            #expect(s.histogram.counts == plain.histogram(s.histogram.edges), "\(b.name) histogram")
        }
    }

    /// Q4_0, Q5_0 and Q8_0 count zeros and near-zero values on their codes (a value d·k lies below a bound when |k| is
    /// below a cutoff of |d|). Adversarial blocks — scales ±0, subnormal, the largest half, NaN and ±Inf (those
    /// blocks fall back to the decoded floats); codes of −128; bounds equal to a stored value and one float above
    /// it — must give the counts of a plain loop over the reference dequantizer's floats. With 7 bounds the codes
    /// are used, with 8 (past the cutoff table's slots) the floats: both must agree with the loop. Outliers past
    /// 1.5σ are counted on the codes too.
    @Test(arguments: [7, 8])
    func zerosAndNearZeroFromTheCodesMatchTheDecodedFloats(bounds: Int) async throws {
        var generator = SplitMix64(seed: 31)
        let types: [(GGMLType, Int)] = [("Q4_0", 18), ("Q5_0", 22), ("Q8_0", 34)].map { (GGMLType.named($0.0)!, $0.1) }
        let blocks = 300
        var data: [[UInt8]] = []
        for (t, (type, bytes)) in types.enumerated() {
            var raw = (0..<blocks * bytes).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            for b in 0..<blocks {
                let r = generator.next() % 12
                var half: UInt16 =
                    r == 0
                    ? 0
                    : r == 1
                        ? 0x8000
                        : r == 2
                            ? UInt16(generator.next() % 0x400)
                            : r == 3
                                ? 0x7BFF
                                : UInt16(0x1C00 + generator.next() % 0x1800)
                if generator.next() % 2 == 0 { half ^= 0x8000 }
                if b == 150 { half = [0x7E00, 0x7C00, 0xFC00][t] }  // NaN, +Inf, −Inf scales
                raw[b * bytes] = UInt8(half & 0xFF)
                raw[b * bytes + 1] = UInt8(half >> 8)
                if type.name == "Q8_0" && r == 5 { raw[b * bytes + 2 + Int(generator.next() % 32)] = 0x80 }  // k = −128
            }
            data.append(raw)
        }
        var gguf = GGUFBuilder(tensorCount: UInt64(types.count), kvCount: 0)
        var offset = 0
        for (t, (type, _)) in types.enumerated() {
            gguf.tensor("blk.\(t).ffn_up.weight", ne: [32, UInt64(blocks)], type: UInt32(type.id), offset: UInt64(offset))
            offset += (data[t].count + 31) / 32 * 32
        }
        gguf.pad(to: 32)
        for raw in data {
            gguf.raw(raw)
            gguf.pad(to: 32)
        }
        let decoded: [[Float]] = zip(types, data).map { entry, raw in
            var y = [Float](repeating: 0, count: blocks * 32)
            raw.withUnsafeBytes { source in
                y.withUnsafeMutableBufferPointer { Dequantizer.dequantize(entry.0, source.baseAddress!, count: blocks * 32, into: $0.baseAddress!) }
            }
            return y
        }
        // Bounds at stored magnitudes (strictly below excludes the value itself), one float above, and in between.
        let finite = decoded.flatMap { $0 }.filter { $0.isFinite && $0 != 0 }.map(abs)
        var thresholds: [Double] = []
        for i in 0..<bounds {
            let v = finite[Int(generator.next() % UInt64(finite.count))]
            thresholds.append(Double(i % 3 == 0 ? v : i % 3 == 1 ? v.nextUp : v * 1.5))
        }
        var options = StatsOptions()
        options.thresholds = thresholds
        options.outlierK = 1.5  // blocks past 1.5σ are counted again on their codes (NaN and ±Inf scales: decoded)
        let directory = try TemporaryDirectory()
        let report = try await StatsScanner.scan(try ModelSource.open(try directory.write("codes.gguf", gguf.bytes)), options: options)
        for (t, values) in decoded.enumerated() {
            let s = try #require(report.tensors.first { $0.name == "blk.\(t).ffn_up.weight" })
            let plain = PlainStatistics(values)
            #expect(plain.nan + plain.inf >= 32, "the non-finite scale's block")
            #expect(s.zeros == plain.zeros && s.nan == plain.nan && s.inf == plain.inf, "\(types[t].0.name)")
            let counted = s.nearZero.map { Int(($0.fraction * Double(plain.finite.count)).rounded()) }
            #expect(counted == thresholds.map { t in plain.finite.filter { abs($0) < Double(Float(t)) }.count }, "\(types[t].0.name)")
            #expect(s.min == plain.finite.min() && s.max == plain.finite.max())
            #expect(s.histogram.counts == plain.histogram(s.histogram.edges))
            #expect(Int((s.outlierFraction * Double(plain.finite.count)).rounded()) == plain.outliers(1.5), "\(types[t].0.name)")
        }
    }

    /// F16 and BF16 take their statistics on the 16-bit patterns (sixteen to a register) and widen only for the sums
    /// and cells. Blocks holding NaN, ±Inf, the largest finite values (whose float32 squares overflow) or only
    /// magnitudes under 2⁻³² go back to the float loops; the rest stay. Every count, the extremes and the cells must
    /// be a plain loop's over the widened values, with bounds at stored values and one float above them.
    @Test(arguments: ["F16", "BF16"])
    func sixteenBitFloatsScanOnTheirPatterns(dtype: String) async throws {
        var generator = SplitMix64(seed: dtype == "F16" ? 41 : 43)
        let count = 5 * 4_096 + 1_000  // whole blocks of each kind, then a tail that is no multiple of 256
        var patterns = (0..<count).map { _ -> UInt16 in
            let magnitude = dtype == "F16" ? UInt16(0x1000 + generator.next() % 0x3000) : UInt16(0x3800 + generator.next() % 0x0A00)
            return magnitude | UInt16(truncatingIfNeeded: generator.next() & 0x8000)
        }
        for i in stride(from: 3, to: count, by: 97) { patterns[i] = i % 2 == 0 ? 0 : 0x8000 }  // ±0
        for i in stride(from: 5, to: count, by: 101) { patterns[i] = UInt16(1 + i % 0x7F) }  // subnormals
        patterns[4_096 + 7] = dtype == "F16" ? 0x7E00 : 0x7FC0  // NaN in block 1
        patterns[2 * 4_096 + 9] = dtype == "F16" ? 0xFC00 : 0xFF80  // −Inf in block 2
        patterns[3 * 4_096 + 11] = dtype == "F16" ? 0x7BFF : 0x7F7F  // the largest finite value in block 3
        if dtype == "BF16" {
            for i in 4 * 4_096..<5 * 4_096 { patterns[i] = UInt16(0x2000 + i % 0x0F00) | UInt16(i % 2) << 15 }  // under 2⁻³²
        }
        let values = patterns.map { bits -> Float in
            dtype == "BF16" ? Float(bitPattern: UInt32(bits) << 16) : Float(Float16(bitPattern: bits))
        }
        let data = patterns.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let header = #"{"w.weight":{"dtype":"\#(dtype)","shape":[\#(count)],"data_offsets":[0,\#(data.count)]}}"#
        let directory = try TemporaryDirectory()
        let path = try directory.write("w.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 0) + data)
        let finite = values.filter(\.isFinite)
        var options = StatsOptions()
        options.outlierK = dtype == "F16" ? 1 : 0.001  // BF16's largest value makes σ huge
        options.thresholds = (0..<4).map { i in
            let v = abs(finite[Int(generator.next() % UInt64(finite.count))])
            return Double(i % 2 == 0 ? v : v.nextUp)
        }
        let s = try #require(try await StatsScanner.scan(try ModelSource.open(path), options: options).tensors.first)
        let plain = PlainStatistics(values)
        #expect(s.zeros == plain.zeros && s.nan == plain.nan && s.inf == plain.inf)
        #expect(s.min == plain.finite.min() && s.max == plain.finite.max())
        let counted = s.nearZero.map { Int(($0.fraction * Double(plain.finite.count)).rounded()) }
        #expect(counted == options.thresholds.map { t in plain.finite.filter { abs($0) < Double(Float(t)) }.count })
        #expect(s.histogram.counts == plain.histogram(s.histogram.edges))
        #expect(abs(s.mean - plain.mean) <= 1e-6 * plain.std && abs(s.std - plain.std) <= 1e-6 * plain.std)
        // Outliers: the blocks that can hold a value more than k·σ from the mean are widened again.
        #expect(Int((s.outlierFraction * Double(plain.finite.count)).rounded()) == plain.outliers(options.outlierK))
    }

    /// Once the mean and σ are known only the blocks of 4,096 values whose largest magnitude passes the nearer end of
    /// mean ± k·σ are read again, and within them only the stored blocks whose scales allow it (gathered and decoded together; Q8_0 counted on its codes).
    /// Tensors of 323 blocks of 32 whose last blocks stay below the threshold, random codes under scales of four
    /// magnitudes: the outliers must be a plain loop's over the reference dequantizer's floats.
    @Test(arguments: ["Q4_1", "Q5_1", "IQ4_NL", "MXFP4", "Q8_0"])
    func outliersReadAgainMatchAPlainLoop(name: String) async throws {
        let type = try #require(GGMLType.named(name))
        var generator = SplitMix64(seed: 53)
        let blocks = 8 * 40 + 3
        var raw = (0..<blocks * type.bytesPerBlock).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for b in 0..<blocks {
            let o = b * type.bytesPerBlock
            if name == "MXFP4" {
                raw[o] = b >= blocks - 3 ? 100 : UInt8(120 + generator.next() % 8)  // E8M0 scale
                continue
            }
            let half: UInt16 = b >= blocks - 3 ? 0x0400 : UInt16(0x2000 + (generator.next() % 4) * 0x0400)
            raw[o] = UInt8(half & 0xFF)
            raw[o + 1] = UInt8(half >> 8)
            if name == "Q4_1" || name == "Q5_1" {  // the min, as small as the scale
                raw[o + 2] = UInt8(half & 0xFF)
                raw[o + 3] = UInt8(half >> 8) | 0x80
            }
        }
        let (file, values) = Self.oneTensor(type, raw: raw, width: type.blockSize, rows: blocks)
        let directory = try TemporaryDirectory()
        var options = StatsOptions()
        options.outlierK = 2
        let report = try await StatsScanner.scan(try ModelSource.open(try directory.write("g.gguf", file)), options: options)
        let s = try #require(report.tensors.first)
        let plain = PlainStatistics(values)
        let tail = values.suffix(3 * type.blockSize).map { Double(abs($0)) }.max()!
        #expect(tail < 2 * plain.std - abs(plain.mean), "the last group stays inside the range")
        #expect(plain.outliers(2) > 0)
        #expect(Int((s.outlierFraction * Double(plain.finite.count)).rounded()) == plain.outliers(2))
    }

    /// Outliers are counted about each tensor's mean: a range that holds 0 inside but lies off-centre (the codes'
    /// two cutoffs differ, and negative scales swap them), and a range that lies wholly on one side (every block is
    /// read again, including zeros, which are outliers there). Codes biased upwards under scales of both signs; the
    /// counts must be a plain loop's over the reference dequantizer's floats, and both kinds of range must occur.
    @Test(arguments: ["Q4_0", "Q5_0", "Q8_0", "Q4_K", "F32"])
    func outliersAreCountedAboutTheMean(name: String) async throws {
        let type = try #require(GGMLType.named(name))
        var generator = SplitMix64(seed: 59)
        let blocks = 2 * 4_096 / type.blockSize + 5  // past two blocks of 4,096 values
        var raw = [UInt8]()
        for _ in 0..<blocks {
            var block = (0..<type.bytesPerBlock).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let negative: UInt8 = generator.next() % 5 == 0 ? 0x80 : 0  // a fifth of the scales below 0
            switch name {
            case "F32":
                let v = Float(0.5 + generator.normal() * 0.02) * (negative == 0 ? 1 : -1)
                block = withUnsafeBytes(of: generator.next() % 500 == 0 ? 0 : v.bitPattern.littleEndian) { [UInt8]($0) }
            case "Q4_K":
                block[1] = (block[1] & 0x03) | 0x30 | negative  // d: ±0.125 … ±0.25
                block[2] = 0  // dmin = 0: every value d·sc·q has d's sign
                block[3] = 0
            default:
                block[1] = (block[1] & 0x3F) | 0x10 | negative  // d
                if name == "Q8_0" {
                    for i in 2..<34 { block[i] = UInt8(bitPattern: Int8(Int(generator.next() % 148) - 20)) }
                } else if name == "Q4_0" {
                    for i in 2..<18 { block[i] = UInt8(5 + generator.next() % 11) | UInt8(5 + generator.next() % 11) << 4 }
                } else {  // Q5_0: most high bits set, so that most codes are 0 … 15
                    for i in 2..<6 { block[i] |= UInt8(truncatingIfNeeded: generator.next()) }
                }
            }
            raw += block
        }
        let (file, values) = Self.oneTensor(type, raw: raw, width: type.blockSize, rows: blocks)
        let directory = try TemporaryDirectory()
        let path = try directory.write("m.gguf", file)
        let plain = PlainStatistics(values)
        var kinds = Set<Bool>()
        for k in [0.1, 0.5, 1, 2, 3] {
            var options = StatsOptions()
            options.outlierK = k
            let s = try #require(try await StatsScanner.scan(try ModelSource.open(path), options: options).tensors.first)
            kinds.insert(plain.mean - k * plain.std < 0 && plain.mean + k * plain.std > 0)
            #expect(Int((s.outlierFraction * Double(plain.finite.count)).rounded()) == plain.outliers(k), "\(name) k = \(k)")
        }
        #expect(kinds == [false, true], "\(name): ranges around 0 and off it")
    }

    /// When no float lies within k·σ of the mean, every finite value is an outlier, on the codes' path as on the
    /// floats': 95 codes of 1 and one of 2 under a scale of 1, as Q8_0 and as F32, with k = 10⁻⁷.
    @Test func aRangeWithoutFloatsCountsEveryValue() async throws {
        var q8 = [UInt8]()
        var f32 = [UInt8]()
        for b in 0..<3 {
            q8 += [0x00, 0x3C]  // d = 1.0
            for i in 0..<32 {
                let k: UInt8 = b == 2 && i == 31 ? 2 : 1
                q8.append(k)
                f32 += withUnsafeBytes(of: Float(k).bitPattern.littleEndian) { [UInt8]($0) }
            }
        }
        let directory = try TemporaryDirectory()
        var options = StatsOptions()
        options.outlierK = 1e-7
        for (name, type, raw) in [("q8.gguf", GGMLType.named("Q8_0")!, q8), ("f32.gguf", GGMLType.named("F32")!, f32)] {
            let file = Self.oneTensor(type, raw: raw, width: 32, rows: 3).file
            let report = try await StatsScanner.scan(try ModelSource.open(try directory.write(name, file)), options: options)
            let s = try #require(report.tensors.first)
            #expect(s.outlierFraction == 1, "\(name)")
        }
    }

    /// The text report's histogram row: heights on a log scale, computed here by hand for 0, 1, 15 and 255.
    @Test func histogramBarsUseALogScale() {
        // log(2)/log(256) = 1/8 → the lowest bar; log(16)/log(256) = 1/2 → the fourth; the largest is full.
        #expect(Formatting.bars([0, 1, 15, 255]) == " ▁▄█")
        #expect(Formatting.bars([]) == "" && Formatting.bars([0, 0]) == "  ")
    }

    /// Packed low-bit checkpoints are scanned as the values their codes stand for: GPTQ 4-bit (desc_act `g_idx` on
    /// every other layer, the original format's stored zero − 1, which wraps a zero of 0 to 16), GPTQ 8-bit
    /// (`gptq_v2`, one group a column), AWQ's GEMM layout (its nibble order) and MLX (2-, 4- and 8-bit layers,
    /// bfloat16 scales, packed embeddings; 3-bit by default with 5- and 6-bit, mxfp4, nvfp4 and mxfp8 layers), GPTQ
    /// 3-bit (32 codes in 3 words), and 8-bit weights with their scales (FP8 E4M3 in 128 × 128 blocks or with
    /// one scale, E5M2 with a scale a row; int8 with a scale a row or per 128 columns), and compressed-tensors'
    /// pack-quantized (4-bit symmetric groups with act-order, 8-bit asymmetric rows with packed zero points), and
    /// bitsandbytes (NF4 with double quantization, FP4, int8 with SCB). Every
    /// packed tensor's statistics equal numpy's over the values each
    /// format's reference dequantization gives (Scripts/make_fixtures.py, written from AutoGPTQ's, AutoAWQ's, MLX's
    /// compressed-tensors' and bitsandbytes' code); every other tensor's equal the unpacked checkpoint's.
    @Test(arguments: [
        "minilm-gptq", "minilm-gptq8", "minilm-awq", "minilm-mlx", "minilm-fp8", "minilm-int8", "minilm-w4a16", "minilm-bnb4", "minilm-bnb8",
        "minilm-mlx-modes", "minilm-gptq3", "minilm-mxfp4", "minilm-nvfp4", "minilm-nvfp4-modelopt",
    ])
    func packedWeightsAreScannedAsTheirValues(_ name: String) async throws {
        let report = try await StatsScanner.scan(try ModelSource.open(Fixtures.path("extra/" + name)))
        let packed = try #require(try Self.reference("packed")[name] as? [String: [String: Any]])
        let original = try Self.reference("safetensors")
        #expect(report.complete && report.skipped.isEmpty, "\(report.skipped.map(\.reason))")
        #expect(report.dequantized.reduce(0) { $0 + $1.tensors } == packed.count)
        #expect(report.tensors.count == original.count)  // one statistic per weight, packed or not
        for t in report.tensors {
            Self.compare(t, try #require(packed[t.name] ?? original[t.name.replacingOccurrences(of: ".qweight", with: ".weight")], "\(t.name)"))
        }
        #expect(!report.damage.issues.contains { $0.contains("exploding") })
        // The text says which tensors were decoded, and by which rule.
        let lines = StatsText.render(report, relative: false, k: 6).split(separator: "\n").filter { $0.hasPrefix("Dequantized") }
        #expect(lines.count == report.dequantized.count)
        if name == "minilm-gptq" {
            #expect(lines == ["Dequantized   36 tensors of GPTQ 4-bit codes, value = scale × (code − (stored zero + 1)) (exact in float32)"])
        }
    }

    /// That `report` lists `tensor`, and only it, as not scanned, for a reason that contains `reason`.
    static func expectRefused(_ report: StatsReport, _ tensor: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.skipped.map(\.name) == [tensor], "\(reason)", sourceLocation: sourceLocation)
        #expect(
            report.skipped.first?.reason.contains(reason) == true, "\(report.skipped.first?.reason ?? "none") vs \(reason)",
            sourceLocation: sourceLocation)
    }

    /// One case of a table of packed weights beside a plain `n.weight`: with a `value`, `tensor` is dequantized (the
    /// only weight that is) to `elements` values all equal to it; without, it is refused for `reason` and only
    /// `n.weight` is scanned.
    static func expectDecodedOrRefused(
        _ report: StatsReport, _ tensor: String, elements: Int, value: Double?, reason: String, note: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        if let value {
            #expect(
                report.complete && report.dequantized.map(\.tensors) == [1], "\(note)\(report.skipped.map(\.reason))",
                sourceLocation: sourceLocation)
            let a = try #require(report.tensors.first { $0.name == tensor }, sourceLocation: sourceLocation)
            #expect(a.elements == elements && a.min == value && a.max == value, "\(note)\(a.min) \(a.max)", sourceLocation: sourceLocation)
        } else {
            expectRefused(report, tensor, reason, sourceLocation: sourceLocation)
            #expect(report.tensors.map(\.name) == ["n.weight"], sourceLocation: sourceLocation)
        }
    }

    /// `tensors` (name, dtype, shape, bytes; their data in that order) in one safetensors file beside MiniLM's
    /// config with `quantization` as its quantization_config, scanned by heft stats.
    static func scanQuantized(
        _ tensors: [(String, String, [Int], [UInt8])], quantization: Any, key: String = "quantization_config"
    ) async throws -> StatsReport {
        let dir = try TemporaryDirectory()
        var header: [String] = [], data: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors {
            header.append(
                #""\#(name)":{"dtype":"\#(dtype)","shape":[\#(shape.map(String.init).joined(separator: ","))],"data_offsets":[\#(data.count),\#(data.count + bytes.count)]}"#
            )
            data += bytes
        }
        try dir.write("model.safetensors", SafetensorsBuilder.file(header: "{" + header.joined(separator: ",") + "}", dataBytes: 0) + data)
        var config = try Fixtures.json(Fixtures.path("all-MiniLM-L6-v2/config.json"))
        config[key] = quantization
        try dir.write("config.json", Array(try JSONSerialization.data(withJSONObject: config)))
        return try await StatsScanner.scan(try ModelSource.open(dir.path))
    }

    /// A packed checkpoint whose companions break its format's rules, or whose layout heft does not decode, has
    /// those tensors listed as not scanned with the reason; the rest is scanned.
    @Test func packedWeightsThatBreakTheirRulesAreNotScanned() async throws {
        func tensor(_ name: String, _ dtype: String, _ shape: [Int], _ bytes: [UInt8]) -> (String, String, [Int], [UInt8]) {
            (name, dtype, shape, bytes)
        }
        func int32s(_ values: [Int32]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } } }
        let zeros = { (n: Int) in [UInt8](repeating: 0, count: n) }
        // GPTQ 4-bit: qweight [1, 8] holds 8 rows × 8 columns, every code 9 (0x99999999); qzeros [1, 1], every
        // stored zero 3 (zero 4 in the original format); scales [1, 8] of 0.5 (half 0x3800): every value 0.5 × 5.
        let codes = [UInt8](repeating: 0x99, count: 32), stored = [UInt8](repeating: 0x33, count: 4)
        let halves: [UInt8] = (0..<16).map { $0 % 2 == 1 ? 0x38 : 0 }
        let good = [
            tensor("a.qweight", "I32", [1, 8], codes), tensor("a.qzeros", "I32", [1, 1], stored), tensor("a.scales", "F16", [1, 8], halves),
        ]
        let plain = tensor("n.weight", "F32", [2], zeros(8))
        let cases: [(quantization: String, tensors: [(String, String, [Int], [UInt8])], reason: String)] = [
            (#"{"quant_method": "gptq", "bits": 4, "group_size": 8}"#, good + [plain], ""),
            // A group size past every row is one group (no overflow computing the groups of 2⁶³ − 1).
            (#"{"quant_method": "gptq", "bits": 4, "group_size": 9223372036854775807}"#, good + [plain], ""),
            (#"{"quant_method": "gptq", "bits": 3, "group_size": 8}"#, good + [plain], "1 rows of 3-bit codes are not whole groups of 32 codes"),
            (#"{"quant_method": "gptq", "bits": 5, "group_size": 8}"#, good + [plain], "5-bit codes are not decoded"),
            (#"{"quant_method": "gptq", "bits": 4, "group_size": 8}"#, [good[0], good[2], plain], "its qzeros tensor (a.qzeros) is missing"),
            (
                #"{"quant_method": "gptq", "bits": 4, "group_size": 8}"#,
                good + [tensor("a.g_idx", "I32", [8], int32s([0, 0, 0, 1, 0, 0, 0, 0])), plain],
                "a.g_idx[3] is 1, outside the 1 groups of a.scales"
            ),
            (
                #"{"quant_method": "gptq", "bits": 4, "group_size": 4}"#, good + [plain],
                "a.scales has 1 groups, where 8 input rows in groups of 4 need 2"
            ),
            (
                #"{"quant_method": "gptq", "bits": 4, "group_size": 8}"#, [good[0], tensor("a.qzeros", "I32", [1, 2], zeros(8)), good[2], plain],
                "a.qzeros has shape [1, 2], where a.qweight needs [1, 1]"
            ),
            (
                #"{"quant_method": "gptq", "bits": 4, "group_size": 8}"#, [good[0], good[1], tensor("a.scales", "I32", [1, 8], zeros(32)), plain],
                "a.scales is I32"
            ),
            (#"{"quant_method": "awq", "bits": 4, "group_size": 8, "version": "gemv"}"#, good + [plain], "AWQ's gemv layout is not decoded"),
        ]
        for c in cases {
            let report = try await Self.scanQuantized(c.tensors, quantization: try JSONSerialization.jsonObject(with: Data(c.quantization.utf8)))
            try Self.expectDecodedOrRefused(report, "a.qweight", elements: 64, value: c.reason.isEmpty ? 2.5 : nil, reason: c.reason)
        }
    }

    /// MLX weights in its other widths and modes: a well-formed one is scanned as its values (3-bit affine codes of 5
    /// under a scale of 0.5 and a bias of −1: 32 values of 1.5; mxfp4 codes of 2, E2M1 1.0, under the E8M0 scale
    /// 127, 2⁰: 32 values of 1.0; under the scale 0, 2^−127); a mode MLX does not define, widths a mode does not have, scales of the wrong type
    /// and missing biases are listed as not scanned with the reason.
    @Test func mlxWeightsInOtherModesAreScannedOrRefused() async throws {
        let bf16 = { (x: Float) -> [UInt8] in withUnsafeBytes(of: UInt16(x.bitPattern >> 16).littleEndian) { Array($0) } }
        // 32 three-bit codes of 5 as one little-endian bit stream: 96 bits, 12 bytes.
        var stream = [UInt8](repeating: 0, count: 12)
        for j in 0..<32 { for b in 0..<3 where (5 >> b) & 1 == 1 { stream[(3 * j + b) / 8] |= 1 << ((3 * j + b) % 8) } }
        let three = [("a.weight", "U32", [1, 3], stream), ("a.scales", "BF16", [1, 1], bf16(0.5)), ("a.biases", "BF16", [1, 1], bf16(-1))]
        let fp4 = [("a.weight", "U32", [1, 4], [UInt8](repeating: 0x22, count: 16)), ("a.scales", "U8", [1, 1], [127])]
        let plain = ("n.weight", "F32", [2], [UInt8](repeating: 0, count: 8))
        let cases: [(quantization: String, tensors: [(String, String, [Int], [UInt8])], value: Float?, reason: String)] = [
            (#"{"group_size": 32, "bits": 3}"#, three + [plain], 1.5, ""),
            (#"{"group_size": 32, "bits": 4, "mode": "mxfp4"}"#, fp4 + [plain], 1.0, ""),
            // The E8M0 scale 0 is 2^−127 (MLX reads it as the bfloat16 0x0040): codes of 7 (6.0) are 3 · 2^−126.
            (
                #"{"group_size": 32, "bits": 4, "mode": "mxfp4"}"#,
                [("a.weight", "U32", [1, 4], [UInt8](repeating: 0x77, count: 16)), ("a.scales", "U8", [1, 1], [0]), plain], 3 * 0x1p-126, ""
            ),
            // A per-layer entry stands alone: no mode is affine, whatever the checkpoint's.
            (#"{"group_size": 32, "bits": 4, "mode": "mxfp4", "a": {"group_size": 32, "bits": 3}}"#, three + [plain], 1.5, ""),
            (#"{"group_size": 32, "bits": 4, "mode": "int4"}"#, fp4 + [plain], nil, "MLX's int4 mode is not decoded"),
            (#"{"group_size": 32, "bits": 4, "mode": 4}"#, fp4 + [plain], nil, "MLX's (not a string) mode is not decoded"),
            (#"{"group_size": 32, "bits": 8, "mode": "mxfp8"}"#, fp4 + [plain], nil, "MLX mxfp8 codes of 4 bits are not decoded"),
            (
                #"{"group_size": 32, "bits": 4, "mode": "mxfp4"}"#, [fp4[0], ("a.scales", "BF16", [1, 1], bf16(1)), plain], nil,
                "a.scales is BF16; MLX mxfp4 scales are one byte (U8) a group"
            ),
            (#"{"group_size": 32, "bits": 3}"#, [three[0], three[1], plain], nil, "its biases tensor (a.biases) is missing"),
            (
                #"{"group_size": 32, "bits": 7}"#, [("a.weight", "U32", [1, 7], [UInt8](repeating: 0, count: 28))] + three.dropFirst() + [plain],
                nil, "MLX affine codes of 7 bits are not decoded"
            ),
        ]
        for c in cases {
            let quantization = try JSONSerialization.jsonObject(with: Data(c.quantization.utf8))
            let report = try await Self.scanQuantized(c.tensors, quantization: quantization, key: "quantization")
            try Self.expectDecodedOrRefused(
                report, "a.weight", elements: 32, value: c.value.map(Double.init), reason: c.reason, note: "\(c.quantization): ")
        }
    }

    /// NVFP4 weights (compressed-tensors' layout: bytes of codes, E4M3 group scales, a global scale that divides them):
    /// codes of 2 (E2M1 1.0) under the E4M3 scale 0x38 (1.0) and a global scale of 2 are 32 values of 0.5; a global
    /// scale of 0, scales of another type and a missing global scale are refused with the reason.
    @Test func nvfp4WeightsAreScannedOrRefused() async throws {
        let float = { (x: Float) -> [UInt8] in withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) } }
        let codes = ("a.weight_packed", "U8", [2, 8], [UInt8](repeating: 0x22, count: 16))
        let scales = ("a.weight_scale", "F8_E4M3", [2, 1], [UInt8]([0x38, 0x38]))
        let global = ("a.weight_global_scale", "F32", [1], float(2))
        let plain = ("n.weight", "F32", [2], [UInt8](repeating: 0, count: 8))
        let quantization: [String: Any] = [
            "quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized",
            "config_groups": ["g": ["targets": ["Linear"], "weights": ["num_bits": 4, "type": "float", "group_size": 16]]],
        ]
        let cases: [(tensors: [(String, String, [Int], [UInt8])], reason: String)] = [
            ([codes, scales, global, plain], ""),
            ([codes, scales, ("a.weight_global_scale", "F32", [1], float(0)), plain], "a.weight_global_scale is 0.0, which scales no value"),
            (
                [codes, ("a.weight_scale", "BF16", [2, 1], [0x80, 0x3F, 0x80, 0x3F]), global, plain],
                "a.weight_scale is BF16 [2, 1], where 16 columns need F8_E4M3 [2, 1]"
            ),
            ([codes, scales, plain], "its tensor scale (a.weight_global_scale) is missing"),
        ]
        for c in cases {
            let report = try await Self.scanQuantized(c.tensors, quantization: quantization)
            try Self.expectDecodedOrRefused(report, "a.weight_packed", elements: 32, value: c.reason.isEmpty ? 0.5 : nil, reason: c.reason)
        }
    }

    /// ModelOpt exports older than its config.json entry name their quantization only in hf_quant_config.json: the
    /// NVFP4 weights are recognized by their companions and scanned as their values, not as bytes, and counted as
    /// two parameters a byte.
    @Test func nvfp4WeightsWithoutAConfigEntryAreRecognized() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(Fixtures.path("extra/minilm-nvfp4-modelopt/model.safetensors"), to: "model.safetensors")
        var config = try Fixtures.json(Fixtures.path("extra/minilm-nvfp4-modelopt/config.json"))
        config["quantization_config"] = nil
        try directory.write("config.json", Array(try JSONSerialization.data(withJSONObject: config)))
        let bare = try await StatsScanner.scan(try ModelSource.open(directory.path))
        let configured = try await StatsScanner.scan(try ModelSource.open(Fixtures.path("extra/minilm-nvfp4-modelopt")))
        #expect(bare.complete && bare.dequantized.map(\.tensors) == [36])
        #expect(bare.tensors.map(\.min) == configured.tensors.map(\.min) && bare.tensors.map(\.max) == configured.tensors.map(\.max))
        #expect(bare.tensors.map(\.histogram.counts) == configured.tensors.map(\.histogram.counts))
        #expect(
            try InspectionReport.inspect(directory.path).parameters.total
                == InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2")).parameters.total)
    }

    /// An EXL2 checkpoint: its q_weight (each group of rows at its own width) is listed as not scanned with the reason,
    /// never read as int32 values; its q_* companions are quantization state; the rest is scanned.
    @Test func exl2CodesAreNotReadAsWeights() async throws {
        let tensors = [
            ("a.q_weight", "I32", [3, 8], [UInt8](repeating: 0x5A, count: 96)), ("a.q_invperm", "I32", [16], [UInt8](repeating: 0, count: 64)),
            ("a.q_scale", "I32", [1, 1], [UInt8](repeating: 0, count: 4)), ("a.q_scale_max", "F16", [1], [0, 0x3C]),
            ("a.q_groups", "I16", [2], [4, 0, 0, 0]), ("n.weight", "F16", [2], [0, 0x3C, 0, 0x3C]),
        ]
        let report = try await Self.scanQuantized(tensors, quantization: ["quant_method": "exl2", "bits": 4.65])
        #expect(report.skipped.map(\.name) == ["a.q_weight"])
        #expect(report.skipped.first?.reason.contains("EXL2 packs each group of rows at its own width") == true, "\(report.skipped.map(\.reason))")
        #expect(report.tensors.map(\.name) == ["n.weight"] && !report.complete)
    }

    /// A packed tensor with no values (an MLX weight [0, 4] with scales [0, 1], whose shape claims 2⁶⁰ columns in
    /// another file) is not sent to the decoder: no size is computed from it, and the scan completes.
    @Test func emptyPackedTensorsAreNotDecoded() async throws {
        let half: [UInt8] = [0, 0x3C]
        for shape in [[0, 4], [0, 1 << 60]] {
            let tensors = [
                ("a.weight", "U32", shape, [UInt8]()), ("a.scales", "F16", [0, 1], [UInt8]()), ("a.biases", "F16", [0, 1], [UInt8]()),
                ("n.weight", "F16", [1], half),
            ]
            let report = try await Self.scanQuantized(tensors, quantization: ["group_size": 32, "bits": 4, "mode": "mxfp4"], key: "quantization")
            #expect(report.dequantized.isEmpty && report.tensors.contains { $0.name == "n.weight" }, "\(shape)")
        }
    }

    /// compressed-tensors' packed weights whose companions break its rules are listed as not scanned with the reason;
    /// a well-formed one (codes 0, stored as 8 above the signed code −8, scales of 1) is scanned as 2 × 8 values of −8.
    @Test func compressedTensorsWeightsThatBreakTheirRulesAreNotScanned() async throws {
        func int64s(_ values: [Int64]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } } }
        func int32s(_ values: [Int32]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } } }
        let one: [UInt8] = [0x80, 0x3F]  // bfloat16 1.0
        let packed = ("a.weight_packed", "I32", [2, 1], [UInt8](repeating: 0, count: 8))
        let scale = ("a.weight_scale", "BF16", [2, 1], one + one)
        let shape = ("a.weight_shape", "I64", [2], int64s([2, 8]))
        let cases: [(tensors: [(String, String, [Int], [UInt8])], reason: String)] = [
            ([packed, scale, shape], ""),
            (
                [packed, scale, ("a.weight_shape", "I64", [2], int64s([2, 9]))],
                "a.weight_packed has 1 words a row, where 9 columns of 4-bit codes need 2"
            ),
            (
                [packed, scale, ("a.weight_shape", "I64", [2], int64s([3, 8]))],
                "a.weight_shape says [3, 8], which a.weight_packed [2, 1] cannot hold"
            ),
            ([packed, shape], "its scales (a.weight_scale) are missing"),
            ([packed, scale, shape, ("a.weight_zero_point", "I32", [2, 2], [UInt8](repeating: 0, count: 16))], "a.weight_zero_point is I32 [2, 2]"),
            (
                [packed, scale, shape, ("a.weight_g_idx", "I32", [8], int32s([0, 0, -1, 0, 0, 0, 0, 0]))],
                "a.weight_g_idx sets the group of some columns and not of others"
            ),
        ]
        for c in cases {
            let quantization: [String: Any] = [
                "quant_method": "compressed-tensors", "format": "pack-quantized",
                "config_groups": [
                    "group_0": ["targets": ["Linear"], "weights": ["num_bits": 4, "type": "int", "symmetric": true, "strategy": "channel"]]
                ],
            ]
            let plain = ("n.weight", "F32", [2], [UInt8](repeating: 0, count: 8))
            let report = try await Self.scanQuantized([plain] + c.tensors, quantization: quantization)
            if c.reason.isEmpty {
                let a = try #require(report.tensors.first { $0.name == "a.weight_packed" }, "\(report.skipped.map(\.reason))")
                #expect(a.elements == 16 && a.min == -8 && a.max == -8)
            } else {
                Self.expectRefused(report, "a.weight_packed", c.reason)
            }
        }
    }

    /// 8-bit weights whose scales do not fit them, or that carry zero points, are listed as not scanned with the
    /// reason (their codes are not the weights); with fitting scales they are scanned as code × scale.
    @Test func scaledWeightsThatBreakTheirRulesAreNotScanned() async throws {
        // Each case: the scales' header entries, where their data ends, and the reason expected (none: scanned).
        let cases: [(scale: String, end: Int, reason: String)] = [
            (#""a.weight_scale":{"dtype":"F32","shape":[4,1],"data_offsets":[40,56]}"#, 56, ""),
            (
                #""a.weight_scale":{"dtype":"F32","shape":[3],"data_offsets":[40,52]}"#, 52,
                "a.weight_scale has shape [3], which matches no scale layout of a.weight [4, 8]"
            ),
            (#""a.weight_scale":{"dtype":"I32","shape":[1],"data_offsets":[40,44]}"#, 44, "a.weight_scale is I32; scales must be F16, BF16 or F32"),
            (#""a.weight_scale_inv":{"dtype":"F32","shape":[2,1],"data_offsets":[40,48]}"#, 48, "does not cover a.weight in blocks of 128 × 128"),
            (
                #""a.weight_scale":{"dtype":"F32","shape":[1],"data_offsets":[40,44]},"a.weight_zero_point":{"dtype":"I8","shape":[1],"data_offsets":[44,45]}"#,
                45,
                "its zero points (a.weight_zero_point) are not applied"
            ),
            (#""a.SCB":{"dtype":"F32","shape":[3],"data_offsets":[40,52]}"#, 52, "a.SCB is F32 [3], where a.weight's rows need float32 [4]"),
        ]
        for c in cases {
            let dir = try TemporaryDirectory()
            // A plain tensor, then int8 codes 1 … 32 in a 4 × 8 matrix, then scales of 0.5 (and a zero point).
            let header =
                #"{"n.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a.weight":{"dtype":"I8","shape":[4,8],"data_offsets":[8,40]},\#(c.scale)}"#
            let half = withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { Array($0) }
            let data = [UInt8](repeating: 0, count: 8) + (1...32).map { UInt8($0) } + half + half + half + half + [0]
            try dir.write("model.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 0) + data.prefix(c.end))
            try dir.write(
                "config.json",
                text: String(decoding: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("all-MiniLM-L6-v2/config.json"))), as: UTF8.self))
            let report = try await StatsScanner.scan(try ModelSource.open(dir.path))
            if c.reason.isEmpty {
                let a = try #require(report.tensors.first { $0.name == "a.weight" })
                #expect(a.min == 0.5 && a.max == 16 && a.mean == 8.25, "\(a.min) \(a.max) \(a.mean)")  // (1 … 32) × 0.5
            } else {
                Self.expectRefused(report, "a.weight", c.reason)
            }
        }
    }

    /// bitsandbytes 4-bit weights whose quantization state or absmax breaks the rules are listed as not scanned with
    /// the reason; a well-formed one (NF4 codes 15 and 0, absmax 2) is scanned as 2 and −2.
    @Test func bitsandbytesWeightsThatBreakTheirRulesAreNotScanned() async throws {
        let state = #"{"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [4, 16]}"#
        let two = withUnsafeBytes(of: Float(2).bitPattern.littleEndian) { Array($0) }
        let cases: [(state: String, absmax: [UInt8], reason: String)] = [
            (state, two, ""),
            (#"{"quant_type": "nf4", "blocksize": 64, "shape": [4, 17]}"#, two, "which 32 bytes of two codes each do not hold"),
            (#"{"quant_type": "fp4", "blocksize": 64, "shape": [4, 16]}"#, two, "says quant_type fp4"),
            (#"{"quant_type": "nf4", "blocksize": 0, "shape": [4, 16]}"#, two, "has no blocksize from 1 to 2^20"),
            (#"{"quant_type": "nf4", "#, two, "is not JSON"),
            (state, two + two, "a.weight.absmax is F32 [2], where 64 values in blocks of 64 need F32 [1]"),
        ]
        for c in cases {
            let blob = Array(c.state.utf8), codes = [UInt8](repeating: 0xF0, count: 32)  // codes 15 (1.0) and 0 (−1.0)
            let report = try await Self.scanQuantized(
                [
                    ("n.weight", "F32", [2], [UInt8](repeating: 0, count: 8)), ("a.weight", "U8", [32, 1], codes),
                    ("a.weight.absmax", "F32", [c.absmax.count / 4], c.absmax), ("a.weight.quant_state.bitsandbytes__nf4", "U8", [blob.count], blob),
                ], quantization: ["quant_method": "bitsandbytes", "load_in_4bit": true])
            if c.reason.isEmpty {
                let a = try #require(report.tensors.first { $0.name == "a.weight" }, "\(report.skipped.map(\.reason))")
                #expect(a.elements == 64 && a.min == -2 && a.max == 2 && a.mean == 0)
            } else {
                Self.expectRefused(report, "a.weight", c.reason)
            }
        }
    }

    /// Codes heft does not decode (here the GPTQ checkpoint's config claims 5 bits, which GPTQ does not have) are
    /// not read as weights: their int32 words would be values up to 2·10⁹. They are listed as not scanned, on one
    /// line of the text for their shared reason, not called damaged, and every other tensor is scanned as before.
    @Test func packedCodesHeftDoesNotDecodeAreNotReadAsWeights() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(Fixtures.path("extra/minilm-gptq/model.safetensors"), to: "model.safetensors")
        var config = try Fixtures.json(Fixtures.path("extra/minilm-gptq/config.json"))
        config["quantization_config"] = ["quant_method": "gptq", "bits": 5, "group_size": 128]
        try directory.write("config.json", Array(try JSONSerialization.data(withJSONObject: config)))
        let source = try ModelSource.open(directory.path)
        let packed = try await StatsScanner.scan(source)
        let original = try await StatsScanner.scan(try ModelSource.open(Fixtures.path("all-MiniLM-L6-v2")))
        let qweights = Set(source.tensors.map(\.name).filter { $0.hasSuffix(".qweight") })
        #expect(qweights.count == 36)
        #expect(Set(packed.skipped.map(\.name)) == qweights)
        #expect(packed.skipped.allSatisfy { $0.reason.hasPrefix("GPTQ packs several codes in each I32 element, not decoded") })
        #expect(!packed.complete)
        #expect(!packed.damage.issues.contains { $0.contains("qweight") })
        // The text groups them on one line by their shared reason, naming the first three.
        let lines = StatsText.render(packed, relative: false, k: 6).split(separator: "\n").filter { $0.hasPrefix("Not scanned") }
        let first = qweights.sorted().prefix(3).joined(separator: ", ")
        #expect(lines.count == 1 && lines[0].hasPrefix("Not scanned: \(qweights.count) tensors (\(first), and \(qweights.count - 3) more"))
        let before = Dictionary(uniqueKeysWithValues: original.tensors.map { ($0.name, $0) })
        #expect(packed.tensors.count == original.tensors.count - 36)
        for t in packed.tensors {
            let o = try #require(before[t.name], "\(t.name)")
            #expect(t.elements == o.elements && t.zeros == o.zeros && t.min == o.min && t.max == o.max, "\(t.name)")
            #expect(t.histogram.counts == o.histogram.counts && t.outlierFraction == o.outlierFraction, "\(t.name)")
        }
    }

    /// Two tensors whose histogram cells differ in width by more than 2⁶³ (values near 10⁻³⁰ and near 10³³) merge
    /// into one histogram of all parameters: moving the fine cells' counts shifted an int64 by 63 or more, which C
    /// leaves undefined, and wrote outside the grid (found by fuzzing). Every value lands in the reported bins.
    @Test func histogramsOfTensorsFarApartMerge() async throws {
        let tiny: [Float] = (1...64).map { Float($0) * 1e-30 }, huge: [Float] = [1e33, 2e33, -3e33, 5]
        func bytes(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } } }
        let header =
            #"{"a.weight":{"dtype":"F32","shape":[64],"data_offsets":[0,256]},"b.weight":{"dtype":"F32","shape":[4],"data_offsets":[256,272]}}"#
        let directory = try TemporaryDirectory()
        let path = try directory.write("m.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 0) + bytes(tiny) + bytes(huge))
        let global = try await StatsScanner.scan(try ModelSource.open(path)).global
        let h = global.histogram
        #expect(h.counts.reduce(0, +) == 68)
        var expected = [Int](repeating: 0, count: h.counts.count)
        for v in tiny + huge { expected[Int((Double(v) / h.binWidth).rounded(.down) - (h.edges[0] / h.binWidth).rounded(.down))] += 1 }
        #expect(h.counts == expected)
    }

    /// The same at the grids' level: cells of 2⁻⁵ from 2¹⁸ merged with a value of 2⁷⁰ (the merged width is 2⁶⁶, a
    /// shift of 71, which x86 masks to 7): each count must land in the merged cell that holds its value.
    @Test func gridsWhoseWidthsDifferBy64OrMoreMerge() {
        var fine = heft_grid(), coarse = heft_grid(), merged = heft_grid()
        heft_grid_init(&fine, 32)
        heft_grid_init(&coarse, 32)
        heft_grid_init(&merged, 32)
        // Cells 2²³ … 2²³ + 31 of 2⁻⁵: values from 2¹⁸.
        (fine.low, fine.high, fine.width_exponent, fine.origin) = (262_144, 262_144.5, -5, 1 << 23)
        fine.counts.0 = 1  // 2¹⁸
        fine.counts.16 = 1  // 2¹⁸ + 0.5
        (coarse.low, coarse.high, coarse.width_exponent, coarse.origin) = (0x1p70, 0x1p70, 59, 2048)
        coarse.counts.0 = 1  // 2⁷⁰
        heft_grid_merge(&merged, &fine)
        heft_grid_merge(&merged, &coarse)
        let counts = withUnsafeBytes(of: merged.counts) { Array($0.bindMemory(to: UInt64.self)) }
        var expected = [UInt64](repeating: 0, count: counts.count)
        for v in [262_144, 262_144.5, 0x1p70] { expected[Int((v / pow(2, Double(merged.width_exponent))).rounded(.down)) - Int(merged.origin)] += 1 }
        #expect(counts == expected, "width 2^\(merged.width_exponent), origin \(merged.origin)")
    }

    @Test func partialDownloadsScanWhatIsThere() async throws {
        let directory = try TemporaryDirectory()
        let source = Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf")
        let path = try directory.copy(source, to: "m.gguf", length: try MappedFile.size(of: source) / 2)
        let report = try await StatsScanner.scan(try ModelSource.open(path))
        #expect(!report.complete)
        #expect(!report.skipped.isEmpty && !report.tensors.isEmpty)
    }
}
