import Foundation
import HeftTestSupport
import Testing

@testable import HeftKit

/// Recorded llama.cpp launches replayed through the same path as `heft memory MODEL --log LOG`: every buffer equals
/// the printed MiB (each printed buffer is rounded to 0.01 MiB) — the compute buffer because Heft replays ggml-alloc
/// over the graph llama.cpp builds — and the total is within 5 % or 64 MiB.
enum LlamaCppLogs {
    static func logs(_ folder: String) -> [String] {
        let folder = Fixtures.packageRoot + "/Tests/Data/llamacpp/" + folder
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".log") }.sorted().map {
            folder + "/" + $0
        }
    }

    static func replay(_ path: String) async throws {
        let name = (path as NSString).lastPathComponent
        let model = String(name[..<name.range(of: "-c", options: .backwards, range: name.startIndex..<name.range(of: "-ub")!.lowerBound)!.lowerBound])
        var query = MemoryQuery()
        query.spec.model = Fixtures.path("llamacpp/\(model).gguf")
        query.log = try String(contentsOfFile: path, encoding: .utf8)
        let estimate = try await query.compute(with: LocalModels())
        let comparison = try #require(estimate.comparison)
        #expect(estimate.engine == .llamaCpp)
        for row in comparison.rows {
            #expect(row.resolutionMebibytes == 0.005 * Double(row.buffers))
            #expect(row.withinRange == nil, "\(name): a single figure, not a range")
            #expect(abs(row.differenceMebibytes) <= row.resolutionMebibytes + 1e-9, "\(name): \(row.kind) \(row.differenceMebibytes) MiB")
        }
        let total = comparison.heftTotalMebibytes - comparison.engineTotalMebibytes
        #expect(abs(total) <= max(0.05 * comparison.engineTotalMebibytes, 64), "\(name): total \(total) MiB")
    }
}

/// The grid recorded by `Scripts/llamacpp/grid.sh` (llama-completion -lv 4).
@Suite struct LlamaCppReplayTests {
    static let logs = LlamaCppLogs.logs("logs")

    @Test func theGridIsRecorded() {
        // Four models × 3 contexts × 2 micro-batches × 2 sequence counts × 3 attention/cache settings.
        #expect(Self.logs.count == 144)
    }

    @Test(arguments: logs) func replay(_ path: String) async throws { try await LlamaCppLogs.replay(path) }
}

/// Launches recorded after the rules were set: the 16-expert model with flash attention at 13 contexts × 2 cache
/// types (its printed compute buffer jumps between 66.50 and 85.56 MiB as ggml-alloc's holes come and go), two more
/// mixtures of experts — Qwen3-30B-A3B's shapes in two layers and a Mixtral-style `llama` — over the grid's
/// settings, and a dense Qwen3 (Qwen3-0.6B's shapes).
@Suite struct LlamaCppHoldoutTests {
    static let logs = LlamaCppLogs.logs("holdout")

    @Test func recorded() {
        // 26 contexts-by-cache launches; 2 models × 3 contexts × 2 micro-batches × 2 sequence counts × 3
        // attention/cache settings; dense Qwen3 × 2 contexts × 2 sequence counts × 3 settings.
        #expect(Self.logs.count == 26 + 2 * 36 + 12)
    }

    @Test(arguments: logs) func replay(_ path: String) async throws { try await LlamaCppLogs.replay(path) }
}

/// llama-server, which reserves logits for one token per sequence and runs 4 unified sequences by default: seven
/// models × four launches (the default; `-np 2` with a q8_0 cache; `-np 1` without flash attention; `-c 16384 -ub
/// 256`), and three with many sequences (32 to 256), where the graph for one token per sequence outgrows the
/// prompt's. With few outputs the peak sits inside a layer, where a closed form was 5–16 % under.
@Suite struct LlamaCppServerTests {
    static let logs = LlamaCppLogs.logs("server")

