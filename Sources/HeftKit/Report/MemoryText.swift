/// Renders a ``MemoryEstimate`` as the table `heft memory` prints.
public struct MemoryText {
    public let estimate: MemoryEstimate

    public init(_ estimate: MemoryEstimate) { self.estimate = estimate }

    private func size(_ bytes: Int?) -> String {
        guard let bytes else { return "-" }
        return "\(Formatting.decimalSize(bytes)) (\(Formatting.binarySize(bytes)))"
    }

    public func render() -> String {
        let e = estimate
        var out: [String] = []
        out.append("Model         \(e.model)")
        out.append("Engine        \(e.engine.rawValue)\(e.fileBytes.map { "; files \(size($0)) on disk" } ?? "")")
        var params = "Parameters    \(Formatting.grouped(e.parameters)) (\(Formatting.compactCount(e.parameters)))"
        if e.activeParameters != e.parameters { params += ", \(Formatting.grouped(e.activeParameters)) active per token" }
        out.append(params)
        out.append("Weights       \(e.weights.precision)\(e.weights.exact ? "" : " (approximate)")")
        if e.mode == .inference { out.append("KV cache      \(e.kvCacheType.rawValue); \(e.layout.description)") }
        out.append("Mode          \(e.mode.rawValue)")
        out.append("")
        let trainingMode = e.mode == .training
        var table = TextTable(
            header: ["Memory (estimate)"] + e.estimates.map { "\(Formatting.grouped($0.context)) tokens" },
            rightAligned: Set(1...max(1, e.estimates.count)))
        func row(_ label: String, _ value: (MemoryEstimate.Breakdown) -> Int?) {
            table.add([label] + e.estimates.map { size(value($0)) })
        }
        let names = e.termNames
        row(names.weights) { $0.weightsBytes }
        if trainingMode {
            row("gradients") { $0.gradientsBytes }
            row("optimizer state") { $0.optimizerBytes }
            row("  of which fp32 master") { $0.masterWeightsBytes }
        } else {
            row("KV cache") { $0.kvCacheBytes }
        }
        row(names.activations) { $0.activationBytes }
        row(names.overhead) { $0.overheadBytes }
        row("total") { $0.totalBytes }
        if !trainingMode { table.add(["KV per token"] + e.estimates.map { "\(Formatting.grouped($0.kvCacheBytesPerToken)) B" }) }
        if trainingMode, let trainable = e.estimates.first?.trainableParameters {
            table.add(["trainable parameters"] + e.estimates.map { _ in Formatting.grouped(trainable) })
        }
        out.append(table.render(indent: ""))
        out.append("")
        for estimate in e.estimates { out.append("Where it comes from: \(estimate.answer)") }
        if let first = e.estimates.first, let allocation = first.llamaCpp, let buffers = first.buffers {
            out.append("")
            out.append(
                "llama.cpp at -c \(Formatting.grouped(first.context)): n_ctx \(Formatting.grouped(allocation.contextCells)), \(allocation.streams) stream(s) × \(Formatting.grouped(allocation.cellsPerStream)) cells\(allocation.slidingCellsPerStream.map { " (SWA layers \(Formatting.grouped($0)))" } ?? ""), \(allocation.sequences) sequence(s)\(allocation.unified ? " unified" : ""), n_batch \(allocation.batch), n_ubatch \(allocation.ubatch), flash attention \(allocation.flashAttention ? "on" : "off"); compute peak: \(allocation.computePeak)"
            )
            var listing = TextTable(header: ["Buffer", "device", "kind", "MiB", "detail"], rightAligned: [3])
            for buffer in buffers {
                listing.add([
                    buffer.name, buffer.device, buffer.kind.rawValue,
                    Formatting.fixed(Double(buffer.bytes) / 1_048_576, decimals: 2)
                        + (buffer.upperBytes.map { "–" + Formatting.fixed(Double($0) / 1_048_576, decimals: 2) } ?? ""),
                    buffer.detail ?? (buffer.upperBytes != nil ? "a range: ggml-alloc's holes in a mixture of experts with flash attention" : ""),
                ])
            }
            out.append(listing.render(indent: "  "))
        }
        if let vllm = e.estimates.first?.vllm {
            out.append("")
            out.append(
                "vLLM per GPU: budget \(size(vllm.budgetBytes)) = weights \(size(vllm.weightsBytes)) + activations \(size(vllm.activationBytes)) + non-torch \(size(vllm.nonTorchBytes)) + CUDA graphs \(size(vllm.cudaGraphBytes)) + KV cache \(size(vllm.kvCacheBytes))"
            )
            out.append("vLLM would print: \(vllm.message)")
        }
        if let comparison = e.comparison {
            out.append("")
            let engine = comparison.engine.rawValue
            out.append(
                "Against the log (\(engine)'s printed sizes beside Heft's for the same launch\(comparison.engine == .vllm ? ", per GPU" : ""))")
            var against = TextTable(header: ["Buffers", "printed as", "\(engine) MiB", "Heft MiB", "difference"], rightAligned: [2, 3, 4])
            for row in comparison.rows {
                let heft =
                    Formatting.fixed(row.heftMebibytes, decimals: 2) + (row.heftUpperMebibytes.map { "–" + Formatting.fixed($0, decimals: 2) } ?? "")
                let difference =
                    row.withinRange.map { $0 ? "in range" : "outside" } ?? Formatting.fixed(row.relativeDifference * 100, decimals: 2) + " %"
                against.add([row.kind.rawValue, row.names, Formatting.fixed(row.engineMebibytes, decimals: 2), heft, difference])
            }
            let difference = comparison.engineTotalMebibytes > 0 ? (comparison.heftTotalMebibytes / comparison.engineTotalMebibytes - 1) * 100 : 0
            against.add([
                "total", "", Formatting.fixed(comparison.engineTotalMebibytes, decimals: 2),
                Formatting.fixed(comparison.heftTotalMebibytes, decimals: 2),
                Formatting.fixed(difference, decimals: 2) + " %",
            ])
            out.append(against.render(indent: "  "))
            if let printed = comparison.engineKVTokens, let heft = comparison.heftKVTokens {
                out.append("  GPU KV cache size: \(engine) \(Formatting.grouped(printed)) tokens, Heft \(Formatting.grouped(heft))")
            }
        }
        if e.attentionVariants.count > 1, let first = e.estimates.first {
            out.append("")
            out.append("KV cache by attention type (same layers and heads; every layer attends to every token)")
            var table = TextTable(
                header: ["attention", "KV heads", "per token", "at \(Formatting.grouped(first.context)) tokens"], rightAligned: [1, 2, 3])
            for v in e.attentionVariants {
                table.add([
                    v.name + (v.isModel ? " (this model)" : ""), "\(v.kvHeads)", Formatting.grouped(v.bytesPerToken) + " B",
                    Formatting.decimalSize(v.bytesAtContext),
                ])
            }
            out.append(table.render(indent: "  "))
        }
        if let sweep = e.sweep {
            out.append("")
            out.append("Context sweep (estimate): FlashAttention beside standard attention")
            let hasSpeed = sweep.points.contains { $0.decodeTokensPerSecond != nil }
            let other = trainingMode ? "overhead + gradients + optimizer" : e.termNames.overhead
            var header = ["context", "weights", "KV cache", other, "activations FA", "activations std", "total FA", "total std"]
            if sweep.capacityBytes != nil { header += ["fits FA", "fits std"] }
            if hasSpeed { header += ["prefill tok/s FA", "prefill tok/s std", "decode tok/s FA", "decode tok/s std"] }
            var table = TextTable(header: header, rightAligned: Set(0..<header.count))
            for p in sweep.points {
                var row = [
                    Formatting.grouped(p.context), Formatting.decimalSize(p.weightsBytes), Formatting.decimalSize(p.kvCacheBytes),
                    Formatting.decimalSize(p.otherBytes), Formatting.decimalSize(p.activationBytes),
                    Formatting.decimalSize(p.activationBytesStandard),
                    Formatting.decimalSize(p.totalBytes),
                    Formatting.decimalSize(p.totalBytesStandard),
                ]
                if sweep.capacityBytes != nil { row += [p.fits == true ? "yes" : "no", p.fitsStandard == true ? "yes" : "no"] }
                if hasSpeed {
                    row += [
                        p.prefillTokensPerSecond.map(Formatting.approximate) ?? "-",
                        p.prefillTokensPerSecondStandard.map(Formatting.approximate) ?? "-",
                        p.decodeTokensPerSecond.map(Formatting.approximate) ?? "-",
                        p.decodeTokensPerSecondStandard.map(Formatting.approximate) ?? "-",
                    ]
                }
                table.add(row)
            }
            out.append(table.render(indent: "  "))
            if sweep.capacityBytes != nil {
                out.append(
                    "  Longest context that fits: \(sweep.largestFitting.map(Formatting.grouped) ?? "none") with FlashAttention, \(sweep.largestFittingStandard.map(Formatting.grouped) ?? "none") with standard attention"
                )
            }
        }
        if let fit = e.estimates.first?.fit {
            out.append("")
            var fits = TextTable(
                header: ["Fit on \(fit.devices) × \(fit.hardware)"] + e.estimates.map { "\(Formatting.grouped($0.context)) tokens" },
                rightAligned: Set(1...max(1, e.estimates.count)))
            fits.add(
                [e.capacityIsPerDevice && fit.devices > 1 ? "capacity per device" : "capacity"] + e.estimates.map { size($0.fit?.capacityBytes) })
            if fit.devices > 1 {
                fits.add(
                    ["need per device"]
                        + e.estimates.map { b in
                            guard let need = b.fit?.perDeviceBytes, let first = need.first else { return "-" }
                            if need.allSatisfy({ $0 == first }) { return "\(need.count) × \(Formatting.decimalSize(first))" }
                            return need.map(Formatting.decimalSize).joined(separator: " · ")
                        })
            }
            fits.add(
                ["verdict"]
                    + e.estimates.map { b in
                        guard let f = b.fit else { return "-" }
                        return f.fits ? "fits, \(Formatting.decimalSize(f.marginBytes)) free" : "short by \(Formatting.decimalSize(-f.marginBytes))"
                    })
            fits.add(
                ["largest context"]
                    + e.estimates.map { b in
                        guard let f = b.fit else { return "-" }
                        return Formatting.grouped(f.maxContext) + (f.maxContextLimit == .trainedMaximum ? " (the model's maximum)" : "")
                    })
            fits.add(["largest batch"] + e.estimates.map { Formatting.grouped($0.fit?.maxBatch ?? 0) })
            fits.add(["layers to offload"] + e.estimates.map { Formatting.grouped($0.fit?.offloadLayers ?? 0) })
            if !trainingMode {
                fits.add(["prefill tokens/s"] + e.estimates.map { $0.speed.map { Formatting.approximate($0.prefillTokensPerSecond) } ?? "-" })
                fits.add(["decode tokens/s"] + e.estimates.map { $0.speed.map { Formatting.approximate($0.decodeTokensPerSecond) } ?? "-" })
                fits.add(["time to first token"] + e.estimates.map { $0.speed.map { Formatting.duration($0.timeToFirstTokenSeconds) } ?? "-" })
                fits.add(["inter-token latency"] + e.estimates.map { $0.speed.map { Formatting.duration($0.interTokenLatencySeconds) } ?? "-" })
            }
            out.append(fits.render(indent: ""))
        }
        out.append("")
        out.append(
            "FLOPs per token \(Formatting.fixed(e.flopsPerToken / 1e9, decimals: 2)) GFLOP at \(Formatting.grouped(e.estimates.first?.context ?? 0)) tokens"
        )
        out.append("")
        out.append("How each number is computed (estimates; exact integers in --json):")
        for (key, formula) in e.formulas.sorted(by: { $0.key < $1.key }) { out.append("  \(key): \(formula)") }
        for (key, value) in e.assumptions.sorted(by: { $0.key < $1.key }) { out.append("  assume \(key): \(value)") }
        return (out + Formatting.closing(warnings: e.warnings)).joined(separator: "\n")
    }
}
