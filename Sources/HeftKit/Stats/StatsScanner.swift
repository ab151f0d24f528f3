public import HeftFormats
import HeftKernels
import Synchronization

/// `heft stats`: reads every weight (the one command that does) and reports what the header cannot tell.
public struct StatsReport: Sendable, Codable {
    public struct Skipped: Sendable, Codable {
        public let name: String
        public let reason: String
    }

    public struct Dequantized: Sendable, Codable {
        public let tensors: Int
        /// The codes, how each value is computed and how exact it is, e.g. "GPTQ 4-bit codes, value = scale × (code −
        /// (stored zero + 1)) (exact in float32)".
        public let rule: String
    }

    public struct Sparsity: Sendable, Codable {
        /// Exact zeros ÷ parameters.
        public let sparsity: Double
        public let denseBytes: Int
        /// Non-zero values at the stored bytes per element + a 1-bit mask.
        public let bitmaskBytes: Int
        /// Non-zero values + int32 column index each + int32 row pointers.
        public let csrBytes: Int
        public let looksPruned: Bool
        /// 2-D weights in which every group of 4 consecutive values holds at least 2 zeros.
        public let twoFourTensors: [String]
    }

    public struct Damage: Sendable, Codable {
        public let verdict: String
        public let issues: [String]
    }

    public let source: String
    public let complete: Bool
    public let global: TensorStatistics
    public let tensors: [TensorStatistics]
    public let buffers: [TensorStatistics]
    public let skipped: [Skipped]
    /// Packed low-bit weights (GPTQ, AWQ, MLX) scanned as the values they decode to, by rule.
    public let dequantized: [Dequantized]
    public let sparsity: Sparsity
    public let damage: Damage
    public let bytesScanned: Int
}

public enum StatsScanner {
    /// Elements per chunk of a tensor that is decoded first: a multiple of every block size, small enough to stay in
    /// the L2 cache as floats.
    static let chunk = 65_536
    /// Elements per chunk of aligned F32 data read straight from the map, and of the block types the kernel
    /// dequantizes itself: fewer, larger kernel calls. Scratch buffers hold this many floats.
    static let directChunk = 1 << 20

    /// How a tensor's stored bytes become floats.
    enum Decoder: Sendable {
        case ggml(GGMLType)
        /// Element `i` after the base address, one at a time (F64, F8 and integer dtypes), each `width` bytes.
        case element(width: Int, @Sendable (UnsafeRawPointer, Int) -> Float)
        /// Low-bit codes packed in 32-bit words, decoded with their group scales (GPTQ, AWQ, MLX).
        case packed(PackedWeight)
    }

    /// One tensor to scan, with its data: a span of the file's map, checked against the file when the job was made.
    struct Job: Sendable {
        let tensor: TensorInfo
        let decoder: Decoder
        let isParameter: Bool
        let data: TensorSpan
        /// Whether chunks are read in place: F32 at a 4-byte-aligned address.
        var isDirect: Bool {
            if case .ggml(let type) = decoder { return type.name == "F32" && data.isAligned(to: 4) }
            return false
        }
        /// Whether the kernel dequantizes the blocks itself (`heft_scan_blocks`): every type `heft_block_layout` knows.
        var isFused: Bool {
            guard case .ggml(let type) = decoder else { return false }
            var values = 0, bytes = 0
            return heft_block_layout(UInt32(type.id), &values, &bytes) != 0
        }
        var isPacked: Bool {
            if case .packed = decoder { return true }
            return false
        }
        var chunkSize: Int { isDirect || isFused ? StatsScanner.directChunk : StatsScanner.chunk }
        var chunks: Int { (tensor.elementCount + chunkSize - 1) / chunkSize }
        /// The values of chunk `index`: `chunkSize` of them, fewer in the last.
        func values(ofChunk index: Int) -> (start: Int, count: Int) {
            let start = index * chunkSize
            return (start, Swift.min(chunkSize, tensor.elementCount - start))
        }
    }

    /// Calls `body` with chunk `index` of `job` as floats: straight from the map for aligned F32, else decoded
    /// into `scratch` (``directChunk`` floats).
    static func withChunk(
        _ job: Job, _ index: Int, _ scratch: UnsafeMutablePointer<Float>, _ body: (UnsafeBufferPointer<Float>) -> Void
    ) throws(FormatError) {
        let (start, count) = job.values(ofChunk: index)
        try withValues(job, start: start, count: count, scratch, body)
    }