    @Test func recorded() { #expect(Self.logs.count == 28 + 3) }

    @Test(arguments: logs) func replay(_ path: String) async throws { try await LlamaCppLogs.replay(path) }
}

/// ggml-alloc's dynamic allocator (ggml-alloc.c), on cases worked by hand.
@Suite struct GGMLAllocatorTests {
    @Test func bestFitTakesTheSmallestHoleAndFreesMerge() {
        var a = DynamicAllocator(alignment: 32)
        let x = a.allocate(100)  // 0..<128 (aligned)
        let y = a.allocate(64)  // 128..<192
        let z = a.allocate(256)  // 192..<448
        let w = a.allocate(32)  // 448..<480
        #expect([x, y, z, w] == [0, 128, 192, 448] && a.maxSize == 480)
        a.free(x, 100)
        a.free(z, 256)
        // Two holes, 128 and 256 bytes: 64 bytes go to the smaller one, 200 to the larger, 300 to the end.
        #expect(a.allocate(64) == 0)
        #expect(a.allocate(200) == 192)
        #expect(a.allocate(300) == 480 && a.maxSize == 800)
        // Freeing 128..<192 between the free 64..<128 and the allocated 192: it merges with the block before it.
        a.free(y, 64)
        #expect(a.allocate(128) == 64)
    }

    @Test func inPlaceOpsReuseTheirParent() {
        // input (256 B) → a (1 KiB) → b (1 KiB): in place b takes a's bytes, 1,280 in all; otherwise the 256-byte
        // hole the input leaves is too small for b, which goes above a: 2,304.
        for inPlace in [true, false] {
            var g = GGMLGraph()
            let a = g.op([256], [g.input([64])])
            g.op([256], [a], inPlace: inPlace, output: true)
            #expect(g.allocatedBytes() == (inPlace ? 1280 : 2304))
        }
    }

    @Test func aViewKeepsItsSourceAliveUntilItsLastReader() {
        // input (1 KiB) → a → b in place → view of b → c (2 KiB). b lives until c has read the view, so c cannot
        // use b's bytes: the input's 1 KiB hole is too small and c goes above b, at 2,048: 4,096 in all.
        var g = GGMLGraph()
        let a = g.op([256], [g.input([256])])
        let b = g.op([256], [a], inPlace: true)
        g.op([512], [g.view(b, [128, 2])], output: true)
        #expect(g.allocatedBytes() == 4096)
    }
}

/// The defects a first user found, each against a figure computed independently of the estimator.
@Suite struct EstimateDefectTests {
    func memory(_ configure: (inout MemoryQuery) -> Void) async throws -> MemoryEstimate {
        var query = MemoryQuery()
        configure(&query)
        return try await query.compute(with: LocalModels())
    }

