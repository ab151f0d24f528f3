public import HeftFormats

extension Architecture {
    /// The architecture in GGUF `{arch}.*` metadata (formats.md §3), with gguf-parser-go's defaults:
    /// KV heads default to heads; head dim to embedding / heads; per-layer arrays give their largest value.
    public init(gguf file: GGUFFile, tensorNames: Set<String>) {
        self.init(source: .ggufMetadata)
        let arch = file["general.architecture"]?.stringValue
        modelType = arch
        family = arch.flatMap(Family.init(modelType:))
        func value(_ key: String) -> Int? {
            guard let arch, let value = file["\(arch).\(key)"] else { return nil }
            // Per-layer arrays: the largest entry sizes the model.
            guard let number = value.intValue ?? value.arrayValue?.values?.compactMap(\.intValue).max() else { return nil }
            // The bounds config.json gets: a crafted file must not make Heft size 151 million layers.
            return (0...Self.plausibleMaximum(key)).contains(number) ? number : nil
        }
        layers = value("block_count")
        hiddenSize = value("embedding_length")
        ffnSize = value("feed_forward_length") ?? value("expert_feed_forward_length")
        // MoE files carry both: the dense width (for dense layers or as nominal) and each expert's width.
        if (value("expert_count") ?? 0) > 0, let expert = value("expert_feed_forward_length") { expertFFNSize = expert }
        heads = value("attention.head_count")
        kvHeads = value("attention.head_count_kv") ?? heads
        if let keyLength = value("attention.key_length") {
            headDim = keyLength
        } else if let hiddenSize, let heads, heads > 0 {
            headDim = hiddenSize / heads
        }
        contextLength = value("context_length")
        vocabSize = value("vocab_size") ?? file["tokenizer.ggml.tokens"]?.arrayValue?.count
        experts = value("expert_count")
        expertsPerToken = value("expert_used_count")
        slidingWindow = value("attention.sliding_window")
        tiedEmbeddings = tensorNames.contains("token_embd.weight") ? !tensorNames.contains("output.weight") : nil
    }

    /// The largest value Heft accepts for a GGUF architecture key (the same bounds as config.json).
    static func plausibleMaximum(_ key: String) -> Int {
        switch key {
        case "block_count", "expert_count", "expert_used_count": 1 << 12
        case "attention.head_count", "attention.head_count_kv", "attention.key_length", "attention.value_length": 1 << 16
        case "embedding_length": 1 << 20
        case "feed_forward_length", "expert_feed_forward_length": 1 << 24
        case "context_length", "attention.sliding_window": 1 << 34
        default: 1 << 31
        }
    }

    /// GGUF architecture values outside those bounds, for the report's warnings.
    public static func implausibleValues(in file: GGUFFile) -> [String] {
        guard let arch = file["general.architecture"]?.stringValue else { return [] }
        return [
            "block_count", "embedding_length", "feed_forward_length", "attention.head_count", "attention.head_count_kv",
            "attention.key_length", "context_length", "expert_count", "expert_used_count", "attention.sliding_window",
        ].compactMap { key in
            guard let value = file["\(arch).\(key)"], let number = value.intValue ?? value.arrayValue?.values?.compactMap(\.intValue).max(),
                !(0...plausibleMaximum(key)).contains(number)
            else { return nil }
            return "GGUF metadata \(arch).\(key) = \(number) is implausible (limit \(plausibleMaximum(key))); ignored"
        }
    }

    /// What tensor shapes alone reveal: vocabulary and hidden size from the token embedding, depth from the
    /// block indices, FFN size from the first up-projection. Head counts cannot be read from shapes.
    public init(shapesOf tensors: [(TensorInfo, TensorRole)]) {
        self.init(source: .tensorShapes)
        var blocks: Set<BlockID> = []
        for (tensor, role) in tensors {
            guard case .parameter(let kind, let location, _) = role else { continue }
            if let block = location.block { blocks.insert(block) }
            let name = tensor.name.lowercased()
            if kind == .embedding, vocabSize == nil, tensor.shape.count == 2,
                name.contains("word") || name.contains("embed_tokens") || name.contains("wte") || name.contains("token_embd")
            {
                vocabSize = tensor.shape[0]
                hiddenSize = tensor.shape[1]
            }
            if ffnSize == nil, case .feedForward = location, kind == .weight, tensor.shape.count == 2,
                ["up_proj", "fc1", "c_fc", "intermediate", "ffn_up", "w1"].contains(where: name.contains)
            {
                ffnSize = tensor.shape.first(where: { $0 != hiddenSize }) ?? tensor.shape[0]
            }
        }
        layers = blocks.isEmpty ? nil : blocks.count
    }
}
