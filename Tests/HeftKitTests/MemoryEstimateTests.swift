import Foundation
import HeftFormats
import HeftKit
import HeftTestSupport
import Testing

/// KV cache, weights, training and fit, each against values computed by hand here or published elsewhere.
@Suite struct MemoryEstimateTests {
    static let llama3 =
        #"{"model_type":"llama","vocab_size":128256,"hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"max_position_embeddings":8192,"tie_word_embeddings":false}"#
    static let llama31 =
        #"{"model_type":"llama","vocab_size":128256,"hidden_size":4096,"intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,"max_position_embeddings":131072,"tie_word_embeddings":false,"rope_scaling":{"rope_type":"llama3","factor":8.0}}"#

    static func profile(config: String, parameters: Int? = nil) throws -> ModelProfile {
        let directory = try TemporaryDirectory()
        return try ModelProfile.open(try directory.write("config.json", text: config), parameters: parameters)
    }

    static func estimate(_ profile: ModelProfile, context: Int, configure: (inout MemoryRequest) -> Void = { _ in }) throws
        -> MemoryEstimate.Breakdown
    {
        var request = MemoryRequest()
        request.contexts = [context]
        configure(&request)
        return try #require(try MemoryEstimate(profile: profile, request: request).estimates.first)
    }

    // MARK: - KV cache

    @Test func llama2MultiHeadAttentionMatchesLlamaCppPrintout() throws {
        // 32 layers × 32 KV heads × 128 × (K+V) × 2 bytes = 524,288 B/token; llama.cpp prints
        // "KV self size = 2048.00 MiB" for Llama-2-7B at n_ctx 4096 with an f16 cache.
        let profile = try ModelProfile.open(Fixtures.config("llama-2-7b.json"))
        let e = try Self.estimate(profile, context: 4096)
        #expect(e.kvCacheBytesPerToken == 32 * 32 * 128 * 2 * 2)
        #expect(e.kvCacheBytes == 2048 * 1_048_576)
    }

    @Test func llama3GroupedQueryAttention() throws {
        // 32 × 8 × 128 × 2 × 2 = 131,072 B/token; "KV self size = 1024.00 MiB" at 8192.
        let e = try Self.estimate(try Self.profile(config: Self.llama3), context: 8192)
        #expect(e.kvCacheBytesPerToken == 131_072)
        #expect(e.kvCacheBytes == 1024 * 1_048_576)
    }

    @Test func gemmaExplicitHeadDimAndMultiQuery() throws {
        // Gemma-2B: 18 layers × 1 KV head × head_dim 256 (not 2048 / 8 = 256… the 7B shows the difference) × 2 × 2.
        let gemma2b =
            #"{"model_type":"gemma","vocab_size":256000,"hidden_size":2048,"intermediate_size":16384,"num_hidden_layers":18,"num_attention_heads":8,"num_key_value_heads":1,"head_dim":256,"max_position_embeddings":8192}"#
        #expect(try Self.estimate(try Self.profile(config: gemma2b), context: 1).kvCacheBytesPerToken == 18 * 1 * 256 * 2 * 2)
        // Gemma-7B: 28 layers × 16 KV heads × head_dim 256 = 4096 per K row, although hidden / heads = 192.
        let gemma7b =
            #"{"model_type":"gemma","vocab_size":256000,"hidden_size":3072,"intermediate_size":24576,"num_hidden_layers":28,"num_attention_heads":16,"num_key_value_heads":16,"head_dim":256}"#
        #expect(try Self.estimate(try Self.profile(config: gemma7b), context: 1).kvCacheBytesPerToken == 28 * 16 * 256 * 2 * 2)
    }

    @Test func mistralSlidingWindowCapsTheCells() throws {
        // Mistral-7B-v0.1: sliding_window 4096, so at 32,768 tokens each layer holds 4,096 cells.
        let profile = try ModelProfile.open(Fixtures.config("mistral-7b-v0.1.json"))
        #expect(try Self.estimate(profile, context: 32768).kvCacheBytes == 32 * 8 * 128 * 2 * 2 * 4096)
        #expect(try Self.estimate(profile, context: 2048).kvCacheBytes == 32 * 8 * 128 * 2 * 2 * 2048)
    }