    @Test func flashAttentionDropsTheScoreTermInTraining() async throws {
        // Llama-3.1-8B: h = 4096, a = 32, L = 32, V = 128,256; Korthikanti et al. without the 5·a·s/h term.
        let s = 8192
        let on = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.loraRank = 16; $0.context = s
        }
        let off = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.loraRank = 16; $0.context = s; $0.flashAttention = false
        }
        let expected = 34 * s * 4096 * 32 + s * 128_256 * 4
        let measured = try #require(on.estimates.first?.activationBytes)
        #expect(abs(Double(measured) / Double(expected) - 1) < 0.15)
        #expect(try #require(off.estimates.first?.activationBytes) > 4 * measured)
        #expect(on.assumptions["microBatchTokens"] == nil)
        #expect(on.estimates.first?.speed == nil)
    }

    @Test func planLoRAAndMemoryAgree() async throws {
        var plan = LoRAQuery()
        plan.spec.example = "llama-3.1-8b"
        plan.rank = 16
        let lora = try await plan.compute(with: LocalModels())
        let qlora = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.qlora = true; $0.loraRank = 16; $0.context = 4096
        }
        #expect(lora.qloraMemoryBytes == qlora.estimates.first?.totalBytes)
        #expect(lora.context == 4096)
    }

    @Test func aRankThatSavesNothingIsRefused() async throws {
        var query = LowRankQuery()
        query.spec.example = "llama-3.1-8b"
        query.rank = 5000
        await #expect(throws: EstimateError.self) { try await query.compute(with: LocalModels()) }
        // 1024×4096 breaks even at 1024·4096 ÷ 5120 = 819.2: rank 819 still saves.
        query.rank = 819
        let plan = try await query.compute(with: LocalModels())
        #expect(plan.matrices.allSatisfy { $0.saved > 0 })
    }

    @Test func aBareCountWithoutArchitectureIsRefused() async throws {
        await #expect(throws: EstimateError.self) { try await memory { $0.spec.params = 7_000_000_000 } }
    }

    @Test func slidingWindowKVPerTokenIsNotZero() async throws {
        // Mistral 7B: 32 layers × 8 KV heads × 128 × 2 (K, V) × 2 bytes = 131,072 bytes per token.
        let e = try await memory {
            $0.spec.example = "mistral-7b"; $0.context = 32768
        }
        #expect(e.estimates.first?.kvCacheBytesPerToken == 32 * 8 * 128 * 2 * 2)
    }

    @Test func mixtureOfExpertsUsesTheExpertWidth() throws {
        // The Qwen3-MoE header states feed_forward_length 6144 and expert_feed_forward_length 384.
        let profile = try ModelProfile.open(Fixtures.path("llamacpp/qwen3moe-mini-q4_k_m.gguf"))
        #expect(profile.architecture.ffnSize == 6144)
        #expect(profile.architecture.expertFFNSize == 384)
    }

    @Test(arguments: [
        ("smollm2-135m-q4_k_m", LlamaFileType.Q4_K_M), ("qwen2.5-0.5b-q8_0", .Q8_0), ("qwen3moe-mini-q4_k_m", .Q4_K_M),
        ("gemma-3-270m-q4_k_m", .Q4_K_M),
    ])
    func fileTypeSizesMatchLlamaQuantize(_ name: String, _ type: LlamaFileType) throws {
        // These files were written by llama-quantize (Gemma by its publisher): Heft's rules for the type, applied to
        // the file's own tensor list, give its tensor bytes exactly — the MoE router stays F32.
        let profile = try ModelProfile.open(Fixtures.path("llamacpp/\(name).gguf"))
        let sized = try WeightSizing.size(profile, precision: .fileType(type))
        #expect(sized.bytes == profile.storedBytes, "\(name): \(sized.bytes) vs \(profile.storedBytes ?? 0)")
    }

    /// llama-quantize's output sizes, recorded by `Scripts/llamacpp/grid.sh` (model, type, file bytes or "refused").
    static let quantized: [(model: String, type: String, bytes: Int?)] = {
        let path = Fixtures.packageRoot + "/Tests/Data/llamacpp/quantized-sizes.tsv"
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: "\t").map(String.init)
            return (fields[0], fields[1], Int(fields[2]))
        }
    }()

    @Test func quantizedFilesMatchLlamaQuantizeToTheByte() throws {
        // Each model's fixture has the same tensors as the F16 file llama-quantize read; Heft sizes the whole file it
        // writes (header + every tensor padded to the alignment) from the fixture's header, for every type.
        #expect(Self.quantized.count >= 90)
        let fixture = [
            "smollm2-135m": "smollm2-135m-q4_k_m", "qwen2.5-0.5b": "qwen2.5-0.5b-q8_0", "qwen3moe-mini": "qwen3moe-mini-q4_k_m",
            "gemma-3-270m": "gemma-3-270m-q4_k_m",
        ]
        var profiles: [String: ModelProfile] = [:]
        for (model, typeName, bytes) in Self.quantized {
            let name = try #require(fixture[model])
            let profile = try profiles[name] ?? ModelProfile.open(Fixtures.path("llamacpp/\(name).gguf"))
            profiles[name] = profile
            let type = try #require(LlamaFileType(rawValue: typeName))
            let sized = try WeightSizing.size(profile, precision: .fileType(type))
            if let bytes {
                #expect(sized.fileBytes == bytes, "\(model) \(typeName): Heft \(sized.fileBytes ?? 0), llama-quantize \(bytes)")
                #expect(!sized.importanceMatrix, "\(model) \(typeName) was written without an importance matrix")
            } else {
                // llama-quantize refused to write it without an importance matrix; Heft says one is needed.
                #expect(sized.importanceMatrix, "\(model) \(typeName)")
            }
        }
    }

    @Test func noDriverOverheadOnACPU() async throws {
        let e = try await memory {
            $0.spec.model = Fixtures.path("llamacpp/smollm2-135m-q4_k_m.gguf"); $0.context = 4096
        }
        // The output buffer only: 49,152 logits × 4 bytes for one sequence.
        #expect(e.estimates.first?.overheadBytes == 49_152 * 4)
    }

    @Test func llamaCppSplitsLayersAndChecksEachGPU() async throws {
        // llama.cpp's -ts default splits 32 layers + the output layer evenly over two GPUs: layers 0–16 on CUDA0,
        // 17–31 and the output on CUDA1 (upper_bound over cumulative 0.5, 1.0). Llama-3.1-8B's KV per layer at
        // 131,072 f16 cells is 8 heads × 128 × 2 × 2 bytes × 131,072 = 512 MiB.
        let e = try await memory {
            $0.spec.example = "llama-3.1-8b"
            $0.engine = .llamaCpp
            $0.context = 131_072
            $0.setGPU("rtx-4090x2")
        }
        let kv = try #require(e.estimates.first?.buffers).filter { $0.kind == .kv }
        #expect(kv.map(\.device) == ["CUDA0", "CUDA1"])
        #expect(kv.map(\.bytes) == [17 * 512 << 20, 15 * 512 << 20])
        let fit = try #require(e.estimates.first?.fit)
        // One GPU's usable memory, not both: each GPU holds only its layers.
        #expect(fit.capacityBytes * 2 <= 2 * 24 * 1_073_741_824 && fit.capacityBytes > 20 * 1_073_741_824)
        #expect(e.capacityIsPerDevice)
    }

    @Test func tensorSplitMovesLayersAsLlamaCppDoes() async throws {
        // -ts 3,1: split points 0.75 and 1.0 over 33 offloaded layers (32 + output); layer il goes to the first GPU
        // whose point exceeds il ÷ 33, so layers 0–24 are on CUDA0 (24 ÷ 33 = 0.727) and 25–31 on CUDA1.
        let e = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .llamaCpp; $0.context = 32768; $0.setGPU("rtx-4090x2")
            $0.tensorSplit = [3, 1]
        }
        let kv = try #require(e.estimates.first?.buffers).filter { $0.kind == .kv }
        #expect(kv.map(\.bytes) == [25 * 128 << 20, 7 * 128 << 20])
        // -sm none: one GPU holds every layer.
        let one = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .llamaCpp; $0.context = 32768; $0.setGPU("rtx-4090x2")
            $0.splitMode = .none
        }
        #expect(try #require(one.estimates.first?.buffers).filter { $0.kind == .kv }.map(\.device) == ["CUDA0"])
    }

    @Test func pipelineParallelismKeepsFourCopiesOfEachGPUsInputs() async throws {
        // Several GPUs with every layer and the KV cache offloaded: ggml-backend keeps 4 copies of each split's
        // inputs — 3 more than otherwise: the hidden state 4 · 4096 · 512, positions 4 · 512 and the F32 mask
        // 4 · 32,768 · 512 (n_ubatch 512 at 32,768 cells).
        func compute(_ offload: Bool) async throws -> [Int] {
            let e = try await memory {
                $0.spec.example = "llama-3.1-8b"; $0.engine = .llamaCpp; $0.context = 32768; $0.setGPU("rtx-4090x2")
                $0.kvOffload = offload
            }
            return try #require(e.estimates.first?.buffers).filter { $0.kind == .compute && $0.device.hasPrefix("CUDA") }.map(\.bytes)
        }
        let pipelined = try await compute(true), plain = try await compute(false)
        #expect(zip(pipelined, plain).allSatisfy { $0 - $1 == 3 * (4 * 4096 * 512 + 4 * 512 + 4 * 32768 * 512) })
    }

    @Test func vllmBlocksFollowItsArithmetic() async throws {
        // vLLM's page: 2 × block_size × max(1, kv_heads ÷ tp) × head_size × 2 bytes per layer; Llama-3.1-8B has 32
        // layers of 8 KV heads × 128, so one token is 131,072 bytes on one GPU and 65,536 per GPU with -tp 2.
        let one = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .vllm; $0.context = 8192; $0.setGPU("h100-sxm")
        }
        let two = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .vllm; $0.context = 8192; $0.tensorParallel = 2; $0.setGPU("h100-sxmx2")
        }
        let a = try #require(one.estimates.first?.vllm), b = try #require(two.estimates.first?.vllm)
        #expect(a.kvBytesPerToken == 131_072 && b.kvBytesPerToken == 65_536)
        #expect(a.kvCacheTokens % 16 == 0 && a.kvCacheBytes == a.kvCacheTokens * a.kvBytesPerToken)
        // The budget is gpu_memory_utilization × memory, whole, and every part of it is accounted for.
        #expect(a.budgetBytes == Int((Double(80 << 30) * 0.92).rounded(.up)))
        #expect(a.weightsBytes + a.activationBytes + a.nonTorchBytes + a.cudaGraphBytes + a.kvCacheBytes <= a.budgetBytes)
        #expect(b.weightsBytes * 2 >= a.weightsBytes && b.weightsBytes * 2 <= a.weightsBytes + 1)
        // A context the cache cannot hold gives vLLM's start-up error with the largest length that fits.
        let short = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .vllm; $0.context = 131_072; $0.setGPU("rtx-4090")
        }
        let v = try #require(short.estimates.first?.vllm)
        #expect(!v.fits && v.message.contains("estimated maximum model length is \(v.kvCacheTokens)"))
        // Weights larger than the budget: the shortfall is everything over the budget plus one max_model_len
        // sequence's cache (it was counted from an empty cache instead: 4.29 GB short where 21.6 GB are missing).
        let heavy = try await memory {
            $0.spec.example = "mixtral-8x7b"; $0.engine = .vllm; $0.context = 32768; $0.setGPU("h100-sxm")
        }
        let m = try #require(heavy.estimates.first?.vllm), fit = try #require(heavy.estimates.first?.fit)
        let over = m.budgetBytes - m.weightsBytes - m.activationBytes - m.nonTorchBytes - m.cudaGraphBytes
        #expect(over < 0 && m.kvCacheTokens == 0 && !fit.fits)
        #expect(fit.marginBytes == over - 32768 * m.kvBytesPerToken)
        #expect(fit.marginBytes < -(m.weightsBytes - m.budgetBytes))
    }

    @Test(arguments: [("rtx-4090", 32_768), ("h100-sxm", 131_072), ("t4", 4096)])
    func ollamaDefaultContextByVRAM(_ gpu: String, _ expected: Int) async throws {
        // Ollama's server/routes.go: 262,144 from 47 GiB, 32,768 from 23 GiB, else 4,096; at most the trained
        // 131,072 of Llama-3.1-8B.
        let e = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .ollama; $0.setGPU(gpu)
        }
        #expect(e.estimates.map(\.context) == [expected])
    }

    /// llm/server.go: without flash attention Ollama keeps f16 and logs a warning instead of passing the type on.
    @Test func ollamaKeepsF16WithoutFlashAttention() async throws {
        let asked = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .ollama; $0.context = 8192; $0.kvCache = .q8_0; $0.flashAttention = false
        }
        let f16 = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .ollama; $0.context = 8192; $0.kvCache = .f16; $0.flashAttention = false
        }
        // 32 layers × 8,192 cells × 8 KV heads × 128 × (K + V) × 2 bytes.
        #expect(asked.estimates.first?.kvCacheBytes == 32 * 8192 * 8 * 128 * 2 * 2)
        #expect(asked.estimates.first?.kvCacheBytes == f16.estimates.first?.kvCacheBytes)
        #expect(asked.warnings.contains { $0.contains("quantized kv cache requested but flash attention disabled") })
        // llama.cpp itself refuses the same launch.
        await #expect(throws: EstimateError.self) {
            _ = try await memory {
                $0.spec.example = "llama-3.1-8b"; $0.engine = .llamaCpp; $0.context = 8192; $0.kvCache = .q8_0; $0.flashAttention = false
            }
        }
    }

    /// A real Ollama log (Llama-3-8B, n_ctx 8192 in one cache, n_ubatch 512, every layer on CUDA0, flash attention
    /// off) prints "CUDA_Host compute buffer size = 24.01 MiB": the host keeps the graph's inputs.
    @Test func hostKeepsTheGraphInputsWhenEveryLayerIsOffloaded() async throws {
        let e = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .llamaCpp; $0.context = 8192; $0.flashAttention = false; $0.setGPU("rtx-4090")
        }
        let host = try #require(e.estimates.first?.buffers?.first { $0.name == "CUDA_Host" && $0.kind == .compute })
        #expect(String(format: "%.2f", Double(host.bytes) / 1_048_576) == "24.01")
    }

    /// llama-model.cpp create_memory: BERT-like encoders get no memory module, hence no KV buffer.
    @Test func encoderOnlyModelsHaveNoKVBuffer() async throws {
        let e = try await memory {
            $0.spec.model = Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf"); $0.engine = .llamaCpp; $0.context = 512
        }
        let buffers = try #require(e.estimates.first?.buffers)
        #expect(!buffers.contains { $0.kind == .kv } && e.estimates.first?.kvCacheBytes == 0)
    }

    /// Every GPU's need is listed: llama.cpp's per-GPU buffers (each with the driver context), and one replica
    /// per device in training, where --devices 8 with one GPU's name means eight of them.
    @Test func fitsListEachDevice() async throws {
        let split = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.engine = .llamaCpp; $0.context = 32768; $0.setGPU("rtx-4090x2")
        }
        let fit = try #require(split.estimates.first?.fit), buffers = try #require(split.estimates.first?.buffers)
        #expect(fit.perDeviceBytes.count == 2)
        for (index, need) in fit.perDeviceBytes.enumerated() {
            let onGPU = buffers.filter { $0.device == "CUDA\(index)" }.reduce(0) { $0 + $1.reservedBytes }
            #expect(need == onGPU + 512 << 20)
        }
        #expect(fit.marginBytes == fit.capacityBytes - fit.perDeviceBytes.max()!)
        let eight = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.train = true; $0.devices = 8; $0.setGPU("a100-80gb")
        }
        let training = try #require(eight.estimates.first)
        #expect(training.fit?.devices == 8 && training.fit?.perDeviceBytes == Array(repeating: training.totalBytes, count: 8))
    }

    @Test func trainingIsCheckedPerDevice() async throws {
        let e = try await memory {
            $0.spec.example = "llama-3.1-8b"; $0.train = true; $0.devices = 8; $0.setGPU("a100-80gbx8")
        }
        let fit = try #require(e.estimates.first?.fit)
        #expect(fit.capacityBytes <= 80 * 1_073_741_824)
        #expect(!fit.fits)
    }
}

