import Foundation
import HeftFormats
import HeftKit
import HeftTestSupport
import Testing

/// Exact parameter counts from config.json alone, against published counts.
@Suite struct ConfigFormulaTests {
    /// The six fixture configs must give `published.json` → `models[].params` (and `active_params`).
    @Test func fixtureConfigsGiveTheirPublishedCounts() throws {
        let published = try Fixtures.published()
        let models = try #require(published["models"] as? [[String: Any]])
        let files = [
            "gpt2 (124M)": "gpt2.json", "bert-base-uncased": "bert-base-uncased.json", "Llama-2-7b": "llama-2-7b.json",
            "Mistral-7B-v0.1": "mistral-7b-v0.1.json", "Mixtral-8x7B-v0.1": "mixtral-8x7b-v0.1.json", "Qwen2-0.5B": "qwen2-0.5b.json",
        ]
        #expect(models.count == files.count)
        for model in models {
            let name = try #require(model["name"] as? String)
            let file = try #require(files[name], "no fixture config for \(name)")
            let report = try InspectionReport.inspect(Fixtures.config("\(file)"))
            #expect(report.parameters.total == model["params"] as? Int, "\(name)")
            #expect(report.parameters.countedFrom == "config.json formula")
            if let active = model["active_params"] as? Int {
                #expect(report.parameters.active == active, "\(name) active")
            }
        }
    }

