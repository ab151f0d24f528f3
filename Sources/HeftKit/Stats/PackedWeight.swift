import HeftFormats
import HeftKernels

/// A weight stored as packed low-bit codes beside its group scales (GPTQ's and AWQ's `qweight`, MLX's packed
/// `weight`), which `heft stats` decodes to the values the checkpoint stands for:
///
/// - GPTQ: scale · (code − (stored zero + 1)); the `gptq_v2` checkpoint format stores the zero itself.
/// - AWQ (GEMM layout): scale · (code − zero).
/// - MLX (affine): scale · code + bias.
///
/// Each product is exact in float32 (a code difference of at most 9 bits times a scale of 11 or 8 significant
/// bits); engines compute in half precision and round it to 16 bits.
struct PackedWeight: Sendable {
    let method: QuantizationPacking.Method
    let bits: Int
    /// The values as `heft_dequantize_packed` enumerates them: [rows, columns].
    let rows: Int
    let columns: Int
    /// Rows (GPTQ without `g_idx`, AWQ) or columns (MLX) sharing a scale.
    let groupSize: Int
    let zeroOffset: Int
    let scaleType: GGMLType
    let codes: TensorSpan
    let zeros: TensorSpan?
    let scales: TensorSpan
    let biases: TensorSpan?
    let groups: TensorSpan?
    /// The weight's shape as PyTorch holds it ([out, in], with any leading dimensions).
    let shape: [Int]
    /// Bytes read: the codes and every tensor decoded with them.
    let byteCount: Int

    var elementCount: Int { rows * columns }

    /// A one-line description of the rule, for the report.
    var rule: String {
        switch method {
        case .gptq: zeroOffset == 1 ? "scale × (code − (stored zero + 1))" : "scale × (code − zero)"
        case .awq: "scale × (code − zero)"
        default: "scale × code + bias"
        }
    }

    /// Values `start ..< start + count` (in the order described in `HEFT_PACKED_*`) into `out`.
    func decode(start: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        codes.withUnsafeBytes { c in
            scales.withUnsafeBytes { s in
                Self.withOptional(zeros) { z in
                    Self.withOptional(biases) { b in
                        Self.withOptional(groups) { g in
                            var p = heft_packed(
                                method: Int32(method == .gptq ? HEFT_PACKED_GPTQ : method == .awq ? HEFT_PACKED_AWQ : HEFT_PACKED_MLX),
                                bits: Int32(bits), scale_type: Int32(scaleType.id), zero_offset: Int32(zeroOffset),
                                rows: rows, columns: columns, group_size: groupSize,
                                codes: c.baseAddress?.assumingMemoryBound(to: UInt32.self),
                                zeros: z?.baseAddress?.assumingMemoryBound(to: UInt32.self), scales: s.baseAddress,
                                biases: b?.baseAddress, groups: g?.baseAddress?.assumingMemoryBound(to: Int32.self))
                            heft_dequantize_packed(&p, start, count, out)
                        }
                    }
                }
            }
        }
    }

    private static func withOptional(_ span: TensorSpan?, _ body: (UnsafeRawBufferPointer?) -> Void) {
        if let span { span.withUnsafeBytes { body($0) } } else { body(nil) }
    }

    /// Why a packed tensor is not decoded: the report lists it as not scanned with this reason.
    struct Refusal: Error {
        let reason: String
    }