    /// The stored bytes of values `start ..< start + count` of `job` (`start` on a ggml block boundary), checked to
    /// lie inside the tensor.
    static func bytes(_ job: Job, start: Int, count: Int) throws(FormatError) -> TensorSpan {
        switch job.decoder {
        case .ggml(let type):
            let blocks = (count + type.blockSize - 1) / type.blockSize
            return try job.data.chunk(at: start / type.blockSize * type.bytesPerBlock, count: blocks * type.bytesPerBlock)
        case .element(let width, _):
            return try job.data.chunk(at: start * width, count: count * width)
        case .packed:
            return job.data  // the codes; their groups' scales lie in other tensors
        }
    }

    /// Calls `body` with values `start ..< start + count` of `job` as floats (`start` on a ggml block boundary).
    static func withValues(
        _ job: Job, start: Int, count: Int, _ scratch: UnsafeMutablePointer<Float>, _ body: (UnsafeBufferPointer<Float>) -> Void
    ) throws(FormatError) {
        decode(job, try bytes(job, start: start, count: count), start: start, count: count, scratch, body)
    }

    /// Calls `body` with values `start ..< start + count` of `job`, stored in `stored` (from
    /// ``bytes(_:start:count:)``), as floats.
    static func decode(
        _ job: Job, _ stored: TensorSpan, start: Int, count: Int, _ scratch: UnsafeMutablePointer<Float>,
        _ body: (UnsafeBufferPointer<Float>) -> Void
    ) {
        if case .packed(let packed) = job.decoder {
            packed.decode(start: start, count: count, into: scratch)
            body(UnsafeBufferPointer(start: scratch, count: count))
            return
        }
        stored.withUnsafeBytes { raw in
            guard let source = raw.baseAddress else { return }
            switch job.decoder {
            case .ggml(let type):
                if job.isDirect {
                    body(UnsafeBufferPointer(start: source.assumingMemoryBound(to: Float.self), count: count))
                } else {
                    Dequantizer.dequantize(type, source, count: count, into: scratch)
                    body(UnsafeBufferPointer(start: scratch, count: count))
                }
            case .element(_, let convert):
                for i in 0..<count { scratch[i] = convert(source, i) }
                body(UnsafeBufferPointer(start: scratch, count: count))
            case .packed: break  // decoded above
            }
        }
    }

    /// Runs `work` on each of `workers` workers concurrently (both cores) and returns their results.
    static func parallel<R: Sendable>(workers: Int, _ work: @escaping @Sendable () -> R) async -> [R] {
        await withTaskGroup(of: R.self) { group in
            for _ in 0..<Swift.max(1, workers) { group.addTask { work() } }
            var results: [R] = []
            for await result in group { results.append(result) }
            return results
        }
    }

    /// Visits every chunk of `job` as floats, two workers taking runs of chunks in turn (see ``eachUnit``).
    static func eachChunk<R: Sendable>(
        _ job: Job,
        initial: R,
        _ visit: @escaping @Sendable (inout R, Int, UnsafeBufferPointer<Float>) -> Void
    ) async throws(FormatError) -> [R] {
        try await eachUnit([job], units: splitting([job], workers: 2), initial: { _ in initial }) {
            (result, job, chunk, scratch) throws(FormatError) in
            try withChunk(job, chunk, scratch) { visit(&result, chunk, $0) }
        }
    }

    /// A contiguous run of one job's chunks: what a worker takes at a time.
    struct Unit: Sendable {
        let job: Int
        let chunks: Range<Int>
    }

    /// Small tensors whole, large ones in runs of about 1/(32·workers) of all chunks: two workers taking the next
    /// unit in turn then stay busy to the end, and many small tensors are scanned side by side. The last unit
    /// runs alone while the other worker has nothing left: with runs of 1/(4·workers) that tail was 51 ms of a
    /// 300 ms scan of a 2 GB file (one core idle, seen in the scheduler's timeline); at 1/(32·workers) it is a few.
    static func splitting(_ jobs: [Job], workers: Int = 2) -> [Unit] {
        let total = jobs.reduce(0) { $0 + $1.chunks }
        let run = Swift.max(1, total / (32 * workers))
        var units: [Unit] = []
        for (j, job) in jobs.enumerated() {
            var start = 0
            while start < job.chunks {
                let pieces = (job.chunks - start + run - 1) / run
                let end = start + (job.chunks - start) / pieces  // even runs
                units.append(Unit(job: j, chunks: start..<end))
                start = end
            }
        }
        return units
    }

