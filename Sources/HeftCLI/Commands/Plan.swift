import ArgumentParser
import Foundation
import HeftFormats
import HeftKit

extension Heft {
    /// `heft plan …`: compression planners.
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan compression: distillation, quantization, pruning, low-rank, LoRA, or the whole pipeline.",
            subcommands: [Distill.self, Quantize.self, Prune.self, LowRank.self, LoRA.self, Pipeline.self]
        )
    }
}

extension Heft.Plan {
    struct Distill: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan teacher → student distillation: size, accuracy, tokens, compute, memory, a student architecture, evidence.",
            discussion: "Quick examples (--example): \(Self.examples.keys.sorted().joined(separator: ", ")); each loads a published pair."
        )

        @Argument(help: "The teacher (any SOURCE); or give --teacher-params.", completion: .file()) var source: String?
        @Option(help: "Teacher parameters (7e9, 8B).") var teacherParams: String?
        @Option(parsing: .unconditional, help: "Compression ratio r = teacher ÷ student.") var ratio: Double?
        @Option(help: "Student parameters instead of --ratio.") var studentParams: String?
        @Option(help: "logit, feature or attention.") var method = "logit"
        @Option(parsing: .unconditional, help: "Softmax temperature T.") var temperature = 2.0
        @Option(parsing: .unconditional, help: "λ in 100 − λ·log₁₀(r)·12.") var lambda: Double?
        @Option(help: "λ from published pairs: encoder, prune-distill, pretrain-distill, reasoning-sft.") var lambdaPreset: String?
        @Option(parsing: .unconditional, help: "Tokens for an uncompressed run.") var baseTokens = 1e9
        @Option(help: "Hardware for GPU-hours (NAME or NAMExN).") var gpu: String?
        @Option(parsing: .unconditional, help: "Sustained fraction of peak bf16 FLOP/s.") var utilization = 0.4
        @Option(help: "A quick example: a published pair by name.") var example: String?
        @Option(help: "Write the width-pruned student's config.json here.") var writeConfig: String?
        @Option(help: "Also write the accuracy-vs-ratio and teacher-vs-student charts as one SVG file.", completion: .file()) var svg: String?
        @Flag(help: "Print JSON.") var json = false

        /// One-word quick examples → published pair ids, labelled as published (the seed's "Llama 70B→8B" is not
        /// a published Minitron pair).
        static let examples: [String: String] = [
            "distilbert": "distilbert-base-uncased", "distilroberta": "distilroberta-base", "tinybert": "tinybert-4l-312d",
            "minilm": "minilm-l6-h384", "mobilebert": "mobilebert", "minitron-8b": "minitron-8b-from-nemotron4-15b",
            "minitron-4b": "minitron-4b-from-nemotron4-15b", "llama-minitron-4b": "llama-3.1-minitron-4b-width",
            "nemo-minitron-8b": "mistral-nemo-minitron-8b", "sheared-llama": "sheared-llama-2.7b", "llama-3.2-1b": "llama-3.2-1b",
            "llama-3.2-3b": "llama-3.2-3b", "r1-distill-qwen-7b": "deepseek-r1-distill-qwen-7b",
        ]

        func validate() throws {
            guard DistillRequest.Method(rawValue: method) != nil else { throw ValidationError("--method: use logit, feature or attention") }
            if let example {
                guard Self.examples[example] != nil else {
                    throw ValidationError("--example: unknown '\(example)'; one of \(Self.examples.keys.sorted().joined(separator: ", "))")
                }
            }
            if let lambdaPreset {
                guard Evidence.presets.contains(where: { $0.family == lambdaPreset }) else {
                    throw ValidationError("--lambda-preset: use \(Evidence.presets.map(\.family).joined(separator: ", "))")
                }
            }
            guard source != nil || teacherParams != nil || example != nil else {
                throw ValidationError("give a teacher SOURCE, --teacher-params or --example")
            }
            guard ratio != nil || studentParams != nil || example != nil else { throw ValidationError("give --ratio or --student-params") }
            if let ratio { guard ratio.isFinite, ratio > 0 else { throw ValidationError("--ratio must be a positive number") } }
            if let lambda { guard lambda.isFinite, lambda >= -5, lambda <= 20 else { throw ValidationError("--lambda must be between -5 and 20") } }
            guard temperature.isFinite, temperature > 0, temperature <= 100 else { throw ValidationError("--temperature must be in (0, 100]") }
            guard baseTokens.isFinite, baseTokens >= 1, baseTokens <= 1e16 else { throw ValidationError("--base-tokens must be between 1 and 1e16") }
            guard utilization.isFinite, utilization > 0, utilization <= 1 else { throw ValidationError("--utilization must be in (0, 1]") }
        }

        func run() throws {
            var teacher = try teacherParams.map { try ModelOptions.parseCount($0, flag: "--teacher-params") }
            var student = try studentParams.map { try ModelOptions.parseCount($0, flag: "--student-params") }
            var config: ConfigReader?
            var lambdaValue = lambda
            if let example, let id = Self.examples[example], let pair = Evidence.pairs.first(where: { $0.id == id }) {
                teacher = teacher ?? pair.teacherParameters
                if ratio == nil { student = student ?? pair.studentParameters }
                lambdaValue = lambdaValue ?? pair.impliedLambda
            }
            if let source {
                let profile = try ModelProfile.open(source)
                teacher = teacher ?? profile.parameters
                config = profile.config
            }
            if let preset = lambdaPreset.flatMap({ name in Evidence.presets.first { $0.family == name } }) {
                lambdaValue = lambdaValue ?? preset.median
            }
            guard let teacher else { throw ValidationError("the teacher's size is unknown") }
            var request = DistillRequest(teacherParameters: teacher)
            request.ratio = ratio
            request.studentParameters = ratio == nil ? student : nil
            request.method = DistillRequest.Method(rawValue: method) ?? .logit
            request.temperature = temperature
            request.lambda = lambdaValue ?? 1
            request.baseTokens = baseTokens
            request.utilization = utilization
            request.teacherConfig = config
            if let gpu { request.hardware = try HardwareCatalog.select(gpu) }
            let plan = try DistillPlan(request)
            if let writeConfig {
                guard let config, let width = plan.students.first(where: { $0.strategy == "width" }) else {
                    throw CommandFailure(
                        message: "--write-config needs a teacher SOURCE with a config.json of a family Heft can count", isUsageError: true)
                }
                try writeText(DistillPlan.studentConfig(config, student: width) + "\n", to: writeConfig)
            }
            if let svg { try writeText(Charts.stack([Charts.accuracyCurve(plan), Charts.teacherStudent(plan)]), to: svg) }
            print(json ? try JSONOutput.encode(plan) : PlanText.distill(plan))
        }
    }

    struct Quantize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every quantization scheme: exact bytes, bits per weight, memory, fit, published quality.")
        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: "Context for the memory column.") var context = 4096
        @Option(help: "Hardware (NAME or NAMExN).") var gpu: String?
        @Option(help: "Memory budget (6GB, 6GiB, 6e9): recommends the best scheme that fits.") var budget: String?
        @Option(parsing: .unconditional, help: "GPTQ/AWQ group size.") var groupSize = 128
        @Option(help: "Also write the size-vs-quality chart as an SVG file.", completion: .file()) var svg: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard context >= 1, context <= 1 << 26 else { throw ValidationError("--context must be between 1 and 67108864") }
            guard groupSize >= 8, groupSize <= 1 << 20 else { throw ValidationError("--group-size must be between 8 and 1048576") }
            _ = try parseSize(budget, flag: "--budget")
        }

        func run() throws {
            let plan = try QuantizePlan(
                profile: try model.profile(),
                context: context,
                hardware: try gpu.map { try HardwareCatalog.select($0) },
                budgetBytes: try parseSize(budget, flag: "--budget"),
                groupSize: groupSize
            )
            if let svg { try writeText(Charts.quantization(plan) + "\n", to: svg) }
            print(json ? try JSONOutput.encode(plan) : PlanText.quantize(plan))
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Structured pruning (exact counts) and unstructured or 2:4 sparsity (storage).")
        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: "Layers to remove.") var dropLayers: Int?
        @Option(parsing: .unconditional, help: "Attention heads to keep per layer.") var keepHeads: Int?
        @Option(parsing: .unconditional, help: "FFN width to keep.") var keepFfn: Int?
        @Option(parsing: .unconditional, help: "Experts to keep (MoE).") var keepExperts: Int?
        @Option(parsing: .unconditional, help: "Unstructured sparsity (0–1).") var sparsity: Double?
        @Flag(help: "2:4 structured sparsity.") var twoFour = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let profile = try model.profile()
            let plan = try PrunePlan(
                profile: profile, config: profile.config, dropLayers: dropLayers, keepHeads: keepHeads, keepFFN: keepFfn,
                keepExperts: keepExperts, sparsity: sparsity, twoFour: twoFour)
            print(json ? try JSONOutput.encode(plan) : PlanText.prune(plan))
        }
    }

    struct LowRank: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lowrank", abstract: "Rank-r factorization of chosen matrices, and ALBERT-style embeddings.")
        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: "The rank r.") var rank: Int
        @Option(help: "Matrices: q,k,v,o,gate,up,down, qv, attention, mlp or all.") var targets = "all"
        @Option(parsing: .unconditional, help: "Factorize the embedding through E dimensions (ALBERT).") var embeddingRank: Int?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard rank >= 1 else { throw ValidationError("--rank must be at least 1") }
            guard LoRAModule.parse(targets) != nil else { throw ValidationError("--targets: use q,k,v,o,gate,up,down, qv, attention, mlp or all") }
            if let embeddingRank { guard embeddingRank >= 1 else { throw ValidationError("--embedding-rank must be at least 1") } }
        }

        func run() throws {
            let plan = try LowRankPlan(
                profile: try model.profile(), rank: rank, modules: LoRAModule.parse(targets) ?? [], embeddingRank: embeddingRank)
            print(json ? try JSONOutput.encode(plan) : PlanText.lowRank(plan))
        }
    }

    struct LoRA: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lora", abstract: "LoRA and QLoRA: trainable parameters and training memory.")
        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: "The rank r.") var rank = 8
        @Option(help: "Matrices: q,k,v,o,gate,up,down, qv, attention, mlp or all.") var targets = "q,v"
        @Option(parsing: .unconditional, help: "Training sequence length.") var context = 2048
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard rank >= 1, rank <= 65_536 else { throw ValidationError("--rank must be between 1 and 65536") }
            guard LoRAModule.parse(targets) != nil else { throw ValidationError("--targets: use q,k,v,o,gate,up,down, qv, attention, mlp or all") }
            guard context >= 1, context <= 1 << 26 else { throw ValidationError("--context must be between 1 and 67108864") }
        }

        func run() throws {
            let plan = try LoRAPlan(profile: try model.profile(), rank: rank, modules: LoRAModule.parse(targets) ?? [], context: context)
            print(json ? try JSONOutput.encode(plan) : PlanText.lora(plan))
        }
    }

    struct Pipeline: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Distill → quantize → prune as one plan, against a memory target.")
        @OptionGroup var model: ModelOptions
        @Option(parsing: .unconditional, help: "Distillation ratio (omit to skip).") var distill: Double?
        @Option(parsing: .unconditional, help: "λ for the distillation step.") var lambda = 1.0
        @Option(help: "Quantization scheme (Q4_K_M, nf4, int8, …).") var quantize = "Q4_K_M"
        @Flag(help: "Add 2:4 sparsity.") var twoFour = false
        @Option(help: "Memory target (8GB, 8GiB).") var targetMemory: String?
        @Option(help: "Hardware (NAME or NAMExN).") var gpu: String?
        @Option(parsing: .unconditional, help: "Context for memory.") var context = 4096
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let distill { guard distill.isFinite, distill > 1 else { throw ValidationError("--distill must be a ratio above 1") } }
            guard lambda.isFinite, lambda >= -5, lambda <= 20 else { throw ValidationError("--lambda must be between -5 and 20") }
            guard WeightPrecision(quantize) != nil else { throw ValidationError("--quantize: unknown scheme '\(quantize)'") }
            guard context >= 1, context <= 1 << 26 else { throw ValidationError("--context must be between 1 and 67108864") }
            _ = try parseSize(targetMemory, flag: "--target-memory")
        }

        func run() throws {
            let plan = try PipelinePlan(
                profile: try model.profile(), context: context, distillRatio: distill, lambda: lambda, scheme: quantize, sparsity24: twoFour,
                targetBytes: try parseSize(targetMemory, flag: "--target-memory"), hardware: try gpu.map { try HardwareCatalog.select($0) }
            )
            print(json ? try JSONOutput.encode(plan) : PlanText.pipeline(plan))
        }
    }
}

