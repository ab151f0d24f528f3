/// The compute graph llama.cpp reserves, and ggml-alloc's allocation of it, node by node.
///
/// No closed form gives this buffer: ggml-alloc places each tensor in the smallest free block that holds it, so the
/// logits at the end of the graph land in a hole or above the layers' working set depending on the order of earlier
/// frees — llama.cpp's own figure for one mixture of experts moves by ±13 % as `-c` changes, and with few outputs
/// (llama-server reserves one per sequence) a dense model's peak sits inside a layer, among the inputs and the
/// holes. Replaying the allocator over the graph gives the figure llama.cpp prints.
///
/// Sources, llama.cpp as vendored in llama-cpp-python 0.3.36:
/// - `ggml/src/ggml-alloc.c`: `ggml_gallocr_alloc_graph_impl` (input leaves first, then each node: reuse a parent in
///   place when the op allows it and the parent is not a view, has no other consumer and has the same shape; free
///   parents whose last consumer ran), `ggml_dyn_tallocr_alloc` (best fit among the free blocks but the last, else
///   the last block, growing the buffer) and `ggml_dyn_tallocr_free_bytes` (merge with neighbours).
/// - `src/models/llama.cpp`, `qwen2.cpp`, `qwen3.cpp`, `qwen3moe.cpp`, `gemma3.cpp` and `src/llama-graph.cpp` (`build_inp_embd`,
///   `build_attn`, `build_attn_mha`, `build_ffn`, `build_moe_ffn`): the nodes, in the order
///   `ggml_build_forward_expand` records them.
/// - `src/llama-kv-cache.cpp`: the Hadamard rotations of Q, K and V applied when the cache type is quantized.
struct GGMLGraph {
    /// A tensor of the graph. External tensors (weights, the KV cache and views of them) are left out: ggml-alloc
    /// neither places nor frees them.
    struct Tensor {
        /// Contiguous bytes (ggml_nbytes); 0 for a view.
        var bytes: Int
        /// ne[0…3] and the element width: ggml_are_same_layout for the contiguous tensors in-place reuse considers.
        var shape: [Int]
        var elementBytes: Int
        /// The tensor a view looks into (ggml's view_src, always the root).
        var viewOf: Int?
        /// The op is one ggml_op_can_inplace accepts.
        var inPlace = false
        var sources: [Int] = []
        var isOutput = false
        /// Writes into external memory (SET_ROWS into the KV cache): nothing to place.
        var isExternal = false
    }

    private(set) var tensors: [Tensor] = []
    /// Input tensors in the order ggml's depth-first walk meets them (the leaves ggml-alloc places first).
    private(set) var leaves: [Int] = []
    /// Graph nodes in execution order.
    private(set) var nodes: [Int] = []

    /// A size overflowed 64 bits (the shapes come from the user's flags and the file).
    private(set) var overflowed = false