/// Launch commands read into the same request as the flags.
@Suite struct LaunchCommandTests {
    @Test func llamaServer() throws {
        let c = try LaunchCommand(
            "./llama-server -m /models/x.gguf -c 32768 -np 4 -fa on -ctk q8_0 -ctv q8_0 -ngl 99 --port 8080 -ts 3,1 -sm none -ot x=CPU --frobnicate")
        #expect(c.engine == .llamaCpp)
        #expect(c.tool == .server)
        #expect(c.model == "/models/x.gguf")
        #expect(c.context == 32768 && c.parallel == 4 && c.flashAttention == true && c.typeK == .q8_0 && c.gpuLayers == 99)
        #expect(c.tensorSplit == [3, 1] && c.splitMode == LlamaCppSettings.SplitMode.none)
        // -ot moves tensors and is not modelled: named, not silently dropped; its value is not a flag.
        #expect(c.unknown == ["-ot", "--frobnicate"])
        #expect(throws: EstimateError.self) { try LaunchCommand("llama-server -m x -ts 3,-1") }
        #expect(throws: EstimateError.self) { try LaunchCommand("llama-server -m x -sm columns") }
    }

    @Test func ollamaWithVariables() throws {
        let c = try LaunchCommand("OLLAMA_NUM_PARALLEL=4 OLLAMA_KV_CACHE_TYPE=q8_0 OLLAMA_FLASH_ATTENTION=1 ollama run llama3.2")
        #expect(c.engine == .ollama && c.model == "ollama:llama3.2" && c.parallel == 4 && c.typeK == .q8_0 && c.flashAttention == true)
    }

