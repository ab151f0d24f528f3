import HeftFormats
import HeftKit
import Testing

/// Names from each family's real checkpoints land on the guide's two axes.
@Suite struct ClassifierTests {
    static func tensor(_ name: String, _ shape: [Int] = [4, 4]) -> TensorInfo {
        TensorInfo(name: name, shape: shape, storage: .safetensors(.f32), elementCount: shape.reduce(1, *), dataOffset: 0, byteCount: 0, file: "")
    }

    @Test(
        arguments: [
            // Hugging Face Llama / Mistral / Qwen
            ("model.embed_tokens.weight", "embedding", "embeddings", nil),
            ("model.layers.3.self_attn.q_proj.weight", "weight", "attention", "3"),
            ("model.layers.3.self_attn.q_proj.bias", "bias", "attention", "3"),
            ("model.layers.3.mlp.down_proj.weight", "weight", "feedForward", "3"),
            ("model.layers.3.input_layernorm.weight", "norm", "attention", "3"),
            ("model.layers.3.post_attention_layernorm.weight", "norm", "feedForward", "3"),
            ("model.norm.weight", "norm", "head", nil),
            ("lm_head.weight", "weight", "head", nil),
            // BERT
            ("encoder.layer.2.attention.self.query.weight", "weight", "attention", "encoder.2"),
            ("encoder.layer.2.attention.output.LayerNorm.weight", "norm", "attention", "encoder.2"),
            ("encoder.layer.2.intermediate.dense.weight", "weight", "feedForward", "encoder.2"),
            ("encoder.layer.2.output.LayerNorm.bias", "norm", "feedForward", "encoder.2"),
            ("embeddings.LayerNorm.weight", "norm", "embeddings", nil),
            ("pooler.dense.weight", "weight", "head", nil),
            ("cls.predictions.transform.dense.weight", "weight", "head", nil),
            ("classifier.weight", "weight", "head", nil),
            // GPT-2
            ("h.5.attn.c_attn.weight", "weight", "attention", "5"),
            ("h.5.mlp.c_fc.weight", "weight", "feedForward", "5"),
            ("h.5.ln_1.weight", "norm", "attention", "5"),
            ("h.5.ln_2.bias", "norm", "feedForward", "5"),
            ("wte.weight", "embedding", "embeddings", nil),
            ("ln_f.weight", "norm", "head", nil),
            // T5
            ("shared.weight", "embedding", "embeddings", nil),
            ("encoder.block.0.layer.0.SelfAttention.q.weight", "weight", "attention", "encoder.0"),
            ("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", "embedding", "attention", "encoder.0"),
            ("encoder.block.0.layer.1.DenseReluDense.wi.weight", "weight", "feedForward", "encoder.0"),
            ("encoder.block.0.layer.1.layer_norm.weight", "norm", "feedForward", "encoder.0"),
            ("decoder.block.1.layer.1.EncDecAttention.k.weight", "weight", "attention", "decoder.1"),
            ("decoder.block.1.layer.1.layer_norm.weight", "norm", "attention", "decoder.1"),
            ("decoder.block.1.layer.2.layer_norm.weight", "norm", "feedForward", "decoder.1"),
            // GGUF
            ("token_embd.weight", "embedding", "embeddings", nil),
            ("blk.7.attn_q.weight", "weight", "attention", "7"),
            ("blk.7.attn_norm.weight", "norm", "attention", "7"),
            ("blk.7.ffn_gate_exps.weight", "weight", "feedForward", "7"),
            ("blk.7.ffn_gate_inp.weight", "weight", "feedForward", "7"),
            ("blk.7.ffn_norm.weight", "norm", "feedForward", "7"),
            ("output_norm.weight", "norm", "head", nil),
            ("output.weight", "weight", "head", nil),
            // Phi-3, Mixtral, Falcon, GPT-NeoX
            ("model.layers.0.self_attn.qkv_proj.weight", "weight", "attention", "0"),
            ("model.layers.0.mlp.gate_up_proj.weight", "weight", "feedForward", "0"),
            ("model.layers.0.block_sparse_moe.experts.5.w1.weight", "weight", "feedForward", "0"),
            ("model.layers.0.block_sparse_moe.gate.weight", "weight", "feedForward", "0"),
            ("transformer.h.0.self_attention.query_key_value.weight", "weight", "attention", "0"),
            ("gpt_neox.layers.0.mlp.dense_h_to_4h.weight", "weight", "feedForward", "0"),
            ("embed_out.weight", "weight", "head", nil),
            // Adapters
            ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "adapter", "attention", "0"),
        ] as [(String, String, String, String?)])
    func familyNamesAreClassified(name: String, kind: String, area: String, block: String?) {
        guard case .parameter(let k, let location, _) = TensorClassifier().classify(Self.tensor(name)) else {
            Issue.record("\(name) is not a parameter")
            return
        }
        #expect(k.rawValue == kind, "\(name)")
        #expect(location.area.rawValue == area, "\(name)")
        #expect(location.block?.description == block, "\(name)")
    }

    @Test func gemma2PostAttentionNormFollowsAttention() {
        let role = TensorClassifier(family: .gemma2).classify(Self.tensor("model.layers.0.post_attention_layernorm.weight", [8]))
        guard case .parameter(_, let location, _) = role else { Issue.record("not a parameter"); return }
        #expect(location.area == .attention)
    }

    @Test(
        arguments: [
            ("embeddings.position_ids", [1, 512]),
            ("model.layers.0.self_attn.rotary_emb.inv_freq", [64]),
            ("h.0.attn.bias", [1, 1, 1024, 1024]),
            ("h.0.attn.masked_bias", []),
            ("gpt_neox.layers.0.attention.bias", [1, 1, 2048, 2048]),
            ("rope_freqs.weight", [64]),
            ("bn.num_batches_tracked", []),
        ] as [(String, [Int])])
    func buffersAreNotParameters(name: String, shape: [Int]) {
        guard case .buffer = TensorClassifier().classify(Self.tensor(name, shape)) else {
            Issue.record("\(name) should be a buffer")
            return
        }
    }

    @Test func quantizationStateIsNotParameters() {
        let packing = QuantizationPacking(method: .gptq, bits: 4, groupSize: 128)
        let classifier = TensorClassifier(packing: packing)
        for name in ["l.qzeros", "l.scales", "l.g_idx", "l.weight_scale", "l.weight.absmax", "l.weight.quant_state.bitsandbytes__nf4"] {
            #expect(classifier.classify(Self.tensor(name)) == .quantizationState, "\(name)")
        }
        let qweight = TensorInfo(
            name: "model.layers.0.mlp.up_proj.qweight", shape: [512, 4096], storage: .safetensors(.i32), elementCount: 512 * 4096, dataOffset: 0,
            byteCount: 0, file: "")
        guard case .parameter(_, _, let logical) = classifier.classify(qweight) else { Issue.record("qweight"); return }
        #expect(logical == 4096 * 4096)
    }

    /// ExLlamaV2 (`quant_method` "exl2"): `q_weight` packs each group of rows at its own width, so its parameters are
    /// q_invperm's rows × its columns (Llama-3-8B's down_proj: 14336 × 4096), not its int32 elements; the q_*
    /// companions are quantization state.
    @Test func exl2WeightsCountTheirLogicalMatrix() throws {
        func tensor(_ name: String, _ shape: [Int], _ dtype: SafetensorsDType) -> TensorInfo {
            TensorInfo(
                name: name, shape: shape, storage: .safetensors(dtype), elementCount: shape.reduce(1, *), dataOffset: 0, byteCount: 0, file: "")
        }
        let p = "model.layers.0.mlp.down_proj."
        let tensors = [
            tensor(p + "q_weight", [2091, 4096], .i32), tensor(p + "q_invperm", [14336], .i32), tensor(p + "q_scale", [112, 512], .i32),
            tensor(p + "q_scale_max", [112], .f16), tensor(p + "q_groups", [224], .i16),
        ]
        let classifier = TensorClassifier(packing: QuantizationPacking(method: .exl2, bits: 5, groupSize: nil), tensors: tensors)
        guard case .parameter(.weight, .feedForward, 14336 * 4096) = classifier.classify(tensors[0]) else {
            Issue.record("q_weight: \(classifier.classify(tensors[0]))")
            return
        }
        for t in tensors.dropFirst() { #expect(classifier.classify(t) == .quantizationState, "\(t.name)") }
        let config = try JSONParser.parse(Array(#"{"quantization_config": {"quant_method": "exl2", "bits": 4.65}}"#.utf8)).objectValue
        let packing = config.flatMap(QuantizationPacking.from(config:))
        #expect(packing?.bits == 5 && packing?.widthText == "4.65 bits on average")
        // Without a config entry the tensors tell it is EXL2; a q_invperm that does not fit the packed words (here
        // 2 rows for 2091 words) is not believed: the words are counted at 4 bits instead.
        let bare = TensorClassifier(tensors: tensors)
        #expect(bare.packing?.method == .exl2 && bare.packing?.widthText == "2 to 8 bits a group of rows")
        guard case .parameter(.weight, _, 14336 * 4096) = bare.classify(tensors[0]) else {
            Issue.record("bare q_weight: \(bare.classify(tensors[0]))")
            return
        }
        let misfit = [tensors[0], tensor(p + "q_invperm", [2], .i32), tensors[4]]
        guard case .parameter(_, _, 2091 * 4096 * 8) = TensorClassifier(tensors: misfit).classify(tensors[0]) else {
            Issue.record("misfit q_weight")
            return
        }
    }

    /// gpt-oss's MXFP4 experts (transformers' `quant_method` "mxfp4"): `gate_up_proj_blocks` [experts, 5760, 90, 16]
    /// bytes hold two parameters each, as feed-forward weights; `_scales` are quantization state; the expert biases
    /// (`gate_up_proj_bias`) are biases.
    @Test func gptOSSBlocksCountTwoParametersAByte() {
        let classifier = TensorClassifier(packing: QuantizationPacking(method: .mxfp4, bits: 4, groupSize: 32))
        func tensor(_ name: String, _ shape: [Int], _ dtype: SafetensorsDType) -> TensorInfo {
            TensorInfo(
                name: name, shape: shape, storage: .safetensors(dtype), elementCount: shape.reduce(1, *), dataOffset: 0, byteCount: 0, file: "")
        }
        let blocks = classifier.classify(tensor("model.layers.3.mlp.experts.gate_up_proj_blocks", [32, 5760, 90, 16], .u8))
        guard case .parameter(.weight, .feedForward(let block), 530_841_600) = blocks, block.index == 3 else {
            Issue.record("blocks: \(blocks)")
            return
        }
        #expect(classifier.classify(tensor("model.layers.3.mlp.experts.gate_up_proj_scales", [32, 5760, 90], .u8)) == .quantizationState)
        let bias = classifier.classify(tensor("model.layers.3.mlp.experts.down_proj_bias", [32, 2880], .bf16))
        guard case .parameter(.bias, .feedForward, 92_160) = bias else {
            Issue.record("bias: \(bias)")
            return
        }
    }
}
