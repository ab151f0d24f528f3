public import HeftFormats

/// How a quantized safetensors checkpoint packs its weights, from `config.json`.
///
/// GPTQ and AWQ store 4-bit weights eight to an `int32` (`qweight`), compressed-tensors as `weight_packed`,
/// MLX as a `uint32` `weight` beside `scales` and `biases`. Counting packed elements would report a 314B model
/// as 89B; Heft counts `elements × 32 / bits` instead.
public struct QuantizationPacking: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable {
        case gptq, awq, compressedTensors = "compressed-tensors", mlx, bitsandbytes, fp8, mxfp4, modelopt, exl2, other
    }

    public let method: Method
    /// Bits per packed value (4 for most).
    public let bits: Int
    /// Elements sharing one scale, when stated.
    public let groupSize: Int?
    /// The layout within the method, when stated: GPTQ's `checkpoint_format` (`gptq`, whose stored zeros are one
    /// less than the zeros used, or `gptq_v2`), AWQ's `version` (`gemm`, `gemv`, …), compressed-tensors' `format`
    /// (`pack-quantized`, `nvfp4-pack-quantized`, …), ModelOpt's `quant_algo` (`nvfp4`, `fp8`, …).
    public let variant: String?
    /// compressed-tensors' `config_groups`: the layers each group's bits apply to (a mixed recipe quantizes some
    /// layers with other bits). Not part of the JSON answer.
    public var layers: [LayerRule] = []

    /// EXL2's average bits a weight (`bits` holds it rounded): its groups of rows each have their own width.
    public var averageBits: Double?

    /// The width as reports print it: "4-bit", "4-bit nvfp4" (a floating-point format: the same width holds other
    /// values than an integer code), or "4.65 bits on average" (EXL2).
    public var widthText: String {
        if let average = averageBits { return "\(average == average.rounded() ? String(Int(average)) : String(average)) bits on average" }
        if method == .exl2 { return "2 to 8 bits a group of rows" }
        return "\(bits)-bit" + (floatFormat.map { " \($0)" } ?? "")
    }

    /// The floating-point format of the codes, when the config names one: MLX's mode, compressed-tensors' NVFP4 or
    /// MXFP4 format, ModelOpt's algorithm. nil for integer codes (and for gpt-oss's MXFP4, which its method names).
    public var floatFormat: String? {
        switch method {
        case .mlx: return mode == .affine ? nil : mode.name
        case .compressedTensors: return ["nvfp4", "mxfp4"].first { variant?.hasPrefix($0) == true }
        case .modelopt: return variant
        default: return nil
        }
    }

    /// MLX's quantization modes: affine (scale · code + bias a group) or a floating-point format whose groups share one
    /// scale byte. `other` keeps a name MLX does not define.
    public var mode: Mode = .affine

    public struct LayerRule: Sendable, Hashable {
        /// Module names, `re:` regular expressions matched from the name's start, or `Linear` (every linear layer).
        public let targets: [String]
        public let bits: Int
        public let groupSize: Int?
        /// MLX: the layer's own mode (an entry that names none is affine, as MLX reads it).
        public var mode: Mode = .affine
    }

    public enum Mode: Sendable, Hashable {
        case affine, mxfp4, nvfp4, mxfp8
        case other(String)

        /// The mode a config entry names: affine when it names none (or null), `other` when it is not text.
        init(_ value: JSONValue?) {
            guard let value, value != .null else {
                self = .affine
                return
            }
            self.init(name: value.stringValue ?? "(not a string)")
        }

        init(name: String) {
            switch name {
            case "affine": self = .affine
            case "mxfp4": self = .mxfp4
            case "nvfp4": self = .nvfp4
            case "mxfp8": self = .mxfp8
            default: self = .other(name)
            }
        }

        public var name: String {
            switch self {
            case .affine: "affine"
            case .mxfp4: "mxfp4"
            case .nvfp4: "nvfp4"
            case .mxfp8: "mxfp8"
            case .other(let name): name
            }
        }

        /// The group size and bits MLX gives a layer of this mode when its entry leaves them out
        /// (`_defaults_for_mode` in mlx.nn).
        public var defaults: (groupSize: Int, bits: Int) {
            switch self {
            case .nvfp4: (16, 4)
            case .mxfp4: (32, 4)
            case .mxfp8: (32, 8)
            default: (64, 4)
            }
        }
    }

    enum CodingKeys: String, CodingKey { case method, bits, groupSize, variant, averageBits }

    public init(method: Method, bits: Int, groupSize: Int?, variant: String? = nil) {
        self.method = method
        self.bits = bits
        self.groupSize = groupSize
        self.variant = variant
    }

    /// The rule for the linear layer `module` (a weight's name without `.weight`), as compressed-tensors assigns
    /// config groups: a group naming the module exactly, else the first whose `re:` pattern matches it (Python's
    /// `re.match`: from the name's start), else the first targeting `Linear`; nil when none does. MLX's per-layer
    /// entries are exact names.
    public func rule(forModule module: String) -> LayerRule? {
        if let exact = layers.first(where: { $0.targets.contains(module) }) { return exact }
        let matched = layers.first { rule in
            rule.targets.contains { target in
                guard target.hasPrefix("re:"), let pattern = TargetPattern(String(target.dropFirst(3))) else { return false }
                return pattern.matches(module)
            }
        }
        return matched ?? layers.first { $0.targets.contains("Linear") }
    }

    /// The method's name as its authors write it: GPTQ, AWQ, MLX, compressed-tensors, bitsandbytes, FP8.
    public var displayName: String {
        switch method {
        case .gptq, .awq, .mlx, .fp8, .mxfp4, .exl2: method.rawValue.uppercased()
        case .modelopt: "ModelOpt"
        default: method.rawValue
        }
    }

    /// Bits of the packed codes of `module`: its config group's, or the checkpoint's.
    public func bits(forModule module: String) -> Int { rule(forModule: module)?.bits ?? bits }

    /// Reads `quantization_config` (Transformers) or `quantization` (MLX) from a config, or returns `nil`.
    public static func from(config: JSONObject) -> QuantizationPacking? {
        if let mlx = config["quantization"]?.objectValue {
            let mode = Mode(mlx["mode"])
            var packing = QuantizationPacking(
                method: .mlx,
                bits: mlx["bits"]?.numberValue?.int ?? mode.defaults.bits,
                groupSize: mlx["group_size"]?.numberValue?.int ?? (mode == .affine ? nil : mode.defaults.groupSize)
            )
            packing.mode = mode
            // mlx-lm's mixed recipes name each layer quantized otherwise: "model.layers.0.mlp.down_proj":
            // {"group_size": 64, "bits": 8}, or {"group_size": 32, "bits": 4, "mode": "mxfp4"}. MLX passes such an
            // entry alone to the layer: what it leaves out is the entry's mode's default, not the checkpoint's.
            for member in mlx.members {
                guard let layer = member.value.objectValue else { continue }
                let own = Mode(layer["mode"])
                guard layer["bits"] != nil || layer["group_size"] != nil || layer["mode"] != nil else { continue }
                var rule = LayerRule(
                    targets: [member.key], bits: layer["bits"]?.numberValue?.int ?? own.defaults.bits,
                    groupSize: layer["group_size"]?.numberValue?.int ?? own.defaults.groupSize)
                rule.mode = own
                packing.layers.append(rule)
            }
            return packing
        }
        guard let quantization = config["quantization_config"]?.objectValue else { return nil }
        let name = (quantization["quant_method"]?.stringValue ?? "").lowercased()
        let method: Method
        switch name {
        case "gptq": method = .gptq
        case "awq": method = .awq
        case "compressed-tensors", "compressed_tensors": method = .compressedTensors
        case "bitsandbytes": method = .bitsandbytes
        case "fp8", "fbgemm_fp8": method = .fp8
        case "mlx": method = .mlx
        // gpt-oss: each expert matrix as `NAME_blocks` (16 bytes of two E2M1 codes a group of 32) and `NAME_scales`.
        case "mxfp4": method = .mxfp4
        // NVIDIA's ModelOpt: NVFP4 (`weight` bytes of two E2M1 codes, `weight_scale` E4M3 a group of 16,
        // `weight_scale_2`) or FP8 (`weight` E4M3 with `weight_scale`), named by `quant_algo`.
        case "modelopt": method = .modelopt
        // ExLlamaV2: `q_weight` holds each group of rows at its own width (2 to 8 bits, `q_groups`), `q_invperm`
        // the input order; `bits` is the average (4.65).
        case "exl2": method = .exl2
        default: method = .other
        }
        var bits = quantization["bits"]?.numberValue?.int ?? quantization["w_bit"]?.numberValue?.int
        var average: Double?
        if method == .exl2, let value = quantization["bits"]?.numberValue?.double, value.isFinite, value >= 1, value <= 32 {
            average = value
            bits = Int(value.rounded())
        }
        var groupSize = quantization["group_size"]?.numberValue?.int ?? quantization["q_group_size"]?.numberValue?.int
        var layers: [LayerRule] = []
        if method == .modelopt, let algorithm = quantization["quant_algo"]?.stringValue?.uppercased() {
            bits = bits ?? (algorithm.hasPrefix("FP8") ? 8 : algorithm.contains("FP4") ? 4 : nil)
        }
        if method == .compressedTensors || method == .modelopt, let groups = quantization["config_groups"]?.objectValue {
            for member in groups.members {
                if let group = member.value.objectValue, let weights = group["weights"]?.objectValue {
                    bits = bits ?? weights["num_bits"]?.numberValue?.int
                    groupSize = groupSize ?? weights["group_size"]?.numberValue?.int
                    if let count = weights["num_bits"]?.numberValue?.int {
                        let targets = (group["targets"]?.arrayValue ?? []).compactMap(\.stringValue)
                        layers.append(LayerRule(targets: targets, bits: count, groupSize: weights["group_size"]?.numberValue?.int))
                    }
                }
            }
        }
        if method == .bitsandbytes {
            bits = quantization["load_in_4bit"]?.boolValue == true ? 4 : 8
        }
        let variant = (quantization["checkpoint_format"] ?? quantization["format"] ?? quantization["version"] ?? quantization["quant_algo"])?
            .stringValue?.lowercased()
        if method == .mxfp4 { groupSize = groupSize ?? 32 }
        if method == .modelopt, bits == 4 { groupSize = groupSize ?? 16 }
        var packing = QuantizationPacking(method: method, bits: bits ?? (method == .fp8 ? 8 : 4), groupSize: groupSize, variant: variant)
        packing.layers = layers
        packing.averageBits = average
        return packing
    }
}