extension Heft {
    struct Advise: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Choose a model size: tier, largest model that fits, techniques to try.")
        @Option(help: "simple, moderate or complex.") var task = "moderate"
        @Option(parsing: .unconditional, help: "Training data in tokens.") var dataTokens: Double?
        @Option(help: "Memory budget (16GB).") var memory: String?
        @Option(parsing: .unconditional, help: "Context length.") var context = 4096
        @Option(parsing: .unconditional, help: "Decode speed target in tokens per second.") var tokensPerSecond: Double?
        @Option(help: "Hardware (NAME or NAMExN).") var gpu: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard Advice.Task(rawValue: task) != nil else { throw ValidationError("--task: use simple, moderate or complex") }
            _ = try parseSize(memory, flag: "--memory")
        }

        func run() throws {
            let advice = try Advice(
                task: Advice.Task(rawValue: task) ?? .moderate, dataTokens: dataTokens, memoryBytes: try parseSize(memory, flag: "--memory"),
                context: context, tokensPerSecond: tokensPerSecond, hardware: try gpu.map { try HardwareCatalog.select($0) }
            )
            print(json ? try JSONOutput.encode(advice) : PlanText.advice(advice))
        }
    }
}

/// Writes `text` to `path`, as one clear error on failure.
func writeText(_ text: String, to path: String) throws {
    guard let file = fopen(path, "w") else { throw CommandFailure(message: "\(path): cannot write the file") }
    defer { fclose(file) }
    fputs(text, file)
}
