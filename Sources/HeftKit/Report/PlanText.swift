/// Readable renderings of the plans, for `heft plan …` and `heft advise`.
public enum PlanText {
    static func size(_ bytes: Int) -> String { "\(Formatting.decimalSize(bytes)) (\(Formatting.binarySize(bytes)))" }
    static func pct(_ value: Double) -> String { Formatting.fixed(value, decimals: 1) + "%" }

    static func footer(_ formulas: [String: String], _ warnings: [String]) -> [String] {
        var out = ["", "How each number is computed:"]
        for (key, formula) in formulas.sorted(by: { $0.key < $1.key }) { out.append("  \(key): \(formula)") }
        if !warnings.isEmpty {
            out.append("")
            out.append("Warnings")
            for warning in warnings { out.append("  - \(warning)") }
        }
        return out
    }

    public static func distill(_ p: DistillPlan) -> String {
        var out = [
            "Teacher       \(Formatting.grouped(p.teacherParameters)) parameters (\(Formatting.compactCount(p.teacherParameters)))",
            "Student       \(Formatting.grouped(p.studentParameters)) parameters (\(Formatting.compactCount(p.studentParameters))), \(Formatting.fixed(p.compressionRatio, decimals: 3))× smaller",
            "Accuracy      ≈ \(pct(p.accuracyPercent)) of the teacher (estimate, λ = \(Formatting.fixed(p.lambda, decimals: 3)))",
            "Tokens        ≈ \(Formatting.grouped(p.trainingTokens)) (estimate)",
            "Method        \(p.method) distillation at T = \(Formatting.fixed(p.temperature, decimals: 2))",
            "",
            "Compute (estimate): student 6·N·D = \(Formatting.fixed(p.compute.studentTrainingFlops / 1e18, decimals: 2)) EFLOP + teacher 2·N·D = \(Formatting.fixed(p.compute.teacherForwardFlops / 1e18, decimals: 2)) EFLOP",
        ]
        if let hours = p.compute.gpuHours, let hardware = p.compute.hardware {
            out.append(
                "  ≈ \(Formatting.grouped(Int(hours.rounded()))) GPU-hours on \(hardware) at \(Formatting.fixed(p.compute.utilization * 100, decimals: 0))% utilization"
            )
        }
        out.append(
            "  caching teacher logits instead: top-\(p.compute.cachedTopK) \(Formatting.decimalSize(Int(p.compute.cachedTopKLogitsBytes)))"
                + (p.compute.cachedFullLogitsBytes.map { ", full vocabulary \(Formatting.decimalSize(Int($0)))" } ?? ""))
        out.append(
            "Memory to distill: teacher \(size(p.memory.teacherBytes)) + student training \(size(p.memory.studentTrainingBytes)) = \(size(p.memory.totalBytes)) (activations not included)"
        )
        if !p.students.isEmpty {
            out.append("")
            var table = TextTable(header: ["Student architecture", "parameters", "vs target", "config changes"], rightAligned: [1, 2])
            for s in p.students {
                table.add([
                    s.strategy.rawValue, Formatting.grouped(s.parameters), (s.differencePercent >= 0 ? "+" : "") + pct(s.differencePercent),
                    s.changes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
                ])
            }
            out.append(table.render(indent: ""))
            out.append("  Minitron found width pruning retains more than depth pruning at the same size.")
        }
        out.append("")
        var temps = TextTable(
            header: ["Softmax of logits for " + p.temperatureExampleLabels.map { "\"\($0)\"" }.joined(separator: ", ")] + p.temperatureExampleLabels,
            rightAligned: Set(1...p.temperatureExampleLabels.count))
        for example in p.temperatureExamples {
            temps.add(["T = \(Formatting.fixed(example.temperature, decimals: 1))"] + example.probabilities.map { Formatting.fixed($0, decimals: 3) })
        }
        out.append(temps.render(indent: ""))
        out.append("")
        var methods = TextTable(header: ["Method", "transfers", "complexity", "typical use", "cache per token"], rightAligned: [4])
        for m in p.methods {
            methods.add([
                m.method.rawValue + (m.chosen ? " ◀" : ""), m.transfers, m.complexity, m.typicalUse,
                m.cacheBytesPerToken.map { Formatting.grouped($0) + " B" } ?? "not cached",
            ])
        }
        out.append(methods.render(indent: ""))
        out.append("")
        out.append("Guidance")
        for line in p.guidance { out.append("  - \(line)") }
        out.append("")
        var presets = TextTable(
            header: ["λ presets from published pairs", "pairs", "λ median", "λ range", "accuracy at your r"], rightAligned: [1, 2, 4])
        for preset in p.presets {
            presets.add([
                preset.family, "\(preset.pairs)", Formatting.fixed(preset.lambdaMedian, decimals: 2),
                "\(Formatting.fixed(preset.lambdaMinimum, decimals: 2))…\(Formatting.fixed(preset.lambdaMaximum, decimals: 2))",
                "\(pct(preset.accuracyPercentAtMedian)) (\(pct(preset.accuracyPercentRange[0]))–\(pct(preset.accuracyPercentRange[1])))",
            ])
        }
        out.append(presets.render(indent: ""))
        out.append("")
        var evidence = TextTable(header: ["Published pair", "family", "ratio", "retention", "implied λ"], rightAligned: [2, 3, 4])
        for row in p.evidence {
            evidence.add([
                row.id, row.family, Formatting.fixed(row.ratio, decimals: 2) + "×", row.retention.map(pct) ?? "-",
                row.impliedLambda.map { Formatting.fixed($0, decimals: 2) } ?? "-",
            ])
        }
        out.append(evidence.render(indent: ""))
        out.append(
            "  Your plan: \(Formatting.fixed(p.compressionRatio, decimals: 2))× at λ = \(Formatting.fixed(p.lambda, decimals: 2)). Sources: heft plan distill --json (evidence[].source)."
        )
        return (out + footer(p.formulas, p.warnings)).joined(separator: "\n")
    }

