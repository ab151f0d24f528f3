import HeftFormats
import HeftKernels

/// A weight stored as codes beside their scales, which `heft stats` decodes to the values the checkpoint stands for:
///
/// - GPTQ (`qweight`, 2, 3, 4 or 8 bits): scale · (code − (stored zero + 1)); the `gptq_v2` checkpoint format stores
///   the zero itself.
/// - AWQ (`qweight`, GEMM layout): scale · (code − zero).
/// - MLX (affine, packed `weight`, 2 to 6 or 8 bits): scale · code + bias; its floating-point modes (mxfp4, nvfp4,
///   mxfp8): the E2M1 or E4M3 code's value · the group's E8M0 or E4M3 scale byte's.
/// - compressed-tensors' pack-quantized (`weight_packed`): scale · (code − zero), codes and zeros stored with
///   2^(bits − 1) added.
/// - NVFP4 (ModelOpt's `weight`, compressed-tensors' `weight_packed`): E2M1 code · (E4M3 group scale × or ÷ the
///   tensor's scale); gpt-oss's MXFP4 blocks: E2M1 code · 2^(scale − 127).
/// - 8-bit weights (int8, FP8) with a `weight_scale` or `weight_scale_inv` beside them (compressed-tensors,
///   DeepSeek-style FP8 blocks): code · scale, per tensor, row, group or block.
///
/// With half-precision or bfloat16 scales the GPTQ, AWQ and compressed-tensors products are exact in float32 (a code
/// difference of at most 9 bits times a scale of 11 or 8 significant bits); MLX's bias is added with one rounding,
/// and float32 scales round the product. Engines compute in half precision and round them to 16 bits.
struct PackedWeight: Sendable {
    enum Layout: Sendable { case gptq, awq, mlx, mlxFloat, scaled, compressed, bnb4 }

    let layout: Layout
    /// What the report calls these weights, e.g. "GPTQ 4-bit codes".
    let label: String
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
    /// `.scaled`: the codes' ggml type (I8, or the F8 types), the rows sharing a scale, and the scales in a row of
    /// blocks (0: one scale for the tensor).
    var codeType: Int32 = 0
    var blockRows = 1
    var scaleColumns = 0
    /// `.compressed`: how zero points are stored (0 none, 1 packed down the rows, 2 int8); `.bnb4`: 1 with double
    /// quantization; `.mlxFloat`: how NVFP4's tensor scale (`postScale`) joins each group's (1 times, 2 divided by).
    var zeroLayout: Int32 = 0
    /// `.bnb4`: added to each doubly quantized absmax. `.scaled`: a factor after the scale (bitsandbytes int8).
    /// `.mlxFloat`: NVFP4's tensor scale (ModelOpt's weight_scale_2, compressed-tensors' weight_global_scale).
    var offset: Float = 0
    var postScale: Float = 0
    /// The weight's shape as PyTorch holds it ([out, in], with any leading dimensions).
    let shape: [Int]
    /// Bytes read: the codes and every tensor decoded with them.
    let byteCount: Int

    var elementCount: Int { rows * columns }

    /// A one-line description of the rule, for the report.
    var rule: String {
        switch layout {
        case .gptq: zeroOffset == 1 ? "scale × (code − (stored zero + 1))" : "scale × (code − zero)"
        case .awq: "scale × (code − zero)"
        case .mlx: "scale × code + bias"
        case .mlxFloat:
            switch codeType {
            case 1:
                zeroLayout == 1
                    ? "E2M1 code × (E4M3 scale × weight_scale_2)"
                    : zeroLayout == 2 ? "E2M1 code × (E4M3 scale ÷ weight_global_scale)" : "E2M1 code × E4M3 scale"
            case 2: "E4M3 code × 2^(scale − 127)"
            default: "E2M1 code × 2^(scale − 127)"
            }
        case .compressed: "scale × (code − zero)"
        case .bnb4: "table[code] × block absmax"
        case .scaled: "code × scale"
        }
    }

    /// How exact the decoded values are.
    var precision: String {
        switch layout {
        case .scaled, .bnb4: "a float32 product"
        case .mlxFloat: zeroLayout == 0 ? "exact in float32" : "the group's scale and the product each rounded once to float32"
        case .mlx: "rounded once to float32"
        default: scaleType == .f32 ? "a float32 product" : "exact in float32"
        }
    }

