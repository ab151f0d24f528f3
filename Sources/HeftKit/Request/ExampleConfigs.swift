internal import HeftFormats

/// Bundled `config.json` files of well-known models, so that the calculators work with no model files
/// (`--example NAME` on the command line, `example` in the web app).
/// Values are those of each model's published config.json on the Hugging Face hub.
public enum ExampleConfigs {
    public static let all: [(name: String, json: String)] = [
        (
            "llama-3.1-8b",
            #"{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":128256,"hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"max_position_embeddings":131072,"rope_scaling":{"rope_type":"llama3","factor":8.0},"tie_word_embeddings":false,"torch_dtype":"bfloat16"}"#
        ),
        (
            "llama-2-7b",
            #"{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":32000,"hidden_size":4096,"intermediate_size":11008,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"max_position_embeddings":4096,"tie_word_embeddings":false,"torch_dtype":"float16"}"#
        ),
        (
            "mistral-7b",
            #"{"architectures":["MistralForCausalLM"],"model_type":"mistral","vocab_size":32000,"hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"max_position_embeddings":32768,"sliding_window":4096,"tie_word_embeddings":false,"torch_dtype":"bfloat16"}"#
        ),
        (
            "mixtral-8x7b",
            #"{"architectures":["MixtralForCausalLM"],"model_type":"mixtral","vocab_size":32000,"hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"num_local_experts":8,"num_experts_per_tok":2,"max_position_embeddings":32768,"tie_word_embeddings":false,"torch_dtype":"bfloat16"}"#
        ),
        (
            "qwen2-0.5b",
            #"{"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","vocab_size":151936,"hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"max_position_embeddings":131072,"tie_word_embeddings":true,"torch_dtype":"bfloat16"}"#
        ),
        (
            "gemma-2-9b",
            #"{"architectures":["Gemma2ForCausalLM"],"model_type":"gemma2","vocab_size":256000,"hidden_size":3584,"intermediate_size":14336,"num_hidden_layers":42,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"max_position_embeddings":8192,"sliding_window":4096,"torch_dtype":"float32"}"#
        ),
        (
            "phi-3-mini",
            #"{"architectures":["Phi3ForCausalLM"],"model_type":"phi3","vocab_size":32064,"hidden_size":3072,"intermediate_size":8192,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"max_position_embeddings":4096,"tie_word_embeddings":false,"torch_dtype":"bfloat16"}"#
        ),
        (
            "gpt2",
            #"{"architectures":["GPT2LMHeadModel"],"model_type":"gpt2","vocab_size":50257,"n_positions":1024,"n_embd":768,"n_layer":12,"n_head":12,"tie_word_embeddings":true}"#
        ),
        (
            "bert-base-uncased",
            #"{"architectures":["BertForMaskedLM"],"model_type":"bert","vocab_size":30522,"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,"intermediate_size":3072,"max_position_embeddings":512,"type_vocab_size":2}"#
        ),
    ]
}

extension ExampleConfigs {
    /// The names, in the order listed.
    public static var names: [String] { all.map(\.name) }

    /// The profile of the bundled config `name`.
    public static func profile(_ name: String, parameters: Int?) throws -> ModelProfile {
        guard let example = all.first(where: { $0.name == name }) else {
            throw EstimateError(field: "example", "unknown example '\(name)'; one of \(names.joined(separator: ", "))")
        }
        guard case .object(let object) = try JSONParser.parse(Array(example.json.utf8)) else {
            throw EstimateError("the bundled example \(name) is not a JSON object")
        }
        var profile = try ModelProfile.from(config: ConfigReader(path: "example:\(name)", root: object), parameters: parameters)
        profile.name = name
        return profile
    }
}