    public static func quantize(_ p: QuantizePlan) -> String {
        var out = [
            "Model         \(p.model), \(Formatting.grouped(p.parameters)) parameters",
            "Context       \(Formatting.grouped(p.context)) tokens" + (p.hardware.map { ", on \($0)" } ?? "")
                + (p.budgetBytes.map { ", budget \(Formatting.decimalSize($0))" } ?? ""), "",
        ]
        let speed = p.schemes.contains { $0.decodeTokensPerSecond != nil }
        let files = p.schemes.contains { $0.fileBytes != nil }
        var header = ["Scheme", "family", "tensor bytes"]
        if files { header.append("file bytes") }
        header += ["bits/weight"] + (files ? ["file bits/w"] : []) + ["quantized bits", "memory at context"]
        if speed { header.append("decode tok/s") }
        header += ["fits", "published ΔPPL"]
        var table = TextTable(header: header, rightAligned: Set(2..<(header.count - 2)))
        for s in p.schemes {
            let quality =
                s.quality.first { $0.delta != nil }.map {
                    "\($0.delta.map { ($0 >= 0 ? "+" : "") + Formatting.fixed($0, decimals: 4) } ?? "") (\($0.model))"
                } ?? (s.family == .float ? "0 (float)" : "-")
            var row = [s.name + (s.name == p.recommended ? " ◀" : "") + (s.note == nil ? "" : " *"), s.family.rawValue, Formatting.grouped(s.bytes)]
            if files { row.append(s.fileBytes.map(Formatting.grouped) ?? "-") }
            row.append(Formatting.fixed(s.bitsPerWeight, decimals: 3))
            if files { row.append(s.fileBitsPerWeight.map { Formatting.fixed($0, decimals: 3) } ?? "-") }
            row += [Formatting.fixed(s.quantizedBitsPerWeight, decimals: 3), Formatting.decimalSize(s.memoryBytes)]
            if speed { row.append(s.decodeTokensPerSecond.map { Formatting.fixed($0, decimals: 1) } ?? "-") }
            row += [s.fits.map { $0 ? "yes" : "no" } ?? "-", quality]
            table.add(row)
        }
        out.append(table.render(indent: ""))
        if let recommended = p.recommended { out.append("\nRecommended: \(recommended) — \(p.rule)") }
        if p.schemes.contains(where: { $0.note != nil }) {
            out.append("* llama-quantize needs an importance matrix (--imatrix) for the marked types on this model: sized as written with one.")
        }
        out.append(
            "Published ΔPPL: wikitext-2 perplexity change (llama.cpp scoreboard, GPTQ/AWQ papers); sources in --json (schemes[].quality[].source).")
        var formulas = [
            "tensor bytes":
                "exact per tensor: each tensor's values in whole blocks of the scheme, tensors llama-quantize keeps in higher precision kept so",
            "bits/weight": "tensor bytes × 8 ÷ parameters",
            "quantized bits": "bytes × 8 ÷ parameters of the 2-D weight matrices the scheme quantizes",
        ]
        if files { formulas["file bits/w"] = "file bytes × 8 ÷ parameters" }
        if files {
            formulas["file bytes"] =
                "the GGUF llama-quantize writes: the header (keys copied, file type and quantization version set) + each tensor padded to the alignment"
        }
        if speed { formulas["decode tok/s"] = "estimate: one sequence at the context, memory-bandwidth bound (heft memory --gpu shows the formula)" }
        return (out + footer(formulas, p.warnings)).joined(separator: "\n")
    }