    /// Releases a unit's pages from the page tables as its chunks are read (``TensorSpan/release(since:)``): in runs
    /// of at least 16 MiB and after its last chunk, since every release interrupts the other core to flush its
    /// translations (chunk by chunk, that was 4 % of a 604 MB Q4_K scan).
    struct PageRelease: Sendable {
        static let run = 16 << 20
        /// The unit's last chunk.
        let last: Int
        /// Where the unit's pages not yet released begin (a byte offset in the file).
        var unreleased: Int?

        init(_ unit: Unit) { last = unit.chunks.upperBound - 1 }

        /// Chunk `chunk`, stored in `stored`, has been read.
        mutating func read(_ stored: TensorSpan, chunk: Int) {
            let from = unreleased ?? stored.offset
            unreleased = chunk == last || stored.offset + stored.count - from >= Self.run ? stored.release(since: from) : from
        }
    }

    /// The next unit to take, shared by the workers.
    final class UnitQueue: Sendable {
        let next = Atomic<Int>(0)
    }

    /// Visits every chunk of every unit (with a scratch buffer of ``directChunk`` floats), two workers taking the next
    /// unit in turn; returns one result per unit, in unit order, so that merging them is the same on every run. The
    /// first error a visit throws (a chunk outside its tensor) stops both workers and is thrown.
    static func eachUnit<R: Sendable>(
        _ jobs: [Job],
        units: [Unit],
        initial: @escaping @Sendable (Unit) -> R,
        progress: StatsProgress? = nil,
        _ visit: @escaping @Sendable (inout R, Job, Int, UnsafeMutablePointer<Float>) throws(FormatError) -> Void
    ) async throws(FormatError) -> [R] {
        let queue = UnitQueue()
        let done = await parallel(workers: Swift.min(2, units.count)) { () -> Result<[(Int, R)], FormatError> in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: directChunk)
            defer { scratch.deallocate() }
            var results: [(Int, R)] = []
            while true {
                let u = queue.next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard u < units.count else { break }
                let unit = units[u], job = jobs[unit.job]
                let bytesPerChunk = job.tensor.byteCount / Swift.max(1, job.chunks)
                var result = initial(unit)
                for c in unit.chunks {
                    if progress?.cancelled.load(ordering: .relaxed) == true { break }
                    do throws(FormatError) {
                        try visit(&result, job, c, scratch)
                    } catch {
                        queue.next.store(units.count, ordering: .relaxed)
                        return .failure(error)
                    }
                    progress?.done.add(bytesPerChunk, ordering: .relaxed)
                }
                results.append((u, result))
            }
            return .success(results)
        }
        var results: [(Int, R)] = []
        for worker in done { results += try worker.get() }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Whether every group of 4 consecutive values along the rows has at least 2 zeros (NVIDIA 2:4 sparsity).
    static func isTwoFour(_ job: Job) async throws(FormatError) -> Bool {
        guard (job.tensor.shape.last ?? 0) % 4 == 0 else { return false }
        let violations = try await eachChunk(job, initial: 0) { (bad: inout Int, _, x: UnsafeBufferPointer<Float>) in
            var i = 0
            while i + 4 <= x.count {
                let zeros = (x[i] == 0 ? 1 : 0) + (x[i + 1] == 0 ? 1 : 0) + (x[i + 2] == 0 ? 1 : 0) + (x[i + 3] == 0 ? 1 : 0)
                if zeros < 2 { bad += 1 }
                i += 4
            }
        }
        return violations.reduce(0, +) == 0
    }

