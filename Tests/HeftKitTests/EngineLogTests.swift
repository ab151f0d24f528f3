import Foundation
import HeftKit
import HeftTestSupport
import Testing

/// Ollama's and vLLM's logs, in the formats their sources print (Ollama ml/device.go and llm/llama_server.go;
/// vLLM gpu_model_runner.py, gpu_worker.py, kv_cache_utils.py, entrypoints/utils.py), read into the same request.
@Suite struct EngineLogTests {
    static let recorded = Fixtures.packageRoot + "/Tests/Data/llamacpp/logs/smollm2-135m-q4_k_m-c4096-ub512-np1-faon-kvf16.log"

    @Test func ollamaRunningLlamaServerIsReadAsLlamaCpp() async throws {
        // Ollama starts llama-server with --log-verbosity 4 --no-log-prefix --no-log-timestamps and logs the command
        // in its own slog line; the buffers are llama.cpp's, so Heft's comparison is the same as for llama.cpp.
        let original = try String(contentsOfFile: Self.recorded, encoding: .utf8)
        let model = Fixtures.path("llamacpp/smollm2-135m-q4_k_m.gguf")
        let unprefixed = original.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            // "0.00.123.456 I message" → "message"
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            return parts.count == 3 && parts[0].first?.isNumber == true && parts[1].count == 1 ? String(parts[2]) : String(line)
        }
        let ollama =
            "time=2026-11-29T10:00:00.000Z level=INFO source=llama_server.go:433 msg=\"starting llama-server\" cmd=\"/usr/lib/ollama/llama-server --model \(model) --port 41234 --host 127.0.0.1 --no-webui --offline -c 4096 -np 1 --log-verbosity 4\"\n"
            + unprefixed.joined(separator: "\n")
        let log = try LlamaCppLog(text: ollama, source: "ollama.log")
        let plain = try LlamaCppLog(text: original, source: "llama.log")
        #expect(log.engine == .ollama && plain.engine == .llamaCpp)
        #expect(log.buffers.map(\.mebibytes) == plain.buffers.map(\.mebibytes))
        #expect(log.context == plain.context && log.ubatch == plain.ubatch)

        var query = MemoryQuery()
        query.log = ollama
        let estimate = try await query.compute(with: LocalModels())
        #expect(estimate.engine == .ollama)
        let comparison = try #require(estimate.comparison)
        #expect(comparison.engine == .ollama)
        for row in comparison.rows where row.kind != .compute {
            #expect(abs(row.differenceMebibytes) <= row.resolutionMebibytes + 1e-9, "\(row.kind)")
        }
    }

    @Test func ollamaRunnerSummaryLines() throws {
        // ml/device.go BackendMemory.Log: one line per device and kind, sizes by format.HumanBytes2 (one decimal).
        let text = """
            time=2026-11-29T10:00:01.000Z level=INFO source=device.go:241 msg="model weights" device=CUDA0 size="4.3 GiB"
            time=2026-11-29T10:00:01.000Z level=INFO source=device.go:246 msg="model weights" device=CPU size="281.8 MiB"
            time=2026-11-29T10:00:01.000Z level=INFO source=device.go:252 msg="kv cache" device=CUDA0 size="512.0 MiB"
            time=2026-11-29T10:00:01.000Z level=INFO source=device.go:263 msg="compute graph" device=CUDA0 size="258.5 MiB"
            time=2026-11-29T10:00:01.000Z level=INFO source=device.go:273 msg="total memory" size="5.3 GiB"
            """
        let log = try LlamaCppLog(text: text, source: "ollama.log")
        #expect(log.engine == .ollama)
        #expect(log.buffers.map(\.kind) == [.model, .model, .kv, .compute])
        #expect(log.buffers.map(\.name) == ["CUDA0", "CPU", "CUDA0", "CUDA0"])
        let sizes: [Double] = [4.3 * 1024, 281.8, 512, 258.5]
        let resolutions: [Double] = [0.05 * 1024, 0.05, 0.05, 0.05]
        #expect(log.buffers.map(\.mebibytes) == sizes)
        #expect(log.buffers.map(\.resolutionMebibytes) == resolutions)
        #expect(throws: EstimateError.self) { try LlamaCppLog(text: "time=x level=INFO msg=\"total memory\" size=\"1 GiB\"", source: "x") }
    }

    static let vllm = """
        (APIServer pid=1) INFO 11-29 10:00:00 [utils.py:233] non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B', 'model': 'meta-llama/Llama-3.1-8B', 'max_model_len': 8192, 'gpu_memory_utilization': 0.9, 'kv_transfer_config': KVTransferConfig(kv_connector='X', kv_role='kv_both'), 'max_num_seqs': 64}
        (EngineCore pid=7) INFO 11-29 10:00:20 [gpu_model_runner.py:2000] Model loading took 14.9889 GiB and 5.512345 seconds
        (EngineCore pid=7) INFO 11-29 10:00:40 [gpu_worker.py:300] Available KV cache memory: 55.13 GiB
        (EngineCore pid=7) INFO 11-29 10:00:40 [kv_cache_utils.py:1000] GPU KV cache size: 451,632 tokens
        (EngineCore pid=7) INFO 11-29 10:00:40 [kv_cache_utils.py:1004] Maximum concurrency for 8,192 tokens per request: 55.13x
        (EngineCore pid=7) INFO 11-29 10:00:50 [gpu_model_runner.py:2500] Graph capturing finished in 6 secs, took 0.54 GiB
        """

    @Test func vllmLogSettingsAndMeasurements() throws {
        let log = try VLLMLog(text: Self.vllm, source: "vllm.log")
        #expect(log.model == "meta-llama/Llama-3.1-8B")
        #expect(log.maxModelLen == 8192)
        #expect(log.gpuMemoryUtilization == 0.9)
        #expect(log.maxNumSeqs == 64)
        #expect(log.weightsGiB == 14.9889)
        #expect(log.kvCacheGiB == 55.13)
        #expect(log.kvCacheTokens == 451_632)
        #expect(log.maxConcurrency == 55.13)
        #expect(log.cudaGraphGiB == 0.54)
        #expect(throws: EstimateError.self) { try VLLMLog(text: "INFO non-default args: {'model': 'x'}", source: "vllm.log") }
    }

    @Test func vllmLogIsComparedPerGPU() async throws {
        var query = MemoryQuery()
        query.spec.example = "llama-3.1-8b"
        query.log = Self.vllm
        // The log does not name the GPU.
        await #expect(throws: EstimateError.self) { try await query.compute(with: LocalModels()) }
        try query.set("gpu", .text("h100-sxm"))
        let estimate = try await query.compute(with: LocalModels())
        #expect(estimate.engine == .vllm)
        let allocation = try #require(estimate.estimates.first?.vllm)
        #expect(allocation.maxModelLen == 8192)
        #expect(allocation.maxNumSeqs == 64)
        let comparison = try #require(estimate.comparison)
        #expect(comparison.rows.map(\.kind) == [.model, .kv, .compute])
        let printed: [Double] = [14.9889 * 1024, 55.13 * 1024, 0.54 * 1024]
        #expect(comparison.rows.map(\.engineMebibytes) == printed)
        #expect(comparison.rows[0].heftMebibytes == Double(allocation.weightsBytes) / 1_048_576)
        #expect(comparison.engineKVTokens == 451_632)
        #expect(comparison.heftKVTokens == allocation.kvCacheTokens)
    }
}