    public static func compare(_ c: ModelComparison) -> String {
        var out = ["Compared at \(Formatting.grouped(c.context)) tokens" + (c.hardware.map { " on \($0)" } ?? ""), ""]
        let speed = c.rows.contains { $0.decodeTokensPerSecond != nil }
        var header = ["Model", "parameters", "on disk", "bits/param", "embedding", "KV per token", "max context", "memory", "engine"]
        if c.hardware != nil { header += ["fits"] }
        if speed { header += ["decode tok/s"] }
        header += ["tier"]
        var table = TextTable(header: header, rightAligned: [1, 2, 3, 4, 5, 6, 7])
        for r in c.rows {
            var row = [
                r.model,
                Formatting.compactCount(r.parameters)
                    + (r.activeParameters != r.parameters ? " (\(Formatting.compactCount(r.activeParameters)) active)" : ""),
                r.fileBytes.map(Formatting.decimalSize) ?? "-", Formatting.fixed(r.bitsPerParameter, decimals: 2),
                r.embeddingShare.map { Formatting.percent($0) } ?? "-", Formatting.grouped(r.kvCacheBytesPerToken) + " B",
                r.contextLimit.map(Formatting.grouped) ?? "-", Formatting.decimalSize(r.memoryBytes), r.engine.rawValue,
            ]
            if c.hardware != nil { row.append(r.fits.map { $0 ? "yes" : "no" } ?? "-") }
            if speed { row.append(r.decodeTokensPerSecond.map { Formatting.fixed($0, significant: 3) } ?? "-") }
            row.append(r.tier)
            table.add(row)
        }
        out.append(table.render(indent: ""))
        return (out + footer(c.formulas, c.warnings)).joined(separator: "\n")
    }