    /// ggml_nbytes of a contiguous tensor, its total bounded so that sums of sizes cannot overflow either.
    private mutating func bytes(_ shape: [Int], _ elementBytes: Int) -> Int {
        var total = elementBytes
        for n in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: n)
            if overflow || product > Int.max / 1024 {
                overflowed = true
                return 0
            }
            total = product
        }
        return total
    }

    private static func padded(_ shape: [Int]) -> [Int] { shape + [Int](repeating: 1, count: max(0, 4 - shape.count)) }

    mutating func input(_ shape: [Int], elementBytes: Int = 4) -> Int {
        let shape = Self.padded(shape)
        tensors.append(Tensor(bytes: bytes(shape, elementBytes), shape: shape, elementBytes: elementBytes))
        leaves.append(tensors.count - 1)
        return tensors.count - 1
    }

    /// A node that writes a new contiguous tensor.
    @discardableResult
    mutating func op(_ shape: [Int], _ sources: [Int], inPlace: Bool = false, elementBytes: Int = 4, output: Bool = false) -> Int {
        let shape = Self.padded(shape)
        tensors.append(
            Tensor(
                bytes: bytes(shape, elementBytes), shape: shape, elementBytes: elementBytes, inPlace: inPlace,
                sources: sources, isOutput: output))
        nodes.append(tensors.count - 1)
        return tensors.count - 1
    }

    /// A view node (VIEW, RESHAPE, PERMUTE, TRANSPOSE) of `source`.
    @discardableResult
    mutating func view(_ source: Int, _ shape: [Int]) -> Int {
        let root = tensors[source].viewOf ?? source
        tensors.append(
            Tensor(bytes: 0, shape: Self.padded(shape), elementBytes: tensors[source].elementBytes, viewOf: root, sources: [source]))
        nodes.append(tensors.count - 1)
        return tensors.count - 1
    }

    /// A node whose result lives in external memory (SET_ROWS into the cache).
    mutating func external(_ sources: [Int]) {
        tensors.append(Tensor(bytes: 0, shape: [1, 1, 1, 1], elementBytes: 1, sources: sources, isExternal: true))
        nodes.append(tensors.count - 1)
    }

    /// The buffer ggml-alloc reserves for this graph: the highest byte any tensor reaches; `nil` when a size
    /// overflows.
    func allocatedBytes(alignment: Int = 32) -> Int? {
        guard !overflowed else { return nil }
        var allocator = DynamicAllocator(alignment: alignment)
        var allocated = [Bool](repeating: false, count: tensors.count)
        var offset = [Int](repeating: 0, count: tensors.count)
        var children = [Int](repeating: 0, count: tensors.count)
        var views = [Int](repeating: 0, count: tensors.count)

        func place(_ id: Int) {
            let t = tensors[id]
            guard !allocated[id], t.viewOf == nil, !t.isExternal else { return }
            if t.inPlace {
                for parent in t.sources {
                    let p = tensors[parent]
                    // A view is never reused (ggml_gallocr_is_own is false for it), nor an output. The same shape means
                    // the same size, so ggml_gallocr_free_extra_space has nothing to give back.
                    guard allocated[parent], !p.isOutput, p.shape == t.shape, p.elementBytes == t.elementBytes else { continue }
                    if children[parent] == 1 && views[parent] == 0 {
                        allocated[parent] = false
                        offset[id] = offset[parent]
                        allocated[id] = true
                        return
                    }
                }
            }
            offset[id] = allocator.allocate(t.bytes)
            allocated[id] = true
        }

        for leaf in leaves { place(leaf) }
        for node in nodes {
            let t = tensors[node]
            if let root = t.viewOf { views[root] += 1 }
            for source in t.sources { children[source] += 1 }
        }
        for node in nodes {
            place(node)
            for parent in tensors[node].sources {
                children[parent] -= 1
                guard children[parent] == 0, views[parent] == 0 else { continue }
                if let root = tensors[parent].viewOf {
                    views[root] -= 1
                    if views[root] == 0, children[root] == 0, allocated[root], !tensors[root].isOutput {
                        allocator.free(offset[root], tensors[root].bytes)
                        allocated[root] = false
                    }
                } else if allocated[parent], !tensors[parent].isOutput {
                    allocator.free(offset[parent], tensors[parent].bytes)
                    allocated[parent] = false
                }
            }
        }
        return allocator.maxSize
    }
}

/// ggml_dyn_tallocr for one chunk (the CPU buffer type has no size limit): free blocks sorted by offset, the last
/// one open-ended.
struct DynamicAllocator {
    let alignment: Int
    private var blocks: [(offset: Int, size: Int)] = [(0, Int.max / 2)]
    private(set) var maxSize = 0

    init(alignment: Int) { self.alignment = alignment }

    private func aligned(_ size: Int) -> Int { (size + alignment - 1) / alignment * alignment }

    mutating func allocate(_ bytes: Int) -> Int {
        let size = aligned(bytes)
        // The smallest block that holds it, among all but the last (ties go to the later block).
        var best: Int?
        var bestSize = Int.max
        for index in blocks.indices.dropLast() where blocks[index].size >= size && blocks[index].size <= bestSize {
            best = index
            bestSize = blocks[index].size
        }
        let index = best ?? blocks.count - 1
        let offset = blocks[index].offset
        blocks[index].offset += size
        blocks[index].size -= size
        if blocks[index].size == 0 { blocks.remove(at: index) }
        maxSize = max(maxSize, offset + size)
        return offset
    }

    mutating func free(_ offset: Int, _ bytes: Int) {
        let size = aligned(bytes)
        for index in blocks.indices {
            if blocks[index].offset + blocks[index].size == offset {
                blocks[index].size += size
                if index + 1 < blocks.count, blocks[index].offset + blocks[index].size == blocks[index + 1].offset {
                    blocks[index].size += blocks[index + 1].size
                    blocks.remove(at: index + 1)
                }
                return
            }
            if offset + size == blocks[index].offset {
                blocks[index].offset = offset
                blocks[index].size += size
                if index > 0, blocks[index - 1].offset + blocks[index - 1].size == blocks[index].offset {
                    blocks[index - 1].size += blocks[index].size
                    blocks.remove(at: index)
                }
                return
            }
        }
        let position = blocks.firstIndex { $0.offset >= offset } ?? blocks.count
        blocks.insert((offset, size), at: position)
    }
}

/// The shapes that decide the graph llama.cpp builds for a llama-style decoder (`llama`, `qwen2`, `qwen3`,
/// `qwen3moe`, and Gemma 3's variant): pre-norm blocks of RoPE attention and a SwiGLU feed-forward, dense or a mixture of experts.
struct DecoderGraphShape {
    enum FeedForward {
        case dense(width: Int)
        case experts(count: Int, used: Int, width: Int)
    }