    /// Configs written from the published hyperparameters of other families; the expected totals are the
    /// published counts quoted in formats.md §4 and published.json (teacher/student params).
    @Test(arguments: [
        (
            "t5-small",
            #"{"model_type":"t5","vocab_size":32128,"d_model":512,"d_kv":64,"d_ff":2048,"num_layers":6,"num_heads":8,"feed_forward_proj":"relu","tie_word_embeddings":true}"#,
            60_506_624
        ),
        (
            "t5-base",
            #"{"model_type":"t5","vocab_size":32128,"d_model":768,"d_kv":64,"d_ff":3072,"num_layers":12,"num_heads":12,"feed_forward_proj":"relu"}"#,
            222_903_552
        ),
        (
            "distilbert-base-uncased",
            #"{"model_type":"distilbert","vocab_size":30522,"dim":768,"n_layers":6,"n_heads":12,"hidden_dim":3072,"max_position_embeddings":512}"#,
            66_362_880
        ),
        (
            "roberta-base",
            #"{"model_type":"roberta","vocab_size":50265,"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"max_position_embeddings":514,"type_vocab_size":1}"#,
            124_645_632
        ),
        (
            "MiniLM-L6-H384",
            #"{"model_type":"bert","vocab_size":30522,"hidden_size":384,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512,"type_vocab_size":2}"#,
            22_713_216
        ),
        (
            "Llama-3-8B",
            #"{"model_type":"llama","vocab_size":128256,"hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"tie_word_embeddings":false}"#,
            8_030_261_248
        ),
        (
            "Llama-3.2-1B",
            #"{"model_type":"llama","vocab_size":128256,"hidden_size":2048,"intermediate_size":8192,"num_hidden_layers":16,"num_attention_heads":32,"num_key_value_heads":8,"head_dim":64,"tie_word_embeddings":true}"#,
            1_235_814_400
        ),
        (
            "Qwen2-7B",
            #"{"model_type":"qwen2","vocab_size":152064,"hidden_size":3584,"intermediate_size":18944,"num_hidden_layers":28,"num_attention_heads":28,"num_key_value_heads":4,"tie_word_embeddings":false}"#,
            7_615_616_512
        ),
        (
            "Gemma-2B",
            #"{"model_type":"gemma","vocab_size":256000,"hidden_size":2048,"intermediate_size":16384,"num_hidden_layers":18,"num_attention_heads":8,"num_key_value_heads":1,"head_dim":256}"#,
            2_506_172_416
        ),
        (
            "Gemma-7B",
            #"{"model_type":"gemma","vocab_size":256000,"hidden_size":3072,"intermediate_size":24576,"num_hidden_layers":28,"num_attention_heads":16,"num_key_value_heads":16,"head_dim":256}"#,
            8_537_680_896
        ),
        (
            "Gemma-2-2B",
            #"{"model_type":"gemma2","vocab_size":256000,"hidden_size":2304,"intermediate_size":9216,"num_hidden_layers":26,"num_attention_heads":8,"num_key_value_heads":4,"head_dim":256,"sliding_window":4096}"#,
            2_614_341_888
        ),
        (
            "Gemma-2-9B",
            #"{"model_type":"gemma2","vocab_size":256000,"hidden_size":3584,"intermediate_size":14336,"num_hidden_layers":42,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256}"#,
            9_241_705_984
        ),
        (
            "Phi-3-mini-4k",
            #"{"model_type":"phi3","vocab_size":32064,"hidden_size":3072,"intermediate_size":8192,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"tie_word_embeddings":false}"#,
            3_821_079_552
        ),
        (
            "falcon-7b",
            #"{"model_type":"falcon","vocab_size":65024,"hidden_size":4544,"num_hidden_layers":32,"num_attention_heads":71,"multi_query":true,"parallel_attn":true,"bias":false}"#,
            6_921_720_704
        ),
        (
            "gpt-neox-20b",
            #"{"model_type":"gpt_neox","vocab_size":50432,"hidden_size":6144,"intermediate_size":24576,"num_hidden_layers":44,"num_attention_heads":64,"tie_word_embeddings":false}"#,
            20_554_567_680
        ),
        (
            "Qwen1.5-MoE-A2.7B",
            #"{"model_type":"qwen2_moe","vocab_size":151936,"hidden_size":2048,"intermediate_size":5632,"num_hidden_layers":24,"num_attention_heads":16,"num_key_value_heads":16,"num_experts":60,"num_experts_per_tok":4,"moe_intermediate_size":1408,"shared_expert_intermediate_size":5632,"tie_word_embeddings":false}"#,
            14_315_784_192
        ),
    ])
    func familyFormulaReproducesThePublishedCount(name: String, config: String, published: Int) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("config.json", text: config)
        let report = try InspectionReport.inspect(path)
        #expect(report.parameters.total == published, "\(name)")
    }

    /// gpt-oss-20b and -120b from their config.json: OpenAI's model card (arXiv 2508.10925, table 1) gives 20.91B and
    /// 116.83B parameters, 3.61B and 5.13B active; its active counts leave out the input embedding (V·H), which
    /// Heft's active count keeps (it removes only the experts a token does not use).
    @Test(arguments: [(24, 32, 2091, 361), (36, 128, 11683, 513)])
    func gptOSSMatchesItsModelCard(layers: Int, experts: Int, total: Int, active: Int) throws {
        let directory = try TemporaryDirectory()
        let config = #"""
            {"model_type": "gpt_oss", "hidden_size": 2880, "intermediate_size": 2880, "num_hidden_layers": \#(layers),
             "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 64, "num_local_experts": \#(experts),
             "num_experts_per_tok": 4, "vocab_size": 201088, "tie_word_embeddings": false, "attention_bias": true}
            """#
        let report = try InspectionReport.inspect(try directory.write("config.json", text: config))
        let formula = try #require(report.formula)
        let embedding = 201088 * 2880
        #expect((Double(formula.total) / 1e7).rounded() == Double(total), "\(formula.total)")
        #expect((Double(formula.active - embedding) / 1e7).rounded() == Double(active), "\(formula.active)")
    }

    /// A small gpt-oss checkpoint with transformers' tensor names and shapes, its experts as MXFP4 blocks: the
    /// formula from its config.json equals the count of its tensors (two parameters a block byte).
    @Test func gptOSSFormulaEqualsItsTensors() throws {
        let (H, I, L, E, V, heads, kv, d) = (64, 32, 2, 4, 100, 4, 2, 16)
        var tensors: [(String, String, [Int])] = [
            ("model.embed_tokens.weight", "BF16", [V, H]), ("model.norm.weight", "BF16", [H]), ("lm_head.weight", "BF16", [V, H]),
        ]
        for l in 0..<L {
            let p = "model.layers.\(l)."
            tensors += [
                (p + "input_layernorm.weight", "BF16", [H]), (p + "post_attention_layernorm.weight", "BF16", [H]),
                (p + "self_attn.q_proj.weight", "BF16", [heads * d, H]), (p + "self_attn.q_proj.bias", "BF16", [heads * d]),
                (p + "self_attn.k_proj.weight", "BF16", [kv * d, H]), (p + "self_attn.k_proj.bias", "BF16", [kv * d]),
                (p + "self_attn.v_proj.weight", "BF16", [kv * d, H]), (p + "self_attn.v_proj.bias", "BF16", [kv * d]),
                (p + "self_attn.o_proj.weight", "BF16", [H, heads * d]), (p + "self_attn.o_proj.bias", "BF16", [H]),
                (p + "self_attn.sinks", "BF16", [heads]),
                (p + "mlp.router.weight", "BF16", [E, H]), (p + "mlp.router.bias", "BF16", [E]),
                (p + "mlp.experts.gate_up_proj_blocks", "U8", [E, 2 * I, H / 32, 16]),
                (p + "mlp.experts.gate_up_proj_scales", "U8", [E, 2 * I, H / 32]),
                (p + "mlp.experts.gate_up_proj_bias", "BF16", [E, 2 * I]),
                (p + "mlp.experts.down_proj_blocks", "U8", [E, H, I / 32, 16]), (p + "mlp.experts.down_proj_scales", "U8", [E, H, I / 32]),
                (p + "mlp.experts.down_proj_bias", "BF16", [E, H]),
            ]
        }
        var header: [String] = [], offset = 0
        for (name, dtype, shape) in tensors {
            let bytes = shape.reduce(1, *) * (dtype == "U8" ? 1 : 2)
            header.append(
                #""\#(name)":{"dtype":"\#(dtype)","shape":[\#(shape.map(String.init).joined(separator: ","))],"data_offsets":[\#(offset),\#(offset + bytes)]}"#
            )
            offset += bytes
        }
        let directory = try TemporaryDirectory()
        _ = try directory.write("model.safetensors", SafetensorsBuilder.file(header: "{" + header.joined(separator: ",") + "}", dataBytes: offset))
        _ = try directory.write(
            "config.json",
            text: #"""
                {"model_type": "gpt_oss", "hidden_size": \#(H), "intermediate_size": \#(I), "num_hidden_layers": \#(L), "num_attention_heads": \#(heads),
                 "num_key_value_heads": \#(kv), "head_dim": \#(d), "num_local_experts": \#(E), "num_experts_per_tok": 2, "vocab_size": \#(V),
                 "tie_word_embeddings": false, "quantization_config": {"quant_method": "mxfp4"}}
                """#)
        let report = try InspectionReport.inspect(directory.path)
        let formula = try #require(report.formula)
        #expect(formula.matchesTensors == true && formula.total == report.parameters.total, "\(formula.total) vs \(report.parameters.total)")
        #expect(report.parameters.byKind?.other == 0, "every tensor has a kind")
    }

    @Test func explicitHeadDimWinsOverHiddenOverHeads() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "config.json",
            text:
                #"{"model_type":"gemma","vocab_size":256000,"hidden_size":3072,"intermediate_size":24576,"num_hidden_layers":28,"num_attention_heads":16,"head_dim":256}"#
        )
        let report = try InspectionReport.inspect(path)
        #expect(report.architecture.headDim == 256)
        #expect(report.architecture.kvHeads == 16)
        #expect(report.architecture.tiedEmbeddings == true)
    }

    @Test func unknownArchitectureIsSaidPlainly() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("config.json", text: #"{"model_type":"mamba","hidden_size":768,"num_hidden_layers":24}"#)
        let error = try #require(throws: FormatError.self) { try InspectionReport.inspect(path) }
        #expect(error.description.contains("mamba"))
    }
}

/// config.json with wrong types or impossible values is refused with the key named.
@Suite struct ConfigValidationTests {
    static let base = #""model_type":"llama","vocab_size":32000,"intermediate_size":11008,"num_hidden_layers":32"#

    @Test(arguments: [
        (#"{\#(base),"hidden_size":"4096","num_attention_heads":32}"#, "hidden_size", FormatError.Rule.configType),
        (#"{\#(base),"hidden_size":4096.5,"num_attention_heads":32}"#, "hidden_size", .configType),
        (#"{\#(base),"hidden_size":4096,"num_attention_heads":0}"#, "num_attention_heads", .configValue),
        (#"{\#(base),"hidden_size":-4096,"num_attention_heads":32}"#, "hidden_size", .configValue),
        (#"{\#(base),"hidden_size":4096,"num_attention_heads":32,"num_key_value_heads":5}"#, "num_key_value_heads", .configValue),
        (#"{\#(base),"hidden_size":4000,"num_attention_heads":32,"num_key_value_heads":5}"#, "num_key_value_heads", .configValue),
        (#"{\#(base),"hidden_size":4100,"num_attention_heads":32}"#, "num_attention_heads", .configValue),
        (#"{\#(base),"hidden_size":1099511627776,"num_attention_heads":32}"#, "hidden_size", .configValue),
        (#"{\#(base),"hidden_size":4096,"num_attention_heads":32,"tie_word_embeddings":"yes"}"#, "tie_word_embeddings", .configType),
        (
            #"{"model_type":"llama","hidden_size":4096,"num_attention_heads":32,"num_hidden_layers":32,"intermediate_size":1}"#, "vocab_size",
            .configValue
        ),
    ])
    func badConfigNamesTheKey(config: String, key: String, rule: FormatError.Rule) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("config.json", text: config)
        let error = try #require(throws: FormatError.self) { try InspectionReport.inspect(path) }
        #expect(error.field == key)
        #expect(error.rule == rule)
        #expect(error.file == path)
    }

    @Test(arguments: ["[]", "{", "{\"a\":1,\"a\":2}", ""])
    func configThatIsNotAJSONObject(text: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("config.json", text: text)
        #expect(throws: FormatError.self) { try InspectionReport.inspect(path) }
    }
}