    @Test func gemma2InterleavesLocalAndGlobalLayers() throws {
        // 42 layers, 21 local (4,096 cells) + 21 global; a layer's row is 8 KV heads × 256 × (K+V) × 2 bytes.
        let gemma29b =
            #"{"model_type":"gemma2","vocab_size":256000,"hidden_size":3584,"intermediate_size":14336,"num_hidden_layers":42,"num_attention_heads":16,"num_key_value_heads":8,"head_dim":256,"sliding_window":4096,"max_position_embeddings":8192}"#
        let row = 8 * 256 * 2 * 2
        #expect(try Self.estimate(try Self.profile(config: gemma29b), context: 8192).kvCacheBytes == 21 * row * 8192 + 21 * row * 4096)
    }

    @Test func mixtralUsesItsKVHeadsNotItsExperts() throws {
        let profile = try ModelProfile.open(Fixtures.config("mixtral-8x7b-v0.1.json"))
        let e = try Self.estimate(profile, context: 32768)
        #expect(e.kvCacheBytes == 32 * 8 * 128 * 2 * 2 * 32768)
        #expect(profile.activeParameters == 12_879_925_248)
    }

    @Test func multiHeadLatentAttentionCachesTheLatent() throws {
        // DeepSeek-V3: 61 layers × (kv_lora_rank 512 + qk_rope_head_dim 64) × 2 bytes = 70,272 B/token.
        let deepseek =
            #"{"model_type":"deepseek_v3","vocab_size":129280,"hidden_size":7168,"num_hidden_layers":61,"num_attention_heads":128,"num_key_value_heads":128,"kv_lora_rank":512,"qk_rope_head_dim":64,"max_position_embeddings":163840}"#
        let profile = try Self.profile(config: deepseek, parameters: 671_000_000_000)
        #expect(try Self.estimate(profile, context: 1000).kvCacheBytes == 61 * 576 * 2 * 1000)
    }

    @Test func quantizedCacheUsesWholeBlocks() throws {
        // q8_0 row of 1,024 values = 32 blocks × 34 bytes; q4_0 = 32 × 18.
        let profile = try Self.profile(config: Self.llama3)
        #expect(try Self.estimate(profile, context: 1) { $0.kvCache = .q8_0 }.kvCacheBytesPerToken == 32 * 2 * 32 * 34)
        #expect(try Self.estimate(profile, context: 1) { $0.kvCache = .q4_0 }.kvCacheBytesPerToken == 32 * 2 * 32 * 18)
        #expect(try Self.estimate(profile, context: 1) { $0.kvCache = .fp8 }.kvCacheBytesPerToken == 32 * 2 * 1024)
    }

    @Test func recurrentStateDoesNotGrowWithContext() throws {
        // mamba-130m: d_inner 1536, d_state 16, d_conv 4: 3 × (1536 + 32) + 16 × 1536 = 29,280 floats per layer.
        let mamba = #"{"model_type":"mamba","vocab_size":50280,"hidden_size":768,"num_hidden_layers":24,"state_size":16,"expand":2,"conv_kernel":4}"#
        let profile = try Self.profile(config: mamba, parameters: 130_000_000)
        let short = try Self.estimate(profile, context: 100)
        let long = try Self.estimate(profile, context: 100_000)
        #expect(short.kvCacheBytes == 24 * 29_280 * 4)
        #expect(long.kvCacheBytes == short.kvCacheBytes)
    }

    @Test func parallelSequencesMultiplyCells() throws {
        let profile = try Self.profile(config: Self.llama3)
        #expect(try Self.estimate(profile, context: 1000) { $0.batch = 4 }.kvCacheBytes == 4 * 131_072 * 1000)
    }

    @Test func encoderOnlyModelsHaveNoKVCache() throws {
        let profile = try ModelProfile.open(Fixtures.path("all-MiniLM-L6-v2"))
        #expect(try Self.estimate(profile, context: 512).kvCacheBytes == 0)
    }

    // MARK: - Weights