    public static func batch(_ p: BatchPlan) -> String {
        var out = [
            "Model         \(p.model), \(Formatting.grouped(p.parameters)) parameters",
            "Target        \(Formatting.grouped(p.targetBatch)) sequences of \(Formatting.grouped(p.sequenceLength)) tokens = \(Formatting.grouped(p.targetBatch * p.sequenceLength)) tokens per step",
            "GPUs          \(p.devices) × \(p.hardware), \(size(p.capacityBytes)) usable each", "",
        ]
        if p.microBatch > 0 {
            out.append(
                "With ZeRO-\(p.zeroStage) and \(p.checkpointing.phrase): micro-batch \(p.microBatch) × \(p.devices) GPU(s) × \(p.accumulationSteps) accumulation step(s) = \(Formatting.grouped(p.effectiveBatch)) sequences; \(size(p.perDeviceBytes)) per GPU"
                    + (p.stepSeconds.map { "; about \(Formatting.duration($0)) per optimizer step" } ?? ""))
            out.append("")
        }
        var table = TextTable(
            header: ["ZeRO", "recomputation", "micro-batch", "steps", "effective batch", "memory per GPU", "step time (estimate)"],
            rightAligned: [2, 3, 4, 5, 6])
        for row in p.rows {
            let chosen = row.zeroStage == p.zeroStage && row.checkpointing == p.checkpointing
            table.add([
                "\(row.zeroStage)" + (chosen ? " ◀" : ""), row.checkpointing.rawValue, row.microBatch > 0 ? "\(row.microBatch)" : "none fits",
                row.microBatch > 0 ? "\(row.accumulationSteps)" : "-", row.microBatch > 0 ? Formatting.grouped(row.effectiveBatch) : "-",
                size(row.perDeviceBytes), row.stepSeconds.map(Formatting.duration) ?? "-",
            ])
        }
        out.append(table.render(indent: ""))
        for (key, text) in p.assumptions.sorted(by: { $0.key < $1.key }) { out.append("  assume \(key): \(text)") }
        return (out + footer(p.formulas, p.warnings)).joined(separator: "\n")
    }

    public static func lora(_ p: LoRAPlan) -> String {
        var out = [
            "Model         \(p.model), \(Formatting.grouped(p.parameters)) parameters",
            "LoRA          rank \(p.rank) on \(p.targets.joined(separator: ", "))",
            "Trainable     \(Formatting.grouped(p.trainableParameters)) parameters (\(Formatting.fixed(p.trainablePercent, decimals: 4))% of the model); adapter file \(size(p.adapterBytes)) in 16-bit",
        ]
        var table = TextTable(header: ["Module", "trainable"], rightAligned: [1])
        for (module, count) in p.perModule.sorted(by: { $0.key < $1.key }) { table.add([module, Formatting.grouped(count)]) }
        out.append(table.render(indent: "  "))
        out.append(
            "Training memory (estimate) at \(Formatting.grouped(p.context)) tokens: LoRA over the base as stored \(size(p.loraMemoryBytes)); QLoRA over an NF4 base \(size(p.qloraMemoryBytes))"
        )
        for (key, text) in p.assumptions.sorted(by: { $0.key < $1.key }) { out.append("  assume \(key): \(text)") }
        return (out + footer(["trainable": p.formula], p.warnings)).joined(separator: "\n")
    }

    public static func lowRank(_ p: LowRankPlan) -> String {
        var out = ["Model         \(p.model)", "Rank          \(p.rank) on \(p.matrices.count) matrices", ""]
        var table = TextTable(header: ["Matrix", "shape", "parameters", "factored", "saved"], rightAligned: [2, 3, 4])
        for m in p.matrices.prefix(40) {
            table.add([
                m.name, "\(m.rows)×\(m.columns)", Formatting.grouped(m.parameters), Formatting.grouped(m.factoredParameters),
                Formatting.grouped(m.saved),
            ])
        }
        out.append(table.render(indent: ""))
        if p.matrices.count > 40 { out.append("… \(p.matrices.count - 40) more in --json") }
        if let e = p.embedding {
            out.append(
                "Embeddings (ALBERT): V·H = \(Formatting.grouped(e.parameters)) → V·E + E·H = \(Formatting.grouped(e.factoredParameters)) (\(Formatting.fixed(e.reduction, decimals: 2))× smaller)"
            )
        }
        out.append(
            "Total         \(Formatting.grouped(p.parametersBefore)) → \(Formatting.grouped(p.parametersAfter)) parameters; saves \(Formatting.grouped(p.saved)) (\(size(p.savedBytes)) at the stored precision)"
        )
        return (out + footer(["lowRank": p.formula], p.warnings)).joined(separator: "\n")
    }

