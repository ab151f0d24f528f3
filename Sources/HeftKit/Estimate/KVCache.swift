/// A KV-cache element type (`--kv-cache`): llama.cpp's `type_k`/`type_v` and fp8 caches in vLLM.
public enum CacheType: String, Sendable, Hashable, Codable, CaseIterable {
    case f32, f16, bf16, q8_0, q4_0, fp8

    /// Whether rows are ggml quantization blocks (llama.cpp needs flash attention for such a V cache).
    public var isQuantized: Bool { self == .q8_0 || self == .q4_0 }

    /// Bytes of a cache row of `elements` values: quantized rows are whole blocks (`ggml_row_size`).
    public func rowBytes(_ elements: Int) -> Int {
        switch self {
        case .f32: elements * 4
        case .f16, .bf16: elements * 2
        case .fp8: elements
        case .q8_0: (elements + 31) / 32 * 34
        case .q4_0: (elements + 31) / 32 * 18
        }
    }
}

/// KV-cache size: Σ over layers of cells × row bytes of `n_head_kv × key_length` plus `n_head_kv × value_length`
/// (llama.cpp `llama_kv_cache`, formats.md §3). Recurrent state is F32 per sequence.
public struct KVCacheEstimate: Sendable, Hashable, Codable {
    public let context: Int
    public let sequences: Int
    public let cacheType: CacheType
    /// Exact bytes for `sequences` sequences of `context` tokens.
    public let bytes: Int
    /// Bytes one token takes in every layer that caches it, sliding-window layers included (per sequence): the
    /// "KV per token" a user compares; past a window the sliding layers reuse their cells.
    public let bytesPerCell: Int
    /// Bytes in sliding-window layers, already capped at their windows.
    public let slidingBytes: Int
    /// Bytes of recurrent state.
    public let recurrentBytes: Int

    /// The cache for `layout` at `context` tokens × `sequences`; throws when the size overflows 64 bits.
    public init(layout: AttentionLayout, context: Int, sequences: Int, cacheType: CacheType) throws(EstimateError) {
        var total: Exact = 0
        var perCell: Exact = 0
        var sliding: Exact = 0
        var recurrent: Exact = 0
        let n = Exact(sequences)
        for layer in layout.layers {
            let heads = Exact(layer.kvHeads)
            guard let keyElements = (heads * Exact(layer.keyLength)).value, let valueElements = (heads * Exact(layer.valueLength)).value,
                keyElements < 1 << 40, valueElements < 1 << 40
            else { throw EstimateError("the KV cache row of a layer overflows") }
            let row = Exact(cacheType.rowBytes(keyElements)) + Exact(cacheType.rowBytes(valueElements))
            switch layer.kind {
            case .full:
                total = total + row * Exact(context) * n
                perCell = perCell + row
            case .sliding(let window):
                perCell = perCell + row
                let cells = Exact(min(context, window))
                total = total + row * cells * n
                sliding = sliding + row * cells * n
            case .latent(let elements):
                let bytes = Exact(cacheType.rowBytes(elements))
                perCell = perCell + bytes
                total = total + bytes * Exact(context) * n
            case .recurrent(let elements):
                total = total + Exact(elements) * 4 * n
                recurrent = recurrent + Exact(elements) * 4 * n
            case .none:
                break
            }
        }
        guard let bytes = total.value, let perCellBytes = perCell.value, let slidingBytes = sliding.value,
            let recurrentBytes = recurrent.value
        else { throw EstimateError("the KV cache size overflows 64 bits: lower --context or --batch") }
        self.context = context
        self.sequences = sequences
        self.cacheType = cacheType
        self.bytes = bytes
        self.bytesPerCell = perCellBytes
        self.slidingBytes = slidingBytes
        self.recurrentBytes = recurrentBytes
    }
}