    /// llama.cpp's Llama-3.1-8B file sizes, reproduced exactly from block sizes and llama-quant.cpp rules
    /// (published.json quant_types[].published_llama31_8b.reproduced_tensor_bytes).
    @Test func llamaCppFileTypesReproduceThePublishedLlama31Sizes() throws {
        let published = try Fixtures.published()
        let types = try #require(published["quant_types"] as? [[String: Any]])
        let profile = try Self.profile(config: Self.llama31)
        var checked: [String] = []
        for entry in types {
            guard let name = entry["name"] as? String, let llama = entry["published_llama31_8b"] as? [String: Any],
                llama["reproduced_exactly"] as? Bool == true, let bytes = llama["reproduced_tensor_bytes"] as? Int
            else { continue }
            // llama.cpp's F32/F16/BF16 file types keep 1-D tensors in F32; plain `f16` means every tensor 16-bit.
            let precision = try #require(["F32", "F16", "BF16"].contains(name) ? WeightPrecision("ggml:" + name) : WeightPrecision(name))
            let sizing = try WeightSizing.size(profile, precision: precision)
            #expect(sizing.bytes == bytes, "\(name)")
            let bpw = try #require(llama["bits_per_weight"] as? Double)
            #expect(abs(Double(sizing.bytes) * 8 / 8_030_261_248 - bpw) < 0.00006, "\(name) bpw")
            checked.append(name)
        }
        #expect(checked.count == 13, "\(checked)")
    }

    @Test func synthesizedTensorsSumToTheFormula() throws {
        for config in [Self.llama3, Self.llama31] {
            let profile = try Self.profile(config: config)
            let parameters = profile.tensors.filter { $0.name != "rope_freqs.weight" }.reduce(0) { $0 + $1.elements }
            #expect(parameters == profile.parameters)
            #expect(profile.parameters == 8_030_261_248)
        }
    }

