import ArgumentParser
import HeftFormats
import HeftKit

extension Heft {
    /// `heft memory SOURCE`: what a model costs to run or train, and whether it fits.
    struct Memory: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Estimate memory to run or train a model (weights + KV cache + activations), fit and speed.",
            discussion: """
                SOURCE is anything `heft inspect` reads; or give --params with the architecture flags.
                Without --context, a 4,096-token context and the model's maximum are shown side by side.
                Every number is an estimate with its formula printed below the table.
                """
        )

        @OptionGroup var model: ModelOptions

        @Option(parsing: .unconditional, help: "Context length in tokens (default: 4096 and the model's maximum).") var context: Int?
        @Option(parsing: .unconditional, help: "Parallel sequences.") var batch = 1
        @Option(help: "Weight precision: stored, f32, f16, bf16, fp8, int8, int4, nf4, a ggml type (Q4_K) or a llama.cpp file type (Q4_K_M).")
        var weights = "stored"
        @Option(help: "KV cache type: f32, f16, bf16, q8_0, q4_0, fp8.") var kvCache = "f16"
        @Flag(help: "Materialize attention scores (no FlashAttention).") var noFlashAttention = false
        @Option(parsing: .unconditional, help: "Tokens per prefill step (llama.cpp n_ubatch).") var ubatch = 512
        @Option(parsing: .unconditional, help: "Fixed runtime overhead in MiB.") var overheadMib = 512
        @Option(help: "Hardware NAME or NAMExN (h100-sxm, a100-80gb x8, rtx-4090, m4-max…).") var gpu: String?
        @Option(parsing: .unconditional, help: "Fraction of peak FLOP/s reached in prefill.") var mfu = 0.5
        @Option(parsing: .unconditional, help: "Fraction of peak bandwidth reached in decode.") var mbu = 0.7

        @Flag(help: "Estimate training instead of inference.") var train = false
        @Option(help: "Training precision: fp32, bf16-mixed, fp16-mixed, bf16.") var precision = "bf16-mixed"
        @Option(help: "Optimizer: sgd, momentum, adam, adamw, adam8bit, adafactor.") var optimizer = "adamw"
        @Option(help: "Activation recomputation: none, selective, full.") var checkpointing = "none"
        @Option(parsing: .unconditional, help: "Sequences per micro-batch when training.") var microBatch = 1
        @Option(parsing: .unconditional, help: "LoRA rank (train adapters only).") var loraRank: Int?
        @Option(help: "LoRA targets: qv (the LoRA paper), all, attention, mlp, or a list such as q,k,v,o.") var loraTargets = "qv"
        @Flag(help: "QLoRA: the frozen base in 4-bit NF4 (implies LoRA; default rank 16).") var qlora = false
        @Option(parsing: .unconditional, help: "ZeRO stage 0–3.") var zero = 0
        @Option(parsing: .unconditional, help: "Devices for ZeRO sharding.") var devices = 1

        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Also write the memory chart as an SVG file.", completion: .file()) var svg: String?

        func validate() throws {
            guard batch >= 1, batch <= 65_536 else { throw ValidationError("--batch must be between 1 and 65536") }
            guard ubatch >= 1, ubatch <= 1 << 20 else { throw ValidationError("--ubatch must be between 1 and 1048576") }
            guard overheadMib >= 0, overheadMib <= 1 << 24 else { throw ValidationError("--overhead-mib must be between 0 and 16777216") }
            guard mfu.isFinite, mfu > 0, mfu <= 1 else { throw ValidationError("--mfu must be a fraction in (0, 1]") }
            guard mbu.isFinite, mbu > 0, mbu <= 1 else { throw ValidationError("--mbu must be a fraction in (0, 1]") }
            if let context { guard context >= 1, context <= 1 << 26 else { throw ValidationError("--context must be between 1 and 67108864") } }
            guard microBatch >= 1, microBatch <= 65_536 else { throw ValidationError("--micro-batch must be between 1 and 65536") }
            guard (0...3).contains(zero) else { throw ValidationError("--zero takes 0, 1, 2 or 3") }
            guard devices >= 1, devices <= 100_000 else { throw ValidationError("--devices must be between 1 and 100000") }
            if let loraRank { guard loraRank >= 1, loraRank <= 65_536 else { throw ValidationError("--lora-rank must be between 1 and 65536") } }
            guard WeightPrecision(weights) != nil else { throw ValidationError("--weights: unknown precision '\(weights)'") }
            guard CacheType(rawValue: kvCache.lowercased()) != nil else {
                throw ValidationError("--kv-cache: unknown type '\(kvCache)' (use \(CacheType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard TrainingRequest.Precision(rawValue: precision) != nil else {
                throw ValidationError("--precision: use fp32, bf16-mixed, fp16-mixed or bf16")
            }
            guard TrainingRequest.Optimizer(rawValue: optimizer) != nil else {
                throw ValidationError("--optimizer: use sgd, momentum, adam, adamw, adam8bit or adafactor")
            }
            guard TrainingRequest.Checkpointing(rawValue: checkpointing) != nil else {
                throw ValidationError("--checkpointing: use none, selective or full")
            }
            guard LoRAModule.parse(loraTargets) != nil else {
                throw ValidationError("--lora-targets: use qv, all, attention, mlp or a list of q,k,v,o,gate,up,down")
            }
        }

        func run() throws {
            let profile = try model.profile()
            var request = MemoryRequest()
            request.contexts = context.map { [$0] } ?? []
            request.batch = batch
            request.weights = WeightPrecision(weights) ?? .stored
            request.kvCache = CacheType(rawValue: kvCache.lowercased()) ?? .f16
            request.flashAttention = !noFlashAttention
            request.microBatchTokens = ubatch
            request.overheadBytes = overheadMib << 20
            request.computeEfficiency = mfu
            request.bandwidthEfficiency = mbu
            if let gpu { request.hardware = try HardwareCatalog.select(gpu) }
            if train || loraRank != nil || qlora {
                var training = TrainingRequest()
                training.precision = TrainingRequest.Precision(rawValue: precision) ?? .bf16Mixed
                training.optimizer = TrainingRequest.Optimizer(rawValue: optimizer) ?? .adamw
                training.checkpointing = TrainingRequest.Checkpointing(rawValue: checkpointing) ?? .none
                training.microBatch = microBatch
                training.loraRank = loraRank ?? (qlora ? 16 : nil)
                training.loraModules = LoRAModule.parse(loraTargets) ?? [.q, .v]
                training.qlora = qlora
                training.zeroStage = zero
                training.devices = devices
                request.training = training
            }
            let estimate = try MemoryEstimate(profile: profile, request: request)
            if let svg { try writeText(Charts.memory(estimate) + "\n", to: svg) }
            print(json ? try JSONOutput.encode(MemoryJSON(estimate)) : MemoryText(estimate).render())
        }
    }
}