    public static func prune(_ p: PrunePlan) -> String {
        var out = ["Model         \(p.model)"]
        if let s = p.structured {
            out.append("Structured    \(s.changes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
            out.append(
                "  parameters  \(Formatting.grouped(s.parametersBefore)) → \(Formatting.grouped(s.parametersAfter)) (exact; active \(Formatting.grouped(s.activeParametersAfter)))"
            )
            out.append("  weights     \(size(s.weightBytesAfter)) at the stored precision")
        }
        if let s = p.sparse {
            out.append("Sparsity      \(s.pattern), \(pct(s.sparsity * 100)) of \(Formatting.grouped(s.prunedParameters)) Linear weights")
            var table = TextTable(header: ["Storage (16-bit values)", "bytes"], rightAligned: [1])
            table.add(["dense", Formatting.grouped(s.denseBytes)])
            table.add(["bitmask", Formatting.grouped(s.bitmaskBytes)])
            table.add(["CSR", Formatting.grouped(s.csrBytes)])
            if let two = s.twoFourBytes { table.add(["2:4", Formatting.grouped(two)]) }
            out.append(table.render(indent: "  "))
            out.append("  \(SparseStorage.formulas)")
            out.append("  \(s.caveat)")
        }
        if !p.references.isEmpty {
            out.append("")
            var table = TextTable(header: ["Published", "sparsity", "model", "dense", "pruned"], rightAligned: [3, 4])
            for r in p.references.prefix(12) {
                table.add([
                    r.method, r.sparsity, r.model, r.dense.map { Formatting.fixed($0, decimals: 2) } ?? "-",
                    r.pruned.map { Formatting.fixed($0, decimals: 2) } ?? "-",
                ])
            }
            out.append(table.render(indent: ""))
        }
        return (out + footer(p.formulas, p.warnings)).joined(separator: "\n")
    }

    public static func pipeline(_ p: PipelinePlan) -> String {
        var out = [
            "Model         \(p.model) at \(Formatting.grouped(p.context)) tokens"
                + (p.targetBytes.map { ", target \(Formatting.decimalSize($0))" } ?? ""), "",
        ]
        var table = TextTable(
            header: ["Step", "detail", "parameters", "weights", "memory", "accuracy (est.)", "perplexity ×", "meets target"],
            rightAligned: [2, 3, 4, 5, 6])
        for s in p.steps {
            table.add([
                s.step, s.detail, Formatting.compactCount(s.parameters), Formatting.decimalSize(s.weightBytes), Formatting.decimalSize(s.memoryBytes),
                pct(s.accuracyPercent), s.perplexityRatio.map { Formatting.fixed($0, decimals: 3) } ?? "unknown",
                s.meetsTarget.map { $0 ? "yes" : "no" } ?? "-",
            ])
        }
        out.append(table.render(indent: ""))
        out.append("")
        for s in p.steps where s.step != "start" { out.append("  \(s.step) quality: \(s.qualityBasis)") }
        if let first = p.firstFit {
            out.append("First fits after: \(first)")
        } else if p.targetBytes != nil {
            out.append("No step reaches the target.")
        }
        out.append("")
        for a in p.assumptions { out.append("Assume: \(a)") }
        return (out + footer([:], p.warnings)).joined(separator: "\n")
    }

    public static func advice(_ a: Advice) -> String {
        var out = ["Task          \(a.task)", "Start in      \(a.tier) — \(a.tierReason)", "Size          \(a.smallestLikely)"]
        if !a.largestFitting.isEmpty {
            out.append(
                "Fits memory   "
                    + a.largestFitting.sorted { $0.key < $1.key }.map { "\($0.key): \(Formatting.compactCount($0.value))" }.joined(separator: " · "))
        }
        if !a.largestForLatency.isEmpty {
            out.append(
                "Meets speed   "
                    + a.largestForLatency.sorted { $0.key < $1.key }.map { "\($0.key): \(Formatting.compactCount($0.value))" }.joined(
                        separator: " · "))
        }
        out.append("")
        out.append("Techniques")
        for t in a.techniques { out.append("  - \(t.technique): \(t.reason)") }
        out.append("")
        out += a.decisionFlow
        return (out + footer(a.largestFitting.isEmpty && a.largestForLatency.isEmpty ? [:] : a.formulas, [])).joined(separator: "\n")
    }
}