    @Test func storedGGUFWeightsAreTheTensorBytes() throws {
        let profile = try ModelProfile.open(Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf"))
        let report = try InspectionReport.inspect(Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf"))
        #expect(try WeightSizing.size(profile, precision: .stored).bytes == report.bytes.tensorData)
    }

    @Test func uniformGGMLTypeKeepsOneDimensionalTensorsF32() throws {
        // MiniLM safetensors re-sized as Q8_0: 2-D tensors (rows of 384 or 1536, multiples of 32) at 34/32 bytes,
        // 1-D tensors F32, the position_ids buffer as stored.
        let profile = try ModelProfile.open(Fixtures.path("all-MiniLM-L6-v2"))
        let sizing = try WeightSizing.size(profile, precision: try #require(WeightPrecision("ggml:Q8_0")))
        let twoD = profile.tensors.filter { $0.isParameter && $0.shape.count == 2 }.reduce(0) { $0 + $1.elements }
        let oneD = profile.tensors.filter { $0.isParameter && $0.shape.count == 1 }.reduce(0) { $0 + $1.elements }
        #expect(sizing.bytes == twoD / 32 * 34 + oneD * 4 + 4096)
    }

    // MARK: - Training

    /// ZeRO paper (Rajbhandari et al. 2020), Figure 1: Ψ = 7.5B, mixed-precision Adam, 64 devices:
    /// baseline 120 GB, P_os 31.4 GB, P_os+g 16.6 GB, P_os+g+p 1.9 GB (16 bytes per parameter in all).
    @Test(arguments: [(0, 120_000_000_000), (1, 31_406_250_000), (2, 16_640_625_000), (3, 1_875_000_000)])
    func zeroStagesMatchThePaper(stage: Int, expected: Int) throws {
        let profile = ModelProfile.bare(parameters: 7_500_000_000, architecture: Architecture(source: .config))
        let e = try Self.estimate(profile, context: 1) {
            var training = TrainingRequest()
            training.optimizer = .adam
            training.zeroStage = stage
            training.devices = 64
            $0.training = training
        }
        #expect(e.weightsBytes + (e.gradientsBytes ?? 0) + (e.optimizerBytes ?? 0) == expected)
    }

    @Test func fp32AdamIsAlsoSixteenBytesAndSGDIsEight() throws {
        let profile = ModelProfile.bare(parameters: 1_000_000, architecture: Architecture(source: .config))
        func states(_ precision: TrainingRequest.Precision, _ optimizer: TrainingRequest.Optimizer) throws -> Int {
            let e = try Self.estimate(profile, context: 1) {
                var t = TrainingRequest()
                t.precision = precision
                t.optimizer = optimizer
                $0.training = t
            }
            return e.weightsBytes + (e.gradientsBytes ?? 0) + (e.optimizerBytes ?? 0)
        }
        #expect(try states(.fp32, .adam) == 16_000_000)
        #expect(try states(.fp32, .sgd) == 8_000_000)
        #expect(try states(.fp32, .momentum) == 12_000_000)
        #expect(try states(.bf16Mixed, .adam8bit) == 2_000_000 + 2_000_000 + 4_000_000 + 2_000_000)
    }

    /// LoRA paper: GPT-3 175B (d_model 12,288, 96 layers), adapting W_q and W_v: r = 1 → 4.7M, r = 4 → 18.9M,
    /// r = 8 → 37.7M trainable parameters (published.md §C: 4,718,592 / 18,874,368 / 37,748,736).
    @Test(arguments: [(1, 4_718_592), (4, 18_874_368), (8, 37_748_736)])
    func loraTrainableParametersMatchThePaper(rank: Int, expected: Int) throws {
        var architecture = Architecture(source: .config)
        architecture.layers = 96
        architecture.hiddenSize = 12288
        architecture.heads = 96
        architecture.kvHeads = 96
        architecture.headDim = 128
        let profile = ModelProfile.bare(parameters: 175_000_000_000, architecture: architecture)
        let e = try Self.estimate(profile, context: 2048) {
            var t = TrainingRequest()
            t.loraRank = rank
            $0.training = t
        }
        #expect(e.trainableParameters == expected)
        // The base is frozen: its 16-bit weights, plus the adapters' own 2 + 2 + 12 bytes per parameter.
        #expect(e.gradientsBytes == expected * 2)
        #expect(e.optimizerBytes == expected * 12)
        #expect(e.weightsBytes == 175_000_000_000 * 2 + expected * 2)
    }

    @Test func qloraHoldsTheBaseInNF4() throws {
        let profile = try Self.profile(config: Self.llama3)
        let e = try Self.estimate(profile, context: 512) {
            var t = TrainingRequest()
            t.loraRank = 16
            t.qlora = true
            $0.training = t
        }
        let nf4 = try WeightSizing.size(profile, precision: .linear(.nf4)).bytes
        let trainable = try #require(e.trainableParameters)
        #expect(e.weightsBytes == nf4 + trainable * 2)
        // NF4 with double quantization is 4.127 bits per quantized weight (QLoRA paper).
        let linear = profile.tensors.filter(\.isBlockLinear).reduce(0) { $0 + $1.elements }
        let linearBytes = profile.tensors.filter(\.isBlockLinear).reduce(0) { $0 + WeightSizingProbe.nf4($1.elements) }
        #expect(abs(Double(linearBytes) * 8 / Double(linear) - 4.127) < 0.001)
    }

    @Test func activationRecomputationFollowsKorthikanti() throws {
        // Per layer s·b·h·(34 + 5·a·s/h) without recomputation, 34·s·b·h selective, 2·s·b·h full; + s·b·V·4 logits.
        let profile = try Self.profile(config: Self.llama3)
        let s = 2048.0, h = 4096.0, a = 32.0, L = 32.0, V = 128256.0
        func activations(_ mode: TrainingRequest.Checkpointing, flash: Bool = false) throws -> Int {
            try Self.estimate(profile, context: 2048) {
                var t = TrainingRequest()
                t.checkpointing = mode
                $0.training = t
                $0.flashAttention = flash
            }.activationBytes
        }
        #expect(try activations(.none) == Int(s * h * (34 + 5 * a * s / h) * L + s * V * 4))
        // FlashAttention stores no a·s² scores: the 5·a·s/h term goes.
        #expect(try activations(.none, flash: true) == Int(34 * s * h * L + s * V * 4))
        #expect(try activations(.selective) == Int(34 * s * h * L + s * V * 4))
        #expect(try activations(.full) == Int(2 * s * h * L + s * V * 4))
    }

    // MARK: - Fit

    /// Where memory is the limit, the largest context is the boundary: it fits, one more token does not.
    @Test func largestContextIsTheBoundary() throws {
        let profile = try Self.profile(config: Self.llama3)
        let gpu = try HardwareCatalog.select("rtx-4090")
        let e = try Self.estimate(profile, context: 4096) {
            $0.hardware = gpu
            $0.weights = .float(.f16)
            $0.batch = 16
        }
        let fit = try #require(e.fit)
        #expect(fit.maxContextLimit == .memory)
        let at = try Self.estimate(profile, context: fit.maxContext) {
            $0.weights = .float(.f16)
            $0.batch = 16
        }
        let beyond = try Self.estimate(profile, context: fit.maxContext + 1) {
            $0.weights = .float(.f16)
            $0.batch = 16
        }
        #expect(at.totalBytes <= gpu.usableBytes)
        #expect(beyond.totalBytes > gpu.usableBytes)
    }

    /// A config.json that declares GPTQ weights, with no weights beside it, cannot say how they are stored: the
    /// estimate sizes them at torch_dtype and says so, naming the --weights scheme that stores linear weights as GPTQ
    /// does; that scheme sizes them at about a quarter.
    @Test func configOnlyQuantizedModelSaysItsWeightsAreSizedAtTorchDtype() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "config.json",
            text:
                #"{"model_type":"llama","vocab_size":32000,"hidden_size":4096,"intermediate_size":11008,"num_hidden_layers":32,"num_attention_heads":32,"torch_dtype":"float16","quantization_config":{"quant_method":"gptq","bits":4,"group_size":128}}"#
        )
        var query = MemoryQuery()
        query.spec.model = path
        let answer = try await query.run(with: LocalModels())
        let plain = try #require(answer.estimates.first)
        let warning = try #require(answer.warnings.first { $0.contains("declares GPTQ weights (4-bit)") })
        #expect(warning.contains("sized at float16") && warning.contains("--weights gptq-4bit-g128"))
        query.weights = try #require(WeightPrecision("gptq-4bit-g128"))
        let packed = try #require(try await query.run(with: LocalModels()).estimates.first)
        #expect(
            packed.weightsBytes * 3 < plain.weightsBytes && packed.weightsBytes * 4 > plain.weightsBytes,
            "\(packed.weightsBytes) vs \(plain.weightsBytes)")
    }