    static func decoder(_ storage: StorageType) -> Decoder? {
        switch storage {
        case .ggml(let type): return Dequantizer.supports(type) ? .ggml(type) : nil
        case .safetensors(let dtype):
            func int<T: FixedWidthInteger & SendableMetatype>(_: T.Type) -> Decoder {
                .element(width: MemoryLayout<T>.size) { @Sendable p, i in
                    Float(T(littleEndian: p.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)))
                }
            }
            switch dtype {
            case .f32: return .ggml(.f32)
            case .f16: return .ggml(.f16)
            case .bf16: return GGMLType.named("BF16").map { .ggml($0) }
            case .f64:
                return .element(width: 8) { p, i in
                    Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                }
            case .i8: return int(Int8.self)
            case .u8, .bool: return int(UInt8.self)
            case .i16: return int(Int16.self)
            case .u16: return int(UInt16.self)
            case .i32: return int(Int32.self)
            case .u32: return int(UInt32.self)
            case .i64: return int(Int64.self)
            case .u64: return int(UInt64.self)
            case .f8e5m2: return .ggml(.f8E5M2)
            case .f8e4m3: return .ggml(.f8E4M3)
            default: return nil
            }
        }
    }

    /// Scans every tensor of `source`.
    public static func scan(_ source: ModelSource, options: StatsOptions = StatsOptions()) async throws(FormatError) -> StatsReport {
        let report = try InspectionReport(source: source, includeTensors: false)
        let classifier = TensorClassifier(packing: report.quantization, family: report.architecture.family, tensors: source.tensors)
        // Map every file once (HeftFormats owns the maps; each job's span keeps its file's map alive); pages are read
        // on demand and belong to the page cache.
        var maps: [String: MappedTensorData] = [:]
        for file in source.files where maps[file.path] == nil { maps[file.path] = try MappedTensorData(path: file.path) }
        var jobs: [Job] = []
        var skipped: [StatsReport.Skipped] = []
        var decodedRules: [String: Int] = [:]  // tensors decoded by each rule, in the order the rules appear
        var ruleOrder: [String] = []
        let named = Dictionary(source.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let open = { (t: TensorInfo) throws(FormatError) -> TensorSpan in
            guard let map = maps[t.file] else { throw FormatError(file: t.file, rule: .io, detail: "the file is not open") }
            return try map.span(of: t)
        }
        /// A weight decoded from codes and scales: scanned as the values they stand for, counted by rule.
        func add(_ packed: PackedWeight, _ tensor: TensorInfo) {
            let logical = TensorInfo(
                name: tensor.name, shape: packed.shape, storage: tensor.storage, elementCount: packed.elementCount,
                dataOffset: tensor.dataOffset, byteCount: packed.byteCount, file: tensor.file)
            jobs.append(Job(tensor: logical, decoder: .packed(packed), isParameter: true, data: packed.codes))
            let rule = "\(packed.label), value = \(packed.rule) (\(packed.precision))"
            if decodedRules[rule] == nil { ruleOrder.append(rule) }
            decodedRules[rule, default: 0] += 1
        }
        for tensor in source.tensors {
            // A tensor that does not lie wholly inside its file's bytes is not read.
            guard let data = try? maps[tensor.file]?.span(of: tensor) else {
                skipped.append(.init(name: tensor.name, reason: "data missing from the file (partial download)"))
                continue
            }
            guard let decoder = decoder(tensor.storage) else {
                skipped.append(.init(name: tensor.name, reason: "no decoder for \(tensor.storage.name)"))
                continue
            }
            let role = classifier.classify(tensor)
            if case .quantizationState = role { continue }
            if case .tiedCopy = role { continue }
            // Stored codes are not weights: 8-bit weights with scales beside them (int8, FP8) and packed low-bit
            // codes (GPTQ, AWQ, MLX, compressed-tensors, bitsandbytes) are decoded with their scales; those that
            // cannot be are listed as not scanned, with the reason.
            if case .parameter = role {
                do throws(PackedWeight.Refusal) {
                    if let scaled = try PackedWeight.scaled(tensor, packing: classifier.packing, named: named, span: open) {
                        add(scaled, tensor)
                        continue
                    }
                } catch {
                    skipped.append(.init(name: tensor.name, reason: "\(tensor.storage.name) codes with scales, not decoded: \(error.reason)"))
                    continue
                }
            }
            if case .parameter(_, _, let logical) = role, tensor.elementCount > 0, classifier.holdsPackedCodes(tensor),
                let packing = classifier.packing
            {
                do throws(PackedWeight.Refusal) {
                    add(try PackedWeight.make(tensor, packing: packing, named: named, span: open), tensor)
                } catch {
                    skipped.append(
                        .init(
                            name: tensor.name,
                            reason:
                                "\(packing.displayName) packs \(packing.method != .exl2 && logical > tensor.elementCount && logical % tensor.elementCount == 0 ? "\(logical / tensor.elementCount)" : "several") codes in each \(tensor.storage.name) element, not decoded: \(error.reason)"
                        ))
                }
                continue
            }
            jobs.append(Job(tensor: tensor, decoder: decoder, isParameter: role.isParameter, data: data))
        }
        if source.tensors.isEmpty {
            throw FormatError(
                rule: .unknownFormat,
                detail:
                    "it holds no tensors (\(source.format == .config ? "a config.json describes the model but has no weights" : "nothing to scan")); statistics need the weights"
            )
            .inFile(source.path)
        }
        if jobs.isEmpty, !skipped.isEmpty {
            // Nothing to measure is not "no damage found": say why, and fail.
            let reasons = Dictionary(grouping: skipped, by: \.reason).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: "; ")
            throw FormatError(
                rule: .truncated,
                detail: "no tensor could be scanned (\(skipped.count) of \(source.tensors.count): \(reasons)); statistics need the weights"
            )
            .inFile(source.path)
        }
        let thresholds = options.thresholds
        let slots = thresholds.count
        let bytes = jobs.reduce(0) { $0 + $1.tensor.byteCount }
        options.progress?.total.store(options.relative ? 2 * bytes : bytes, ordering: .relaxed)

        // One pass over all tensors, both cores taking units (whole small tensors, runs of large ones) in turn:
        // counts, extremes, moments, histogram cells and each block's largest magnitude.
        let absolute = options.relative ? [] : thresholds.map(FloatBits.below)
        let units = Self.splitting(jobs)
        let found = try await eachUnit(
            jobs, units: units, initial: { unit in WorkerFindings(thresholds: slots, bins: options.bins, unit: unit) },
            progress: options.progress
        ) {
            (findings, job, chunk, scratch) throws(FormatError) in
            // The relative thresholds' pass reads every chunk again: its pages stay mapped until then.
            try findings.add(job, chunk: chunk, scratch: scratch, bounds: absolute, release: !options.relative)
        }
        var moments = jobs.map { _ in Moments(thresholds: slots) }
        var cells = jobs.map { _ in CellHistogram(bins: options.bins) }
        var maxima = jobs.map { _ in [BlockMaxima]() }
        for (unit, f) in zip(units, found) {
            moments[unit.job].merge(f.moments)
            cells[unit.job].merge(f.cells)
            maxima[unit.job] += f.maxima
        }
        // Beyond k·σ of the tensor's mean, once both are known: only the blocks that can hold such a value (whose
        // largest magnitude passes the nearer end of the range) are read again, by both workers taking the next
        // block in turn.
        var reread: [(job: Int, start: Int, count: Int, range: OutlierRange)] = []
        for (j, job) in jobs.enumerated() {
            let range = OutlierRange(mean: moments[j].mean, reach: options.outlierK * moments[j].std)
            for m in maxima[j] {
                for b in m.reaching(range) {
                    let start = m.chunk * job.chunkSize + b * BlockMaxima.block
                    let count = Swift.min(BlockMaxima.block, job.tensor.elementCount - start)
                    // Neighbouring blocks of one tensor are read as one run (up to 64 blocks): a job is looked up,
                    // and its references retained, once per run rather than once per block.
                    if let last = reread.last, last.job == j, last.start + last.count == start, last.count + count <= 64 * BlockMaxima.block {
                        reread[reread.count - 1].count += count
                    } else {
                        reread.append((j, start, count, range))
                    }
                }
            }
        }
        let blocks = reread
        let scanned = jobs
        let next = UnitQueue()
        let counted = await parallel(workers: 2) { () -> Result<[Int], FormatError> in
            var found = [Int](repeating: 0, count: scanned.count)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: directChunk)
            defer { scratch.deallocate() }
            while true {
                let i = next.next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < blocks.count else { return .success(found) }
                let block = blocks[i]
                do throws(FormatError) {
                    let job = scanned[block.job]
                    if job.isFused, case .ggml(let type) = job.decoder, type.isQuantized {
                        // Quantized blocks: only those whose scales allow a value outside are decoded again.
                        let stored = try Self.bytes(job, start: block.start, count: block.count)
                        stored.withUnsafeBytes { raw in
                            guard let base = raw.baseAddress else { return }
                            found[block.job] += Int(
                                heft_count_blocks(UInt32(type.id), base, block.count, block.range.low, block.range.high))
                        }
                    } else {
                        try withValues(job, start: block.start, count: block.count, scratch) { x in
                            found[block.job] += Self.count(x, outside: block.range, bounds: []).outliers
                        }
                    }
                } catch {
                    return .failure(error)
                }
            }
        }
        var outliers = [Int](repeating: 0, count: jobs.count)
        for result in counted {
            for (j, n) in try result.get().enumerated() { outliers[j] += n }
        }
        var near = moments.map(\.nearZero)
        if options.relative {  // a second pass, now that each tensor's RMS is known
            let bounds = moments.map { m in thresholds.map { FloatBits.below($0 * m.rms) } }
            near = jobs.map { _ in [Int](repeating: 0, count: slots) }
            let perUnit = try await eachUnit(
                jobs, units: units, initial: { unit in (unit.job, [Int](repeating: 0, count: slots), PageRelease(unit)) },
                progress: options.progress
            ) {
                (totals, job, chunk, scratch) throws(FormatError) in
                try withChunk(job, chunk, scratch) { x in
                    let c = Self.count(x, outside: .everything, bounds: bounds[totals.0])
                    for b in totals.1.indices { totals.1[b] += c.near[b] }
                }
                let (start, count) = job.values(ofChunk: chunk)
                if !job.isPacked { totals.2.read(try Self.bytes(job, start: start, count: count), chunk: chunk) }
            }
            for (job, counts, _) in perUnit { for b in counts.indices { near[job][b] += counts[b] } }
        }
        var statistics: [TensorStatistics] = []
        var global = Moments(thresholds: slots)
        var globalCells = CellHistogram(bins: options.bins)
        var globalOutliers = 0
        var globalNear = [Int](repeating: 0, count: slots)  // absolute, or each tensor's relative counts
        for (j, job) in jobs.enumerated() {
            statistics.append(Self.statistics(job.tensor.name, moments[j], near: near[j], outliers: outliers[j], cells: cells[j], options: options))
            if job.isParameter {
                global.merge(moments[j])
                globalCells.merge(cells[j])
                globalOutliers += outliers[j]
                for b in near[j].indices { globalNear[b] += near[j][b] }
            }
        }

        if options.progress?.cancelled.load(ordering: .relaxed) == true {
            throw FormatError(file: source.name, rule: .interrupted, detail: "the scan was interrupted")
        }
        var parameters: [TensorStatistics] = []
        var buffers: [TensorStatistics] = []
        var issues: [String] = []
        var damaged = false
        var twoFour: [String] = []
        var rows = 0
        for (j, job) in jobs.enumerated() {
            let s = statistics[j]
            if job.isParameter {
                parameters.append(s)
                rows += job.tensor.shape.count >= 2 ? job.tensor.elementCount / Swift.max(1, job.tensor.shape.last ?? 1) : 1
                if s.nan > 0 || s.inf > 0 {
                    issues.append("\(s.name): \(s.nan) NaN and \(s.inf) infinite values")
                    damaged = true
                }
                if s.elements > 0, s.zeros == s.elements { issues.append("\(s.name): every value is zero") }
                if s.absMax > 1e4 { issues.append("\(s.name): values up to \(Formatting.fixed(s.absMax, significant: 3)) (exploding scale)") }
                if job.tensor.shape.count == 2, !job.isPacked, s.zeros * 2 >= s.elements, s.elements >= 16, try await isTwoFour(job) {
                    twoFour.append(s.name)
                }
            } else {
                buffers.append(s)
            }
        }
        let globalStats = Self.statistics(
            "all parameters", global, near: globalNear, outliers: globalOutliers, cells: globalCells, options: options)
        let elements = global.elements
        let stored = jobs.filter(\.isParameter).reduce(0) { $0 + $1.tensor.byteCount }
        let bytesPerValue = elements > 0 ? Double(stored) / Double(elements) : 2
        let nonZeros = elements - global.zeros
        let sparsity = StatsReport.Sparsity(
            sparsity: elements > 0 ? Double(global.zeros) / Double(elements) : 0,
            denseBytes: stored,
            bitmaskBytes: SparseStorage.bitmaskBytes(elements: elements, nonZeros: nonZeros, bytesPerValue: bytesPerValue),
            csrBytes: SparseStorage.csrBytes(rows: rows, nonZeros: nonZeros, bytesPerValue: bytesPerValue),
            looksPruned: elements > 0 && Double(global.zeros) / Double(elements) >= 0.3 || !twoFour.isEmpty,
            twoFourTensors: twoFour
        )
        return StatsReport(
            source: source.name,
            complete: skipped.isEmpty,
            global: globalStats,
            tensors: parameters,
            buffers: buffers,
            skipped: skipped,
            dequantized: ruleOrder.map { .init(tensors: decodedRules[$0] ?? 0, rule: $0) },
            sparsity: sparsity,
            // NaN or Inf is damage; an all-zero tensor or a huge scale is suspicious (an untrained pooler bias is all zeros).
            damage: .init(verdict: damaged ? "damaged" : issues.isEmpty ? "no damage found" : "suspicious", issues: issues),
            bytesScanned: bytes
        )
    }

}