    /// `llama` and kin, or Gemma 3: embeddings scaled, Q scaled after RoPE, norms after attention and after the
    /// feed-forward, GeGLU, and Q, K, V computed in that order.
    enum Style {
        case llama, gemma3
    }

    var style = Style.llama
    var hidden, heads, kvHeads, keyLength, valueLength, layers, vocab: Int
    var feedForward: FeedForward
    /// Layers that attend through the sliding-window cache (its own inputs and mask); empty without one.
    var sliding: Set<Int> = []
    var slidingCellsPerStream = 0
    /// Q and K pass through their own RMS norms (qwen3, qwen3moe).
    var qkNorm: Bool
    /// Q, K and V projections have biases (qwen2).
    var qkvBias: Bool
    /// Tokens of the reserved micro-batch, the outputs it keeps, streams and cells per stream.
    var tokens, outputs, streams, cellsPerStream: Int
    /// The cache types are quantized: llama.cpp rotates Q, K (and V) by Hadamard matrices.
    var rotateK, rotateV: Bool
    /// Flash attention; without it the scores (cells × tokens × heads, F32) are materialized, the mask is F32 and V
    /// is stored transposed (one index per value).
    var flashAttention = true

    /// The graph for the worst-case micro-batch.
    func graph() -> GGMLGraph {
        var g = GGMLGraph()
        let N = tokens
        let tokensInput = g.input([N])
        _ = g.input([hidden, N])  // inp_embd: the embeddings path ggml_build_forward_select leaves unused
        // src/llama-kv-cache.cpp build_input_k_rot: the largest power of two from 64 dividing the head width.
        var kWidth = 64
        if rotateK { while keyLength % (kWidth * 2) == 0 { kWidth *= 2 } }
        // Each cache (the sliding-window one first when layer 0 uses it) has its own rotations, indices and mask,
        // met by the graph in that order; positions come after the first rotation of K.
        struct CacheInputs {
            var kRotation: Int?, vRotation: Int?
            var kIndices = 0, vIndices = 0, mask = 0
        }
        let order = sliding.contains(0) ? [true, false] : [false, true]
        var inputs: [Bool: CacheInputs] = [:]
        var positions = 0
        for isSliding in order where isSliding ? !sliding.isEmpty : sliding.count < layers {
            var c = CacheInputs()
            if rotateK { c.kRotation = g.input([kWidth, kWidth]) }
            if inputs.isEmpty { positions = g.input([N]) }
            if rotateV { c.vRotation = g.input([64, 64]) }
            c.kIndices = g.input([N], elementBytes: 8)
            c.vIndices = g.input(flashAttention ? [N] : [N * kvHeads * valueLength], elementBytes: 8)
            c.mask = g.input(
                [isSliding ? slidingCellsPerStream : cellsPerStream, N / streams, 1, streams], elementBytes: flashAttention ? 2 : 4)
            inputs[isSliding] = c
        }
        let outIDs = g.input([outputs])

        func rmsNorm(_ x: Int) -> Int {
            let shape = g.tensors[x].shape
            let norm = g.op(shape, [x], inPlace: true)
            return g.op(shape, [norm], inPlace: true)  // × weight
        }
        func rotate(_ x: Int, _ rotation: Int?, width: Int) -> Int {
            guard let rotation else { return x }
            let shape = g.tensors[x].shape
            // Its element count was checked when the tensor it views was sized.
            let total = shape.reduce(1, &*)
            let flat = g.view(x, [width, total / width])
            let product = g.op([width, total / width], [rotation, flat])
            return g.view(product, shape)
        }
        func projection(_ input: Int, heads: Int, width: Int) -> Int {
            var x = g.op([heads * width, N], [input])
            if qkvBias { x = g.op([heads * width, N], [x], inPlace: true) }
            return g.view(x, [width, heads, N])
        }

        var embeddings = g.op([hidden, N], [tokensInput])
        if style == .gemma3 { embeddings = g.op([hidden, N], [embeddings], inPlace: true) }  // × √E
        for layer in 0..<layers {
            guard let cache = inputs[sliding.contains(layer)] else { continue }
            let residual = embeddings
            let normed = rmsNorm(embeddings)
            func query() -> Int {
                var q = projection(normed, heads: heads, width: keyLength)
                if qkNorm { q = rmsNorm(q) }
                q = g.op([keyLength, heads, N], [q, positions], inPlace: true)  // RoPE
                if style == .gemma3 { q = g.op([keyLength, heads, N], [q], inPlace: true) }  // × attention scale
                return rotate(q, cache.kRotation, width: kWidth)
            }
            func key() -> Int {
                var k = projection(normed, heads: kvHeads, width: keyLength)
                if qkNorm { k = rmsNorm(k) }
                k = g.op([keyLength, kvHeads, N], [k, positions], inPlace: true)
                return rotate(k, cache.kRotation, width: kWidth)
            }
            func value() -> Int { rotate(projection(normed, heads: kvHeads, width: valueLength), cache.vRotation, width: 64) }
            let q = query()
            let k: Int, v: Int
            if style == .gemma3 {
                k = key()
                v = value()
            } else {
                v = value()
                k = key()
            }
            g.external([g.view(k, [kvHeads * keyLength, N]), cache.kIndices])
            g.external([g.view(v, [kvHeads * valueLength, N]), cache.vIndices])
            let qStreams = g.view(g.view(q, [keyLength, heads, N / streams, streams]), [keyLength, N / streams, heads, streams])
            var out: Int
            if flashAttention {
                let attention = g.op([valueLength, heads, N / streams, streams], [qStreams, cache.mask])
                out = g.view(attention, [heads * valueLength, N])
            } else {
                // K·Q, softmax with the mask (in place), V·softmax, and the heads made contiguous again.
                let cells = sliding.contains(layer) ? slidingCellsPerStream : cellsPerStream
                let scores = g.op([cells, N / streams, heads, streams], [qStreams])
                let weights = g.op([cells, N / streams, heads, streams], [scores, cache.mask], inPlace: true)
                let weighted = g.op([valueLength, N / streams, heads, streams], [weights])
                out = g.op([heads * valueLength, N], [g.view(weighted, [valueLength, heads, N / streams, streams])])
            }
            out = rotate(out, cache.vRotation, width: 64)
            var projected = g.op([hidden, N], [out])
            var input = residual
            var rows = N
            let last = layer == layers - 1
            // The last layer keeps only the rows of the outputs.
            if last {
                rows = outputs
                projected = g.op([hidden, rows], [projected, outIDs])
            }
            if style == .gemma3 { projected = rmsNorm(projected) }  // post-attention norm
            if last { input = g.op([hidden, rows], [residual, outIDs]) }
            let ffnInput = g.op([hidden, rows], [projected, input], inPlace: true)
            let ffnNormed = rmsNorm(ffnInput)
            let ffnOut: Int
            switch feedForward {
            case .dense(let width):
                // build_ffn with LLM_FFN_SILU, LLM_FFN_PAR: gate, up, SwiGLU, down.
                let gate = g.op([width, rows], [ffnNormed])
                let up = g.op([width, rows], [ffnNormed])
                let down = g.op([hidden, rows], [g.op([width, rows], [gate, up])])
                ffnOut = style == .gemma3 ? rmsNorm(down) : down  // Gemma 3: GeGLU, then the post-feed-forward norm
            case .experts(let count, let used, let width):
                // build_moe_ffn: router, softmax, top-k, normalized weights, the three expert matrices, the
                // weighted sum.
                let logits = g.op([count, rows], [ffnNormed])
                let probs = g.op([count, rows], [logits], inPlace: true)
                let probsRows = g.view(probs, [1, count, rows])
                let order = g.op([count, rows], [probs])
                let chosen = g.view(order, [used, rows])
                let weights = g.op([1, used, rows], [probsRows, chosen])
                let weightsFlat = g.view(weights, [used, rows])
                let sum = g.op([1, rows], [weightsFlat])
                let clamped = g.op([1, rows], [sum], inPlace: true)
                let normalized = g.op([used, rows], [weightsFlat, clamped], inPlace: true)
                let normalizedRows = g.view(normalized, [1, used, rows])
                let perToken = g.view(ffnNormed, [hidden, 1, rows])
                let gate = g.op([width, used, rows], [perToken, chosen])
                let up = g.op([width, used, rows], [perToken, chosen])
                let activated = g.op([width, used, rows], [gate, up])
                let down = g.op([hidden, used, rows], [activated, chosen])
                let weighted = g.op([hidden, used, rows], [down, normalizedRows], inPlace: true)
                let slots = (0..<used).map { _ in g.view(weighted, [hidden, rows]) }
                var total = used == 1 ? g.op([hidden, rows], [slots[0]]) : slots[0]
                for slot in slots.dropFirst() { total = g.op([hidden, rows], [total, slot], inPlace: true) }
                ffnOut = total
            }
            embeddings = g.op([hidden, rows], [ffnOut, ffnInput], inPlace: true)
        }
        let norm = g.op([hidden, outputs], [embeddings], inPlace: true)
        let resultNorm = g.op([hidden, outputs], [norm], inPlace: true, output: true)
        g.op([vocab, outputs], [resultNorm], output: true)
        return g
    }
}