    /// Training puts a replica (or its ZeRO shard) on every device: eight A100s are eight 80 GB budgets for the
    /// per-device total, not one 640 GB budget. ZeRO-3 over the eight divides weights, gradients and optimizer.
    @Test func trainingFitsPerDevice() async throws {
        var query = MemoryQuery()
        query.spec.example = "llama-3.1-8b"
        query.train = true
        query.context = 4096
        query.gpu = try HardwareCatalog.select("a100-80gbx8")
        let one = try HardwareCatalog.select("a100-80gb").usableBytes
        let replicated = try #require(try await query.run(with: LocalModels()).estimates.first)
        let fit = try #require(replicated.fit)
        #expect(fit.capacityBytes == one)
        #expect(fit.fits == (replicated.totalBytes <= one))
        #expect(!fit.fits)  // 16 bytes per parameter of Adam state alone is 128 GB for 8B parameters
        query.zero = 3
        let sharded = try #require(try await query.run(with: LocalModels()).estimates.first)
        let optimizer = try #require(replicated.optimizerBytes)
        #expect(sharded.optimizerBytes == (optimizer + 7) / 8)
        #expect(sharded.weightsBytes == (replicated.weightsBytes + 7) / 8)
    }

    /// Megatron-LM tensor parallelism with sequence parallelism (Korthikanti et al. 2022, Table 2: activations
    /// 34·s·b·h/t per layer with FlashAttention): 8 GPUs as 4 replicas × 2-way tensor parallel, ZeRO-1 over the 4.
    @Test func tensorParallelTrainingSplitsEachGPUsShare() async throws {
        var query = MemoryQuery()
        query.spec.example = "llama-3.1-8b"
        query.train = true
        query.context = 8192
        query.gpu = try HardwareCatalog.select("a100-80gbx8")
        let single = try #require(try await query.run(with: LocalModels()).estimates.first)
        query.tensorParallel = 2
        query.zero = 1
        let split = try #require(try await query.run(with: LocalModels()).estimates.first)
        let p = 8_030_261_248
        #expect(split.weightsBytes == p * 2 / 2)
        #expect(split.gradientsBytes == p * 2 / 2)
        // bf16-mixed AdamW: 8 bytes of moments + 4 of fp32 master per parameter, ÷ 2 (tensor) ÷ 4 (ZeRO-1 replicas).
        #expect(split.optimizerBytes == (p * 12 / 2 + 3) / 4)
        // 32 layers × 34 · 8192 · 4096 bytes + logits 8192 · 128,256 · 4, all ÷ 2.
        let activations = (32 * 34 * 8192 * 4096 + 8192 * 128_256 * 4) / 2
        #expect(split.activationBytes == activations)
        #expect(single.activationBytes == activations * 2)
        #expect(try #require(split.fit).capacityBytes == (try HardwareCatalog.select("a100-80gb").usableBytes))

        query.tensorParallel = 3
        #expect(throws: EstimateError.self) { try query.validateCombination() }  // 8 GPUs do not split 3 ways
        query.tensorParallel = 8
        #expect(throws: EstimateError.self) { try query.validateCombination() }  // no replicas left for ZeRO
    }