    /// The packed weight whose codes are `tensor`, with the tensors stored beside it (`named`), or why it cannot
    /// be decoded: a layout heft does not decode, or companions whose shapes or types break the format's rules.
    static func make(
        _ tensor: TensorInfo, packing: QuantizationPacking, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        let name = tensor.name
        func refuse(_ reason: String) -> Refusal { Refusal(reason: reason) }
        func companion(_ suffix: String, of base: String) throws(Refusal) -> TensorInfo {
            guard let t = named[base + suffix] else { throw refuse("its \(suffix.dropFirst()) tensor (\(base + suffix)) is missing") }
            return t
        }
        func dtype(_ t: TensorInfo) -> SafetensorsDType? {
            if case .safetensors(let d) = t.storage { return d }
            return nil
        }
        func open(_ t: TensorInfo) throws(Refusal) -> TensorSpan {
            do throws(FormatError) { return try span(t) } catch { throw refuse("\(t.name): \(error.detail)") }
        }
        func scaleType(_ t: TensorInfo) throws(Refusal) -> GGMLType {
            switch dtype(t) {
            case .f16?: return .f16
            case .f32?: return .f32
            case .bf16?: if let b = GGMLType.named("BF16") { return b }
            default: break
            }
            throw refuse("\(t.name) is \(t.storage.name); scales must be F16, BF16 or F32")
        }
        func expect(_ t: TensorInfo, _ shape: [Int]) throws(Refusal) {
            guard t.shape == shape else {
                throw refuse(
                    "\(t.name) has shape [\(t.shape.map(String.init).joined(separator: ", "))], where \(name) needs [\(shape.map(String.init).joined(separator: ", "))]"
                )
            }
        }
        func words(_ t: TensorInfo) throws(Refusal) {
            guard let d = dtype(t), d == .i32 || d == .u32 else {
                throw refuse("\(t.name) is \(t.storage.name); packed codes and zeros are 32-bit integers")
            }
        }
        func checked(_ bits: Int) throws(Refusal) -> Int {
            guard bits == 2 || bits == 4 || bits == 8 else {
                throw refuse("\(bits)-bit codes straddle 32-bit words (heft stats decodes 2-, 4- and 8-bit codes)")
            }
            return bits
        }
        try words(tensor)
        switch packing.method {
        case .gptq, .awq:
            let suffix = ".qweight"
            guard name.hasSuffix(suffix), tensor.shape.count == 2 else { throw refuse("not a 2-D qweight") }
            let bits = try checked(packing.bits), per = 32 / bits
            let base = String(name.dropLast(suffix.count))
            let zerosInfo = try companion(".qzeros", of: base), scalesInfo = try companion(".scales", of: base)
            try words(zerosInfo)
            let type = try scaleType(scalesInfo)
            guard scalesInfo.shape.count == 2, scalesInfo.shape[0] > 0 else { throw refuse("\(scalesInfo.name) is not a 2-D matrix of groups") }
            let groups = scalesInfo.shape[0]
            var groupsInfo: TensorInfo?
            let inputs: Int, outputs: Int
            if packing.method == .gptq {
                // qweight [in / per, out]; qzeros [groups, out / per]; scales [groups, out]; g_idx [in].
                inputs = tensor.shape[0] * per
                outputs = tensor.shape[1]
                guard outputs % per == 0 else {
                    throw refuse("\(outputs) output columns are not a multiple of \(per) (its zeros pack \(per) to a word)")
                }
                try expect(scalesInfo, [groups, outputs])
                try expect(zerosInfo, [groups, outputs / per])
                if let g = named[base + ".g_idx"] {
                    guard let d = dtype(g), d == .i32 else { throw refuse("\(g.name) is \(g.storage.name); heft stats reads an I32 g_idx") }
                    try expect(g, [inputs])
                    groupsInfo = g
                }
            } else {
                guard bits == 4 else { throw refuse("AWQ packs 4-bit codes; this checkpoint says \(bits)") }
                guard packing.variant == nil || packing.variant == "gemm" else {
                    throw refuse("AWQ's \(packing.variant ?? "") layout is not decoded; heft stats decodes the GEMM layout")
                }
                // qweight [in, out / 8]; qzeros [groups, out / 8]; scales [groups, out].
                inputs = tensor.shape[0]
                outputs = tensor.shape[1] * per
                try expect(scalesInfo, [groups, outputs])
                try expect(zerosInfo, [groups, outputs / per])
            }
            // Without g_idx each group is `size` consecutive input rows: the stated group size (−1: one group), or
            // the inputs shared out evenly.
            var size = inputs
            if groupsInfo == nil {
                if let stated = packing.groupSize, stated > 0 {
                    size = stated
                } else if packing.groupSize == nil {
                    size = (inputs + groups - 1) / groups
                }
                guard size > 0, (inputs + size - 1) / size == groups else {
                    throw refuse(
                        "\(scalesInfo.name) has \(groups) groups, where \(inputs) input rows in groups of \(size) need \((inputs + size - 1) / Swift.max(size, 1))"
                    )
                }
            }
            let groupSpan = try groupsInfo.map { (g) throws(Refusal) in try open(g) }
            if let groupSpan {
                // Every row's group must be one of the scales' rows.
                var bad: (Int, Int32)?
                groupSpan.withUnsafeBytes { raw in
                    for i in 0..<inputs {
                        let g = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
                        if g < 0 || Int(g) >= groups {
                            bad = (i, g)
                            break
                        }
                    }
                }
                if let (i, g) = bad { throw refuse("\(base).g_idx[\(i)] is \(g), outside the \(groups) groups of \(scalesInfo.name)") }
            }
            let zeroOffset = packing.method == .gptq && packing.variant != "gptq_v2" ? 1 : 0
            let parts = [tensor, zerosInfo, scalesInfo] + (groupsInfo.map { [$0] } ?? [])
            return PackedWeight(
                method: packing.method, bits: bits, rows: inputs, columns: outputs, groupSize: size, zeroOffset: zeroOffset, scaleType: type,
                codes: try open(tensor), zeros: try open(zerosInfo), scales: try open(scalesInfo), biases: nil, groups: groupSpan,
                shape: [outputs, inputs], byteCount: parts.reduce(0) { $0 + $1.byteCount })
        case .mlx:
            // weight [..., out, in / per]; scales and biases [..., out, in / group].
            let suffix = ".weight"
            guard name.hasSuffix(suffix), tensor.shape.count >= 2 else { throw refuse("not a packed weight of 2 or more dimensions") }
            let base = String(name.dropLast(suffix.count))
            let scalesInfo = try companion(".scales", of: base), biasesInfo = try companion(".biases", of: base)
            let type = try scaleType(scalesInfo)
            guard biasesInfo.storage == scalesInfo.storage else {
                throw refuse("\(biasesInfo.name) is \(biasesInfo.storage.name), its scales \(scalesInfo.storage.name)")
            }
            let leading = Array(tensor.shape.dropLast()), words = tensor.shape[tensor.shape.count - 1]
            guard scalesInfo.shape.count == tensor.shape.count, Array(scalesInfo.shape.dropLast()) == leading,
                let groupCount = scalesInfo.shape.last, groupCount > 0
            else {
                throw refuse(
                    "\(scalesInfo.name) has shape [\(scalesInfo.shape.map(String.init).joined(separator: ", "))], which does not group the rows of \(name)"
                )
            }
            try expect(biasesInfo, scalesInfo.shape)
            // A layer may be quantized with other bits than the config's default (MLX's mixed recipes): with the
            // group size stated, the shapes tell its bits (32 · words = bits · groups · size).
            var bits = packing.bits
            if let size = packing.groupSize, size > 0 {
                guard (32 * words) % (groupCount * size) == 0 else {
                    throw refuse(
                        "\(scalesInfo.name) has \(groupCount) groups a row, which no whole number of bits fits to \(words) words in groups of \(size)"
                    )
                }
                bits = 32 * words / (groupCount * size)
            }
            bits = try checked(bits)
            let columns = words * (32 / bits)
            guard columns % groupCount == 0 else {
                throw refuse("\(scalesInfo.name) has \(groupCount) groups a row, which do not divide the \(columns) columns of \(name)")
            }
            let size = columns / groupCount
            let rows = leading.reduce(1, *)
            return PackedWeight(
                method: .mlx, bits: bits, rows: rows, columns: columns, groupSize: size, zeroOffset: 0, scaleType: type,
                codes: try open(tensor), zeros: nil, scales: try open(scalesInfo), biases: try open(biasesInfo), groups: nil,
                shape: leading + [columns], byteCount: tensor.byteCount + scalesInfo.byteCount + biasesInfo.byteCount)
        default:
            throw refuse("heft stats decodes GPTQ, AWQ and MLX codes")
        }
    }
}