    /// `heft_packed.method` for the layout.
    private var method: Int32 {
        switch layout {
        case .gptq: Int32(HEFT_PACKED_GPTQ)
        case .awq: Int32(HEFT_PACKED_AWQ)
        case .mlx: Int32(HEFT_PACKED_MLX)
        case .mlxFloat: Int32(HEFT_PACKED_MLX_FP)
        case .scaled: Int32(HEFT_PACKED_SCALED)
        case .compressed: Int32(HEFT_PACKED_COMPRESSED)
        case .bnb4: Int32(HEFT_PACKED_BNB4)
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
                                method: method,
                                bits: Int32(bits), scale_type: Int32(scaleType.id), zero_offset: Int32(zeroOffset),
                                rows: rows, columns: columns, group_size: groupSize,
                                codes: c.baseAddress?.assumingMemoryBound(to: UInt32.self),
                                zeros: z?.baseAddress?.assumingMemoryBound(to: UInt32.self), scales: s.baseAddress,
                                biases: b?.baseAddress, groups: g?.baseAddress?.assumingMemoryBound(to: Int32.self), code_type: codeType,
                                block_rows: blockRows, scale_columns: scaleColumns, zero_layout: zeroLayout, offset: offset,
                                post_scale: postScale)
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

    /// ⌈a / b⌉ for a ≥ 0, b > 0, without the overflow of (a + b − 1) / b (a group size from a config can be 2⁶³ − 1).
    static func ceilDiv(_ a: Int, _ b: Int) -> Int { a / b + (a % b == 0 ? 0 : 1) }

    /// Why a packed tensor is not decoded: the report lists it as not scanned with this reason.
    struct Refusal: Error {
        let reason: String
    }

    static func refuse(_ reason: String) -> Refusal { Refusal(reason: reason) }

    /// A shape as the reasons print it: [4096, 512].
    static func dims(_ shape: [Int]) -> String { "[\(shape.map(String.init).joined(separator: ", "))]" }

    /// The bytes of `t`, or a refusal naming it and the rule its span broke.
    static func open(_ t: TensorInfo, _ span: (TensorInfo) throws(FormatError) -> TensorSpan) throws(Refusal) -> TensorSpan {
        do throws(FormatError) { return try span(t) } catch { throw refuse("\(t.name): \(error.detail)") }
    }

    /// The type of a tensor of scales: F16, BF16 or F32.
    static func scaleType(_ t: TensorInfo) throws(Refusal) -> GGMLType {
        switch t.storage {
        case .safetensors(.f16): return .f16
        case .safetensors(.f32): return .f32
        case .safetensors(.bf16): if let b = GGMLType.named("BF16") { return b }
        default: break
        }
        throw refuse("\(t.name) is \(t.storage.name); scales must be F16, BF16 or F32")
    }

    /// The packed weight whose codes are `tensor`, with the tensors stored beside it (`named`), or why it cannot
    /// be decoded: a layout heft does not decode, or companions whose shapes or types break the format's rules.
    static func make(
        _ tensor: TensorInfo, packing: QuantizationPacking, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        let bytes = tensor.storage == .safetensors(.u8)
        switch packing.method {
        case .bitsandbytes: return try bnb4(tensor, named: named, span: span)
        case .mxfp4: return try blocksMXFP4(tensor, named: named, span: span)
        case .modelopt where bytes, .compressedTensors where bytes: return try nvfp4(tensor, packing: packing, named: named, span: span)
        case .gptq, .awq: return try gptqAWQ(tensor, packing: packing, named: named, span: span)
        case .mlx: return try mlx(tensor, packing: packing, named: named, span: span)
        case .compressedTensors: return try compressed(tensor, packing: packing, named: named, span: span)
        case .exl2: throw refuse("EXL2 packs each group of rows at its own width (2 to 8 bits, q_groups); heft stats does not decode it")
        default: throw refuse("\(packing.displayName) codes are not decoded")
        }
    }

    /// `t` holds 32-bit words of packed codes (or zeros), or the refusal says what it holds instead.
    static func requireWords(_ t: TensorInfo) throws(Refusal) {
        guard t.storage == .safetensors(.i32) || t.storage == .safetensors(.u32) else {
            throw refuse("\(t.name) is \(t.storage.name); packed codes and zeros are 32-bit integers")
        }
    }

    /// GPTQ's or AWQ's `qweight` with its `qzeros`, `scales` and (GPTQ) `g_idx`.
    private static func gptqAWQ(
        _ tensor: TensorInfo, packing: QuantizationPacking, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        let name = tensor.name
        func open(_ t: TensorInfo) throws(Refusal) -> TensorSpan { try Self.open(t, span) }
        func companion(_ suffix: String, of base: String) throws(Refusal) -> TensorInfo {
            guard let t = named[base + suffix] else { throw refuse("its \(suffix.dropFirst()) tensor (\(base + suffix)) is missing") }
            return t
        }
        func expect(_ t: TensorInfo, _ shape: [Int]) throws(Refusal) {
            guard t.shape == shape else { throw refuse("\(t.name) has shape \(dims(t.shape)), where \(name) needs \(dims(shape))") }
        }
        try requireWords(tensor)
        let suffix = ".qweight"
        guard name.hasSuffix(suffix), tensor.shape.count == 2 else { throw refuse("not a 2-D qweight") }
        let bits = packing.bits
        guard [2, 3, 4, 8].contains(bits) else {
            throw refuse("\(bits)-bit codes are not decoded (heft stats decodes 2-, 3-, 4- and 8-bit codes)")
        }
        let per = 32 / bits
        let base = String(name.dropLast(suffix.count))
        let zerosInfo = try companion(".qzeros", of: base), scalesInfo = try companion(".scales", of: base)
        try requireWords(zerosInfo)
        let type = try scaleType(scalesInfo)
        guard scalesInfo.shape.count == 2, scalesInfo.shape[0] > 0 else { throw refuse("\(scalesInfo.name) is not a 2-D matrix of groups") }
        let groups = scalesInfo.shape[0]
        var groupsInfo: TensorInfo?
        let inputs: Int, outputs: Int
        if packing.method == .gptq {
            // qweight [in · bits / 32, out]; qzeros [groups, out · bits / 32]; scales [groups, out]; g_idx [in]. 3-bit
            // codes run on from word to word: 32 of them in 3 words.
            guard let packedBits = Checked.multiply(tensor.shape[0], 32), packedBits % bits == 0 else {
                throw refuse("\(tensor.shape[0]) rows of \(bits)-bit codes are not whole groups of 32 codes")
            }
            inputs = packedBits / bits
            outputs = tensor.shape[1]
            guard let zeroBits = Checked.multiply(outputs, bits), zeroBits % 32 == 0 else {
                throw refuse("\(outputs) output columns of \(bits)-bit zeros do not fill whole 32-bit words")
            }
            try expect(scalesInfo, [groups, outputs])
            try expect(zerosInfo, [groups, zeroBits / 32])
            if let g = named[base + ".g_idx"] {
                guard g.storage == .safetensors(.i32) else { throw refuse("\(g.name) is \(g.storage.name); heft stats reads an I32 g_idx") }
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
            guard let columns = Checked.multiply(tensor.shape[1], per) else { throw refuse("\(name) \(dims(tensor.shape)) is too large") }
            outputs = columns
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
                size = ceilDiv(inputs, groups)
            }
            guard size > 0, ceilDiv(inputs, size) == groups else {
                throw refuse(
                    "\(scalesInfo.name) has \(groups) groups, where \(inputs) input rows in groups of \(size) need \(ceilDiv(inputs, Swift.max(size, 1)))"
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
            layout: packing.method == .gptq ? .gptq : .awq, label: "\(packing.displayName) \(bits)-bit codes", bits: bits,
            rows: inputs, columns: outputs, groupSize: size, zeroOffset: zeroOffset, scaleType: type,
            codes: try open(tensor), zeros: try open(zerosInfo), scales: try open(scalesInfo), biases: nil, groups: groupSpan,
            shape: [outputs, inputs], byteCount: parts.reduce(0) { $0 + $1.byteCount })
    }

    /// An MLX packed `weight` [..., out, in · bits / 32] with its `scales` [..., out, in / group] (and, affine, its
    /// `biases`): the layer's own entry in the config, else the checkpoint's mode, group size and bits; with the group
    /// size known the shapes tell the bits (32 · words = bits · groups · size).
    static func mlx(
        _ tensor: TensorInfo, packing: QuantizationPacking, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        try requireWords(tensor)
        let name = tensor.name, suffix = ".weight"
        guard name.hasSuffix(suffix), tensor.shape.count >= 2 else { throw refuse("not a packed weight of 2 or more dimensions") }
        let base = String(name.dropLast(suffix.count))
        let rule = packing.rule(forModule: base)
        let mode = rule?.mode ?? packing.mode
        guard let scalesInfo = named[base + ".scales"] else { throw refuse("its scales tensor (\(base).scales) is missing") }
        let leading = Array(tensor.shape.dropLast()), words = tensor.shape[tensor.shape.count - 1]
        guard scalesInfo.shape.count == tensor.shape.count, Array(scalesInfo.shape.dropLast()) == leading,
            let groupCount = scalesInfo.shape.last, groupCount > 0
        else {
            throw refuse("\(scalesInfo.name) has shape \(dims(scalesInfo.shape)), which does not group the rows of \(name)")
        }
        var bits = rule?.bits ?? packing.bits
        if let size = rule?.groupSize ?? packing.groupSize, size > 0 {
            guard let product = Checked.multiply(groupCount, size), let packedBits = Checked.multiply(words, 32), product > 0,
                packedBits % product == 0
            else {
                throw refuse(
                    "\(scalesInfo.name) has \(groupCount) groups a row, which no whole number of bits fits to \(words) words in groups of \(size)"
                )
            }
            bits = packedBits / product
        }
        let allowed: [Int], codeType: Int32
        switch mode {
        case .affine: (allowed, codeType) = ([2, 3, 4, 5, 6, 8], 0)
        case .mxfp4: (allowed, codeType) = ([4], 0)
        case .nvfp4: (allowed, codeType) = ([4], 1)
        case .mxfp8: (allowed, codeType) = ([8], 2)
        case .other(let other): throw refuse("MLX's \(other) mode is not decoded (heft stats decodes affine, mxfp4, nvfp4 and mxfp8)")
        }
        guard allowed.contains(bits) else {
            throw refuse(
                "MLX \(mode.name) codes of \(bits) bits are not decoded (\(mode.name): \(allowed.map(String.init).joined(separator: ", ")) bits)")
        }
        guard let columns = Checked.multiply(words, 32).map({ $0 / bits }), columns * bits == words * 32, columns % groupCount == 0 else {
            throw refuse("\(scalesInfo.name) has \(groupCount) groups a row, which do not divide the \(words) words of \(bits)-bit codes of \(name)")
        }
        let size = columns / groupCount, rows = leading.reduce(1, *)
        // MLX's floating-point modes have one group size each (its fp_dequantize refuses others, and its CPU kernel
        // reads the scale byte as E4M3 or E8M0 by the group size).
        guard mode == .affine || size == mode.defaults.groupSize else {
            throw refuse("MLX \(mode.name) groups are \(mode.defaults.groupSize) values; \(name) has groups of \(size)")
        }
        if mode != .affine {
            // One scale byte a group: E8M0 (mxfp4, mxfp8) or E4M3 (nvfp4); no biases.
            guard scalesInfo.storage == .safetensors(.u8) else {
                throw refuse("\(scalesInfo.name) is \(scalesInfo.storage.name); MLX \(mode.name) scales are one byte (U8) a group")
            }
            let label = "MLX \(mode.name) codes"
            return PackedWeight(
                layout: .mlxFloat, label: label, bits: bits, rows: rows, columns: columns, groupSize: size, zeroOffset: 0,
                scaleType: .f32, codes: try open(tensor, span), zeros: nil, scales: try open(scalesInfo, span), biases: nil, groups: nil,
                codeType: codeType, shape: leading + [columns], byteCount: tensor.byteCount + scalesInfo.byteCount)
        }
        guard let biasesInfo = named[base + ".biases"] else { throw refuse("its biases tensor (\(base).biases) is missing") }
        let type = try scaleType(scalesInfo)
        guard biasesInfo.storage == scalesInfo.storage else {
            throw refuse("\(biasesInfo.name) is \(biasesInfo.storage.name), its scales \(scalesInfo.storage.name)")
        }
        guard biasesInfo.shape == scalesInfo.shape else {
            throw refuse("\(biasesInfo.name) has shape \(dims(biasesInfo.shape)), where \(name) needs \(dims(scalesInfo.shape))")
        }
        return PackedWeight(
            layout: .mlx, label: "MLX \(bits)-bit codes", bits: bits, rows: rows, columns: columns, groupSize: size, zeroOffset: 0,
            scaleType: type, codes: try open(tensor, span), zeros: nil, scales: try open(scalesInfo, span),
            biases: try open(biasesInfo, span), groups: nil,
            shape: leading + [columns], byteCount: tensor.byteCount + scalesInfo.byteCount + biasesInfo.byteCount)
    }

    /// gpt-oss's MXFP4 expert matrices (`quant_method` "mxfp4"): `NAME_blocks` [..., groups, 16] bytes, two E2M1 codes
    /// a byte (the low nibble first), and `NAME_scales` [..., groups], an E8M0 exponent a group of 32; value =
    /// code's value · 2^(scale − 127), as transformers' `convert_moe_packed_tensors` computes it (exact in float32).
    /// The bytes lie as MLX's mxfp4 words do: one row of groups · 32 values for each of the leading indices; the
    /// shape reported is transformers' ([experts, in, out]: it transposes the last two after decoding).
    static func blocksMXFP4(
        _ tensor: TensorInfo, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        let suffix = "_blocks"
        guard tensor.name.hasSuffix(suffix), tensor.storage == .safetensors(.u8), tensor.shape.count >= 3, tensor.shape.last == 16 else {
            throw refuse("MXFP4 blocks are U8 [..., rows, groups, 16]; \(tensor.name) is \(tensor.storage.name) \(dims(tensor.shape))")
        }
        let base = String(tensor.name.dropLast(suffix.count))
        guard let scalesInfo = named[base + "_scales"] else { throw refuse("its scales tensor (\(base)_scales) is missing") }
        let groupsShape = Array(tensor.shape.dropLast())
        guard scalesInfo.storage == .safetensors(.u8), scalesInfo.shape == groupsShape else {
            throw refuse(
                "\(scalesInfo.name) is \(scalesInfo.storage.name) \(dims(scalesInfo.shape)), where \(tensor.name) needs U8 \(dims(groupsShape))")
        }
        let groups = groupsShape[groupsShape.count - 1], rows = groupsShape.dropLast().reduce(1, *)
        guard groups > 0, rows > 0 else { throw refuse("\(tensor.name) \(dims(tensor.shape)) holds no values") }
        return PackedWeight(
            layout: .mlxFloat, label: "MXFP4 blocks", bits: 4, rows: rows, columns: groups * 32, groupSize: 32, zeroOffset: 0,
            scaleType: .f32, codes: try open(tensor, span), zeros: nil, scales: try open(scalesInfo, span), biases: nil, groups: nil,
            codeType: 0, shape: Array(groupsShape.dropLast(2)) + [groups * 32] + groupsShape.suffix(2).prefix(1),
            byteCount: tensor.byteCount + scalesInfo.byteCount)
    }

    /// NVFP4 weights: bytes of two E2M1 codes [rows, columns / 2] (the low nibble first), an E4M3 scale a group of 16
    /// columns [rows, columns / 16] and one float32 scale for the tensor. ModelOpt's `weight` with `weight_scale` and
    /// `weight_scale_2`: value = code × (scale × scale_2), as its NVFP4QTensor.dequantize computes it;
    /// compressed-tensors' `weight_packed` with `weight_scale` and `weight_global_scale`: value = code × (scale ÷
    /// global scale), as its `_dequantize` does (both in float32, before their cast to the model's dtype).
    static func nvfp4(
        _ tensor: TensorInfo, packing: QuantizationPacking, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        let modelopt = packing.method == .modelopt, suffix = modelopt ? ".weight" : ".weight_packed"
        guard tensor.name.hasSuffix(suffix), tensor.shape.count == 2, tensor.shape[0] > 0, tensor.shape[1] > 0 else {
            throw refuse("NVFP4 codes are a 2-D \(suffix.dropFirst()) of bytes; \(tensor.name) is \(dims(tensor.shape))")
        }
        let base = String(tensor.name.dropLast(suffix.count)) + ".weight"
        let secondName = base + (modelopt ? "_scale_2" : "_global_scale")
        guard let scalesInfo = named[base + "_scale"] else { throw refuse("its scales (\(base)_scale) are missing") }
        guard let secondInfo = named[secondName] else { throw refuse("its tensor scale (\(secondName)) is missing") }
        let rows = tensor.shape[0], columns = tensor.shape[1] * 2
        guard columns % 16 == 0, scalesInfo.storage == .safetensors(.f8e4m3), scalesInfo.shape == [rows, columns / 16] else {
            throw refuse(
                "\(scalesInfo.name) is \(scalesInfo.storage.name) \(dims(scalesInfo.shape)), where \(columns) columns need F8_E4M3 [\(rows), \(columns / 16)]"
            )
        }
        guard secondInfo.storage == .safetensors(.f32), secondInfo.elementCount == 1 else {
            throw refuse("\(secondName) is \(secondInfo.storage.name) \(dims(secondInfo.shape)); it should be one float32")
        }
        let second = try open(secondInfo, span).withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        guard second.isFinite, modelopt || second != 0 else { throw refuse("\(secondName) is \(second), which scales no value") }
        return PackedWeight(
            layout: .mlxFloat, label: "NVFP4 codes (\(packing.displayName))", bits: 4, rows: rows, columns: columns, groupSize: 16,
            zeroOffset: 0, scaleType: .f32, codes: try open(tensor, span), zeros: nil, scales: try open(scalesInfo, span), biases: nil,
            groups: nil, codeType: 1, zeroLayout: modelopt ? 1 : 2, postScale: second, shape: [rows, columns],
            byteCount: tensor.byteCount + scalesInfo.byteCount + secondInfo.byteCount)
    }

    /// The 8-bit weight `tensor` (int8, F8 E4M3 or E5M2) decoded with the scales stored beside it
    /// (`NAME_scale`, or `NAME_scale_inv` as DeepSeek's FP8 checkpoints name theirs); nil when it has none. The
    /// scales' shape says their reach: one ([], [1], [1, 1]), one a row ([out] or [out, 1]), groups of a row
    /// ([out, groups]) or blocks ([ceil(out / 128), ceil(in / 128)] for `_scale_inv`).
    static func scaled(
        _ tensor: TensorInfo, packing: QuantizationPacking?, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight? {
        guard case .safetensors(let dtype) = tensor.storage, [.i8, .f8e4m3, .f8e5m2].contains(dtype) else { return nil }
        if dtype == .i8, tensor.name.hasSuffix(".weight"), let scb = named[String(tensor.name.dropLast("weight".count)) + "SCB"] {
            // bitsandbytes' LLM.int8(): each row's absolute maximum beside the codes; value = (code × SCB) ×
            // float32(1 / 127), as its int8_vectorwise_dequant computes it.
            let columns = tensor.shape.last ?? 0, rows = tensor.elementCount / Swift.max(1, columns)
            guard tensor.shape.count == 2, scb.storage == .safetensors(.f32), scb.elementCount == rows else {
                throw Refusal(
                    reason:
                        "\(scb.name) is \(scb.storage.name) \(dims(scb.shape)), where \(tensor.name)'s rows need float32 [\(rows)]"
                )
            }
            let codes = try open(tensor, span), scales = try open(scb, span)
            return PackedWeight(
                layout: .scaled, label: "bitsandbytes int8 weights with row scales (SCB / 127)", bits: 8, rows: rows, columns: columns,
                groupSize: columns, zeroOffset: 0, scaleType: .f32, codes: codes, zeros: nil, scales: scales, biases: nil, groups: nil,
                codeType: 24, blockRows: 1, scaleColumns: 1, postScale: 7.874015718698502e-3, shape: tensor.shape,
                byteCount: tensor.byteCount + scb.byteCount)
        }
        let blockwise = named[tensor.name + "_scale_inv"]
        guard let scalesInfo = named[tensor.name + "_scale"] ?? blockwise else { return nil }
        if let zero = named[tensor.name + "_zero_point"] { throw refuse("its zero points (\(zero.name)) are not applied by heft stats") }
        guard tensor.shape.count >= 2 else { throw refuse("a scaled weight of \(tensor.shape.count) dimension(s); heft stats decodes matrices") }
        let columns = tensor.shape[tensor.shape.count - 1], rows = tensor.elementCount / Swift.max(1, columns)
        let type = try scaleType(scalesInfo)
        let scaleShape = scalesInfo.shape
        let described = dims(scaleShape)
        var blockRows = rows, groupSize = columns, scaleColumns = 0, reach: String
        if scalesInfo.elementCount == 1 {
            reach = "one scale"
        } else if blockwise != nil {
            // DeepSeek's FP8: blocks of 128 × 128 (weight_block_size), the last ones cut short.
            guard scaleShape.count == 2, tensor.shape.count == 2, scaleShape[0] == ceilDiv(rows, 128), scaleShape[1] == ceilDiv(columns, 128) else {
                throw refuse("\(scalesInfo.name) has shape \(described), which does not cover \(tensor.name) in blocks of 128 × 128")
            }
            (blockRows, groupSize, scaleColumns, reach) = (128, 128, scaleShape[1], "128 × 128-block scales")
        } else if scalesInfo.elementCount == rows, scaleShape.first == rows || rows == 1 {
            (blockRows, scaleColumns, reach) = (1, 1, "a scale per row")
        } else if scaleShape.count == 2, scaleShape[0] == rows, scaleShape[1] > 1 {
            let groups = scaleShape[1]
            let size =
                packing?.groupSize.flatMap { $0 > 0 && ceilDiv(columns, $0) == groups ? $0 : nil }
                ?? (columns % groups == 0 ? columns / groups : 0)
            guard size > 0 else {
                throw refuse("\(scalesInfo.name) has \(groups) groups a row, which do not divide the \(columns) columns of \(tensor.name)")
            }
            (blockRows, groupSize, scaleColumns, reach) = (1, size, groups, "scales per \(size) columns")
        } else {
            throw refuse(
                "\(scalesInfo.name) has shape \(described), which matches no scale layout of \(tensor.name) \(dims(tensor.shape))"
            )
        }
        let codeType: Int32 = dtype == .i8 ? 24 : dtype == .f8e4m3 ? Int32(HEFT_TYPE_F8_E4M3) : Int32(HEFT_TYPE_F8_E5M2)
        let codes = try open(tensor, span), scales = try open(scalesInfo, span)
        return PackedWeight(
            layout: .scaled, label: "\(tensor.storage.name) weights with \(reach)", bits: 8, rows: rows, columns: columns, groupSize: groupSize,
            zeroOffset: 0, scaleType: type, codes: codes, zeros: nil, scales: scales, biases: nil, groups: nil, codeType: codeType,
            blockRows: blockRows, scaleColumns: scaleColumns, shape: tensor.shape, byteCount: tensor.byteCount + scalesInfo.byteCount)
    }

    /// compressed-tensors' pack-quantized weight (`NAME_packed`, as llm-compressor writes W4A16 and W8A16): codes
    /// packed along the rows of [out, ceil(in / (32 / bits))] int32, the true shape in `NAME_shape`, scales one
    /// ([1]), one a row ([out, 1]) or per group ([out, groups]), the group of column j being j / group size or
    /// `NAME_g_idx`[j] (act-order), and zero points none (symmetric), packed down the rows (int32), or int8.
    private static func compressed(
        _ tensor: TensorInfo, packing: QuantizationPacking, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        func open(_ t: TensorInfo) throws(Refusal) -> TensorSpan { try Self.open(t, span) }
        try requireWords(tensor)
        let suffix = "_packed"
        guard tensor.name.hasSuffix(suffix), tensor.shape.count == 2 else { throw refuse("not a 2-D weight_packed") }
        let base = String(tensor.name.dropLast(suffix.count))
        guard let scalesInfo = named[base + "_scale"] else { throw refuse("its scales (\(base)_scale) are missing") }
        let type = try scaleType(scalesInfo)
        let rows = tensor.shape[0], words = tensor.shape[1]
        // The true columns, from NAME_shape (int64 or int32 [out, in]); without it, every packed column is a value.
        let rule = packing.rule(forModule: String(base.dropLast(".weight".count)))
        let claimed = rule?.bits ?? packing.bits
        guard (1...32).contains(claimed), let packedBits = Checked.multiply(words, 32), let packedCodes = Checked.multiply(words, 16) else {
            throw refuse("\(claimed)-bit codes in \(dims(tensor.shape)) words are not decoded")
        }
        var columns = packedBits / claimed
        if let shapeInfo = named[base + "_shape"] {
            guard shapeInfo.elementCount == 2, case .safetensors(let d) = shapeInfo.storage, d == .i64 || d == .i32 else {
                throw refuse("\(shapeInfo.name) is \(shapeInfo.storage.name) \(dims(shapeInfo.shape)); it should hold [out, in] as integers")
            }
            let stored = try open(shapeInfo)
            let values: [Int] = stored.withUnsafeBytes { raw in
                (0..<2).map {
                    d == .i64
                        ? Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)))
                        : Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)))
                }
            }
            guard values[0] == rows, values[1] > 0, values[1] <= packedCodes else {
                throw refuse("\(shapeInfo.name) says \(dims(values)), which \(tensor.name) \(dims(tensor.shape)) cannot hold")
            }
            columns = values[1]
        }
        // The bits: the layer's config group's, or (a layer no group names) the ones that fill its words.
        var bits = claimed
        if rule == nil, (columns * bits + 31) / 32 != words, let fitting = [4, 8, 2].first(where: { (columns * $0 + 31) / 32 == words }) {
            bits = fitting
        }
        // compressed-tensors' pack_to_int32 puts 32 / bits whole codes in a word, the last one padded: at 3, 5 or 6
        // bits a row's codes do not fill its words, and only the weight_shape tensor's data tells the columns.
        guard [2, 4, 8].contains(bits) else {
            throw refuse("\(bits)-bit codes are not decoded (heft stats decodes 2-, 4- and 8-bit compressed-tensors codes)")
        }
        let per = 32 / bits
        guard (columns + per - 1) / per == words else {
            throw refuse("\(tensor.name) has \(words) words a row, where \(columns) columns of \(bits)-bit codes need \((columns + per - 1) / per)")
        }
        // Scales: one, one a row, or groups of columns.
        var scaleColumns = 0, groupSize = columns
        if scalesInfo.elementCount == 1 {
            scaleColumns = 0
        } else if scalesInfo.shape.count == 2, scalesInfo.shape[0] == rows, scalesInfo.shape[1] >= 1 {
            scaleColumns = scalesInfo.shape[1]
            if scaleColumns > 1 {
                if let stated = rule?.groupSize ?? packing.groupSize, stated > 0, ceilDiv(columns, stated) == scaleColumns {
                    groupSize = stated
                } else if columns % scaleColumns == 0 {
                    groupSize = columns / scaleColumns
                } else {
                    throw refuse("\(scalesInfo.name) has \(scaleColumns) groups a row, which do not divide the \(columns) columns of \(tensor.name)")
                }
            }
        } else {
            throw refuse("\(scalesInfo.name) has shape \(dims(scalesInfo.shape)), which matches no scale layout of \(tensor.name) (\(rows) rows)")
        }
        let groupCount = Swift.max(1, scaleColumns)
        // Zero points: none, int32 packed down the rows, or int8 (older files).
        var zeroLayout: Int32 = 0
        var zeros: TensorSpan?
        if let zeroInfo = named[base + "_zero_point"] {
            switch zeroInfo.storage {
            case .safetensors(.i32) where scaleColumns > 0 && zeroInfo.shape == [(rows + per - 1) / per, groupCount]:
                zeroLayout = 1
            case .safetensors(.i8) where zeroInfo.elementCount == Swift.max(1, rows * scaleColumns):
                zeroLayout = 2
            default:
                throw refuse(
                    scaleColumns == 0
                        ? "\(zeroInfo.name) is \(zeroInfo.storage.name) \(dims(zeroInfo.shape)); with one scale, the zero point is int8 [1]"
                        : "\(zeroInfo.name) is \(zeroInfo.storage.name) \(dims(zeroInfo.shape)); zero points are int32 packed down the rows \(dims([(rows + per - 1) / per, groupCount])) or int8 \(dims([rows, groupCount]))"
                )
            }
            zeros = try open(zeroInfo)
        }
        // Act-order: the group of each column; a g_idx of −1 everywhere means column order.
        var groups: TensorSpan?
        if let g = named[base + "_g_idx"] {
            guard case .safetensors(.i32) = g.storage, g.shape == [columns] else {
                throw refuse("\(g.name) is \(g.storage.name) \(dims(g.shape)); act-order groups are int32 [\(columns)]")
            }
            let stored = try open(g)
            var unset = 0
            var bad: (Int, Int32)?
            stored.withUnsafeBytes { raw in
                for j in 0..<columns {
                    let v = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * j, as: Int32.self))
                    if v == -1 {
                        unset += 1
                    } else if v < 0 || Int(v) >= groupCount {
                        bad = (j, v)
                        break
                    }
                }
            }
            if let (j, v) = bad { throw refuse("\(g.name)[\(j)] is \(v), outside the \(groupCount) groups of \(scalesInfo.name)") }
            if unset == 0 {
                groups = stored
            } else if unset != columns {
                throw refuse("\(g.name) sets the group of some columns and not of others (−1)")
            }
        }
        let parts = [tensor, scalesInfo] + [named[base + "_zero_point"], named[base + "_g_idx"], named[base + "_shape"]].compactMap { $0 }
        return PackedWeight(
            layout: .compressed, label: "compressed-tensors \(bits)-bit codes", bits: bits, rows: rows, columns: columns, groupSize: groupSize,
            zeroOffset: 1 << (bits - 1), scaleType: type, codes: try open(tensor), zeros: zeros, scales: try open(scalesInfo), biases: nil,
            groups: groups, scaleColumns: scaleColumns, zeroLayout: zeroLayout, shape: [rows, columns],
            byteCount: parts.reduce(0) { $0 + $1.byteCount })
    }

    /// bitsandbytes 4-bit (`NAME` as bytes of two codes, first in the high nibble; `NAME.absmax`, and with double
    /// quantization `NAME.nested_absmax` and `NAME.nested_quant_map`; the JSON of `NAME.quant_state.bitsandbytes__nf4`
    /// or `__fp4` with the quantization type, block size, shape and nested offset), as bitsandbytes writes it.
    private static func bnb4(
        _ tensor: TensorInfo, named: [String: TensorInfo], span: (TensorInfo) throws(FormatError) -> TensorSpan
    ) throws(Refusal) -> PackedWeight {
        func open(_ t: TensorInfo) throws(Refusal) -> TensorSpan { try Self.open(t, span) }
        let name = tensor.name
        guard let stateInfo = named[name + ".quant_state.bitsandbytes__nf4"] ?? named[name + ".quant_state.bitsandbytes__fp4"] else {
            throw refuse("its quantization state (\(name).quant_state.bitsandbytes__nf4 or __fp4) is missing")
        }
        guard stateInfo.elementCount <= 65_536 else {
            throw refuse("\(stateInfo.name) holds \(stateInfo.elementCount) bytes; a quantization state is a short JSON text")
        }
        let stateSpan = try open(stateInfo)
        let parsed: JSONValue
        do throws(FormatError) {
            parsed = try stateSpan.withUnsafeBytes { (raw) throws(FormatError) in try JSONParser.parse(raw) }
        } catch {
            throw refuse("\(stateInfo.name) is not JSON: \(error.detail)")
        }
        guard let state = parsed.objectValue else { throw refuse("\(stateInfo.name) is not a JSON object") }
        let type = state["quant_type"]?.stringValue
        guard type == "nf4" || type == "fp4", stateInfo.name.hasSuffix("__" + (type ?? "")) else {
            throw refuse("\(stateInfo.name) says quant_type \(type ?? "nothing"); heft stats decodes nf4 and fp4")
        }
        guard let size = state["blocksize"]?.numberValue?.int, size > 0, size <= 1 << 20 else {
            throw refuse("\(stateInfo.name) has no blocksize from 1 to 2^20")
        }
        let shape = (state["shape"]?.arrayValue ?? []).compactMap { $0.numberValue?.int }
        var count: Int? = shape.isEmpty ? nil : 1
        for d in shape { count = d > 0 ? count.flatMap { Checked.multiply($0, d) } : nil }
        guard let count, tensor.byteCount == count / 2 + count % 2 else {
            throw refuse(
                "\(stateInfo.name) gives shape \(dims(shape)), which \(tensor.byteCount) bytes of two codes each do not hold"
            )
        }
        let blocks = ceilDiv(count, size)
        guard let absmaxInfo = named[name + ".absmax"] else { throw refuse("its absmax (\(name).absmax) is missing") }
        var zeroLayout: Int32 = 0, offset: Float = 0, nestedSize = 1
        var nested: TensorSpan?, map: TensorSpan?
        var parts = [tensor, stateInfo, absmaxInfo]
        if let nestedBlocks = state["nested_blocksize"]?.numberValue?.int {
            // Double quantization: each absmax a byte, decoded through the nested map and absmaxes, plus the offset.
            guard nestedBlocks > 0, nestedBlocks <= 1 << 20, let nestedOffset = state["nested_offset"]?.numberValue?.double, nestedOffset.isFinite
            else {
                throw refuse("\(stateInfo.name) needs a nested_blocksize from 1 to 2^20 and a finite nested_offset")
            }
            guard absmaxInfo.storage == .safetensors(.u8), absmaxInfo.elementCount == blocks,
                let nestedInfo = named[name + ".nested_absmax"], nestedInfo.storage == .safetensors(.f32),
                nestedInfo.elementCount == ceilDiv(blocks, nestedBlocks),
                let mapInfo = named[name + ".nested_quant_map"], mapInfo.storage == .safetensors(.f32), mapInfo.elementCount == 256
            else {
                throw refuse(
                    "its doubly quantized absmax needs \(name).absmax U8 [\(blocks)], \(name).nested_absmax F32 [\(ceilDiv(blocks, nestedBlocks))] and \(name).nested_quant_map F32 [256]"
                )
            }
            (zeroLayout, offset, nestedSize) = (1, Float(nestedOffset), nestedBlocks)
            nested = try open(nestedInfo)
            map = try open(mapInfo)
            parts += [nestedInfo, mapInfo]
        } else {
            guard absmaxInfo.storage == .safetensors(.f32), absmaxInfo.elementCount == blocks else {
                throw refuse(
                    "\(absmaxInfo.name) is \(absmaxInfo.storage.name) \(dims(absmaxInfo.shape)), where \(count) values in blocks of \(size) need F32 [\(blocks)]"
                )
            }
        }
        let columns = shape[shape.count - 1]
        return PackedWeight(
            layout: .bnb4, label: "bitsandbytes \(type == "nf4" ? "NF4" : "FP4") codes\(zeroLayout == 1 ? " (double quantization)" : "")", bits: 4,
            rows: count / columns, columns: columns, groupSize: size, zeroOffset: 0, scaleType: .f32, codes: try open(tensor), zeros: nested,
            scales: try open(absmaxInfo), biases: map, groups: nil, codeType: type == "nf4" ? 0 : 1, blockRows: nestedSize,
            zeroLayout: zeroLayout, offset: offset, shape: shape, byteCount: parts.reduce(0) { $0 + $1.byteCount })
    }
}