    /// The context sweep: 1,024 doubling to Llama-3.1-8B's 131,072; KV = 131,072 bytes per token (32 layers ×
    /// 8 KV heads × 128 × 2 × 2 bytes); standard attention adds the scores n_h × n_ubatch × context × 4 bytes —
    /// 32 × 512 × 32,768 × 4 = 2,147,483,648 at 32k.
    @Test func contextSweepMatchesHandArithmetic() async throws {
        var query = MemoryQuery()
        query.spec.example = "llama-3.1-8b"
        query.sweep = true
        try query.set("gpu", .text("rtx-4090"))
        let sweep = try #require(try await query.run(with: LocalModels()).sweep)
        #expect(sweep.points.map(\.context) == [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131_072])
        for p in sweep.points { #expect(p.kvCacheBytes == 131_072 * p.context) }
        let at32k = try #require(sweep.points.first { $0.context == 32768 })
        #expect(at32k.activationBytesStandard - at32k.activationBytes == 32 * 512 * 32768 * 4)
        #expect(at32k.totalBytesStandard - at32k.totalBytes == 32 * 512 * 32768 * 4)
        // The longest fitting context is the last point whose total is within the GPU.
        let capacity = try #require(sweep.capacityBytes)
        #expect(sweep.largestFitting == sweep.points.last { $0.totalBytes <= capacity }?.context)
        #expect(sweep.largestFittingStandard == sweep.points.last { $0.totalBytesStandard <= capacity }?.context)
        // Every column adds up to the total, and standard attention costs its score traffic in time: 4 passes of
        // F32 scores, 16 × 32 layers × 32 heads × 32,768 bytes per token at the RTX 4090's 1,008 GB/s × 0.7.
        for p in sweep.points { #expect(p.weightsBytes + p.kvCacheBytes + p.otherBytes + p.activationBytes == p.totalBytes) }
        let prefill = try #require(at32k.prefillTokensPerSecond), standard = try #require(at32k.prefillTokensPerSecondStandard)
        let scoreSeconds = 16.0 * 32 * 32 * 32768 / (1008e9 * 0.7)
        #expect(abs(1 / standard - (1 / prefill + scoreSeconds)) < 1e-12)
        let decode = try #require(at32k.decodeTokensPerSecond), decodeStandard = try #require(at32k.decodeTokensPerSecondStandard)
        #expect(abs(1 / decodeStandard - (1 / decode + scoreSeconds)) < 1e-12)
    }

    /// The KV cache calculator's side-by-side for Llama-3.1-8B's 32 layers of 32 heads × 128: multi-head
    /// 32 × 2 × 32 × 128 × 2 bytes per token, its own grouped-query 8 KV heads a quarter of that, multi-query 1/32.
    @Test func attentionTypesSideBySide() async throws {
        var query = MemoryQuery()
        query.spec.example = "llama-3.1-8b"
        query.context = 4096
        let variants = try await query.run(with: LocalModels()).attentionVariants
        #expect(variants.map(\.name) == ["MHA", "GQA", "MQA"])
        #expect(variants.map(\.bytesPerToken) == [524_288, 131_072, 16_384])
        #expect(variants.map(\.bytesAtContext) == [524_288 * 4096, 131_072 * 4096, 16_384 * 4096])
        #expect(variants.map(\.isModel) == [false, true, false])
    }

    @Test func absurdTrainingSizesAreRefusedNotTrapped() async throws {
        var query = MemoryQuery()
        query.spec.example = "llama-3.1-8b"
        query.train = true
        query.flashAttention = false
        query.context = 1 << 26
        query.microBatch = 1000
        await #expect(throws: EstimateError.self) { try await query.run(with: LocalModels()) }
    }

    /// Llama-3-8B was trained for 8,192 tokens: on an 80 GB GPU with room for far more, the largest context is
    /// 8,192, said to be the model's maximum (it was reported as 527,768).
    @Test func largestContextStopsAtTheTrainedMaximum() throws {
        let profile = try Self.profile(config: Self.llama3)
        #expect(profile.architecture.contextLength == 8192)
        let e = try Self.estimate(profile, context: 4096) { $0.hardware = try? HardwareCatalog.select("a100-80gb") }
        let fit = try #require(e.fit)
        #expect(fit.maxContext == 8192)
        #expect(fit.maxContextLimit == .trainedMaximum)
        let atMaximum = try Self.estimate(profile, context: 8192) { _ in }
        #expect(atMaximum.totalBytes <= fit.capacityBytes)
    }

    @Test func tooLargeModelsGetOffloadLayers() throws {
        let profile = try Self.profile(config: Self.llama3)
        let e = try Self.estimate(profile, context: 8192) {
            $0.hardware = try? HardwareCatalog.select("t4")
            $0.weights = .float(.f16)
        }
        let fit = try #require(e.fit)
        #expect(!fit.fits)
        #expect(fit.offloadLayers > 0 && fit.offloadLayers <= 32)
        #expect(fit.marginBytes == fit.capacityBytes - e.totalBytes)
    }

    @Test func unknownHardwareSuggestsNearNames() throws {
        let error = try #require(throws: EstimateError.self) { try HardwareCatalog.select("h100-sxn") }
        #expect(error.message.contains("h100-sxm"))
        #expect(try HardwareCatalog.select("a100-80gb x8").count == 8)
        #expect(HardwareCatalog.all.count >= 16)
        #expect(HardwareCatalog.all.allSatisfy { $0.flops[.fp16] != nil && $0.flops[.fp32] != nil })
        #expect(HardwareCatalog.all.allSatisfy { !$0.source.isEmpty && $0.bandwidth > 0 && $0.memoryBytes > 0 })
    }

    @Test func decodeIsBandwidthBound() throws {
        let profile = try Self.profile(config: Self.llama3)
        let gpu = try HardwareCatalog.select("h100-sxm")
        let e = try Self.estimate(profile, context: 1) {
            $0.hardware = gpu
            $0.bandwidthEfficiency = 1
        }
        let speed = try #require(e.speed)
        // One token reads every weight byte once (plus a one-token KV cache).
        let expected = gpu.hardware.bandwidth / Double(e.weightsBytes + e.kvCacheBytes)
        #expect(abs(speed.decodeTokensPerSecond - expected) / expected < 1e-9)
        #expect(speed.flopsPerToken == 2 * 8_030_261_248 + 4 * 32 * 1 * 4096)
    }
}

/// The NF4 layout written out independently of WeightPrecision: 4-bit values, an 8-bit absmax per 64, and an
/// fp32 constant per 256 absmaxes.
enum WeightSizingProbe {
    static func nf4(_ n: Int) -> Int { (n + 1) / 2 + (n + 63) / 64 + ((n + 63) / 64 + 255) / 256 * 4 }
}