    @Test func llamaCliAndCompletion() throws {
        let cli = try LaunchCommand("llama-cli -m m.gguf -c 8192 -ub 256 -fa off -ngl 20 --no-mmap")
        #expect(cli.engine == .llamaCpp && cli.tool == .cli && cli.context == 8192 && cli.ubatch == 256 && cli.flashAttention == false)
        #expect(cli.gpuLayers == 20 && cli.unknown.isEmpty)
        let completion = try LaunchCommand("/opt/llama.cpp/build/bin/llama-completion -m m.gguf -n 1 -lv 4 -c 4096 -np 2 -ctk q8_0")
        #expect(completion.tool == .completion && completion.context == 4096 && completion.parallel == 2 && completion.typeK == .q8_0)
    }

    @Test func vllmServe() throws {
        let c = try LaunchCommand("vllm serve meta-llama/Llama-3.1-8B --max-model-len 32k -tp 2 --gpu-memory-utilization=0.9")
        #expect(c.engine == .vllm && c.model == "meta-llama/Llama-3.1-8B" && c.context == 32000 && c.tensorParallel == 2)
        #expect(c.gpuMemoryUtilization == 0.9)
    }

    @Test(arguments: [
        "", "rm -rf /", "llama-server -c", "llama-server -c lots", "llama-server -c -5", "llama-server -np 0", "llama-server -np 300",
        "llama-server -ub 0", "llama-server -ctk q9", "vllm serve", "ollama run", "llama-server 'x",
    ])
    func nonsenseIsRefused(_ text: String) {
        #expect(throws: EstimateError.self) { try LaunchCommand(text) }
    }

    @Test func aLogWithoutBuffersIsRefused() {
        #expect(throws: EstimateError.self) { try LlamaCppLog(text: "hello\nworld", source: "x.log") }
    }
}

extension MemoryQuery {
    fileprivate mutating func setGPU(_ name: String) {
        try? set("gpu", .text(name))
    }
}