extension StatsScanner {
    /// What one worker found in its chunks of one tensor.
    struct WorkerFindings: Sendable {
        var moments: Moments
        var cells: CellHistogram
        var maxima: [BlockMaxima] = []
        var pages: PageRelease

        init(thresholds: Int, bins: Int, unit: Unit) {
            moments = Moments(thresholds: thresholds)
            cells = CellHistogram(bins: bins)
            pages = PageRelease(unit)
        }

        /// Scans chunk `chunk` of `job`: the common block types straight from the map (dequantized block by block in
        /// L1 by the kernel), everything else as floats (read in place, or decoded into `scratch`). With `release`
        /// its pages are dropped from the page tables afterwards (see ``TensorSpan/release(since:)``): the passes
        /// after it read only some blocks again (outliers), or a tensor that looks 2:4-pruned, and map those pages
        /// anew.
        mutating func add(
            _ job: Job, chunk: Int, scratch: UnsafeMutablePointer<Float>, bounds: [UInt32], release: Bool
        ) throws(FormatError) {
            let (start, count) = job.values(ofChunk: chunk)
            var run = heft_run_stats()
            var blockMaxima = [UInt32](repeating: 0, count: (count + BlockMaxima.block - 1) / BlockMaxima.block)
            let stored = try StatsScanner.bytes(job, start: start, count: count)
            bounds.withUnsafeBufferPointer { b in
                blockMaxima.withUnsafeMutableBufferPointer { m in
                    if case .ggml(let type) = job.decoder, job.isFused {
                        let fused = stored.withUnsafeBytes { source in
                            heft_scan_blocks(
                                UInt32(type.id), source.baseAddress, count, b.baseAddress, Int32(b.count), &cells.grid, m.baseAddress, &run)
                        }
                        if fused != 0 { return }
                    }
                    StatsScanner.decode(job, stored, start: start, count: count, scratch) { x in
                        heft_scan_f32(x.baseAddress, x.count, b.baseAddress, Int32(b.count), &cells.grid, m.baseAddress, &run)
                    }
                }
            }
            if release, !job.isPacked { pages.read(stored, chunk: chunk) }  // packed codes: other workers' chunks share their pages
            moments.merge(Moments(run: run, count: count, thresholds: moments.nearZero.count))
            maxima.append(BlockMaxima(chunk: chunk, maxima: blockMaxima))
        }
    }

    /// Finite values outside `range`, and those with |x| below each of `bounds` (bits).
    static func count(_ x: UnsafeBufferPointer<Float>, outside range: OutlierRange, bounds: [UInt32]) -> (outliers: Int, near: [Int]) {
        var outliers: UInt64 = 0
        var near = [UInt64](repeating: 0, count: bounds.count)
        bounds.withUnsafeBufferPointer { b in
            near.withUnsafeMutableBufferPointer { n in
                heft_count_f32(x.baseAddress, x.count, range.low, range.high, b.baseAddress, Int32(b.count), &outliers, n.baseAddress)
            }
        }
        return (Int(outliers), near.map { Int($0) })
    }

    static func statistics(
        _ name: String, _ m: Moments, near: [Int], outliers: Int, cells: CellHistogram, options: StatsOptions
    ) -> TensorStatistics {
        let finite = Double(Swift.max(m.finite, 1))
        return TensorStatistics(
            name: name, elements: m.elements, zeros: m.zeros, nan: m.nan, inf: m.inf,
            min: m.finite > 0 ? Double(m.min) : 0, max: m.finite > 0 ? Double(m.max) : 0, mean: m.mean, std: m.std,
            absMax: m.finite > 0 ? Double(Swift.max(abs(m.min), abs(m.max))) : 0,
            nearZero: zip(options.thresholds, near).map { TensorStatistics.NearZero(threshold: $0, fraction: Double($1) / finite) },
            outlierFraction: Double(outliers) / finite,
            histogram: cells.histogram
        )
    }
}
