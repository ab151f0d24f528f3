/// Renders an ``InspectionReport`` as the readable report `heft inspect` prints.
///
/// Repeated blocks fold to one row per pattern with a count; with `allTensors` every tensor gets its own row.
public struct TextReport {
    public let report: InspectionReport
    public let allTensors: Bool

    public init(_ report: InspectionReport, allTensors: Bool = false) {
        self.report = report
        self.allTensors = allTensors
    }

    public func render() -> String {
        var out: [String] = []
        let r = report
        let fileWord = r.files.count == 1 ? "file" : "files"
        let state = r.complete ? "complete" : "INCOMPLETE (partial download)"
        out.append("Model         \(r.source)")
        out.append("Format        \(r.format)\(r.files.isEmpty ? " (no weights)" : ", \(r.files.count) \(fileWord), \(state)")")
        if r.fileType != nil || r.name != nil {
            let parts = [r.fileType.map { "file type \($0)" }, r.name.map { "name \"\($0)\"" }, r.sizeLabel.map { "size label \($0)" }]
            out.append("Says          " + parts.compactMap { $0 }.joined(separator: " · "))
        }
        out.append("Architecture  " + architectureLine(r.architecture))
        if let details = architectureDetails(r.architecture) { out.append("              " + details) }
        let p = r.parameters
        var count = "Parameters    \(Formatting.grouped(p.total)) (\(Formatting.compactCount(p.total)))"
        if p.countedFrom != "tensors" { count += ", from the \(p.countedFrom)" }
        out.append(count)
        if let active = p.active, active != p.total {
            out.append("  active      \(Formatting.grouped(active)) per token (\(Formatting.compactCount(active)); mixture of experts)")
        }
        if let formula = r.formula {
            var line = "  formula     \(Formatting.grouped(formula.total)) from config.json (\(formula.family))"
            if let matches = formula.matchesTensors { line += matches ? ", matches the tensors" : ", DIFFERS from the tensors" }
            out.append(line)
            out.append("              \(formula.expression)")
            if let scope = formula.scope { out.append("              counts \(scope)") }
        }
        out.append("  tier        \(r.tier.name): \(r.tier.strengths); limits: \(r.tier.limits)")
        if let quantization = r.quantization {
            out.append(
                "  packing     \(quantization.method.rawValue), \(quantization.widthText)\(quantization.groupSize.map { $0 > 0 ? ", group \($0)" : ", one group per channel" } ?? ""): packed elements counted as logical parameters"
            )
        }
        if !r.files.isEmpty {
            out.append(
                "Size          \(Formatting.grouped(r.bytes.file)) bytes on disk (\(Formatting.decimalSize(r.bytes.file)), \(Formatting.binarySize(r.bytes.file))); tensor data \(Formatting.grouped(r.bytes.tensorData)) bytes"
            )
            if let bits = r.bytes.bitsPerParameter, let tensorBits = r.bytes.tensorBitsPerParameter {
                out.append(
                    "  bits/param  \(Formatting.fixed(bits, decimals: 3)) (file) · \(Formatting.fixed(tensorBits, decimals: 3)) (parameter tensors)")
            }
        }
        if let missing = r.missing {
            out.append(
                "Missing       \(Formatting.grouped(missing.bytes)) bytes; \(missing.tensors.count) tensor(s) incomplete\(missing.tensors.isEmpty ? "" : ": " + list(missing.tensors, limit: 6))"
            )
        }
        if let kinds = p.byKind, let locations = p.byLocation {
            out.append("")
            out.append(anatomyTable(kinds: kinds, locations: locations, total: p.total))
            if let share = p.embeddingShare {
                var line = "  Embedding tables hold \(Formatting.percent(share)) of the parameters"
                if share >= 0.3 { line += " — they dominate: vocabulary reduction or compressed embeddings shrink this model most" }
                out.append(line)
            }
        }
        if let storage = p.byStorage, !storage.isEmpty {
            out.append("")
            var table = TextTable(header: ["Storage", "parameters", "bytes", "bits/param"], rightAligned: [1, 2, 3])
            for (name, params) in storage.sorted(by: { $0.value > $1.value }) {
                let bytes = r.bytes.byStorage[name] ?? 0
                table.add([
                    name, Formatting.grouped(params), Formatting.grouped(bytes),
                    params > 0 ? Formatting.fixed(Double(bytes) * 8 / Double(params), decimals: 3) : "-",
                ])
            }
            out.append(table.render(indent: ""))
        }
        if let blocks = p.perBlock, !blocks.isEmpty {
            out.append("")
            out.append(blockTable(blocks))
        }
        if let tensors = r.tensors, !tensors.isEmpty {
            out.append("")
            out.append(allTensors ? tensorTable(tensors) : foldedTensorTable(tensors))
        }
        for (title, group) in [("Buffers", r.buffers), ("Quant state", r.quantizationState)] where group.count > 0 {
            out.append("")
            out.append(
                "\(title.padding(13))\(group.count) tensor(s), \(Formatting.grouped(group.elements)) elements, \(Formatting.grouped(group.bytes)) bytes — not parameters: \(list(group.names, limit: 4))"
            )
        }
        if !r.tiedCopies.isEmpty {
            out.append("Tied          \(list(r.tiedCopies, limit: 3)) (counted once)")
        }
        return (out + Formatting.closing(warnings: r.warnings)).joined(separator: "\n")
    }

    private func list(_ names: [String], limit: Int) -> String {
        names.prefix(limit).joined(separator: ", ") + (names.count > limit ? ", … (\(names.count - limit) more)" : "")
    }

    private func architectureLine(_ a: Architecture) -> String {
        let name = a.familyName ?? a.modelType.map { "\($0) (unknown to Heft)" } ?? "unknown"
        let cls = a.architectureClass.map { " (\($0))" } ?? ""
        return "\(name)\(cls), from \(a.source.rawValue)"
    }

    private func architectureDetails(_ a: Architecture) -> String? {
        var parts: [String] = []
        if let layers = a.layers { parts.append("\(layers) layers") }
        if let hidden = a.hiddenSize { parts.append("hidden \(Formatting.grouped(hidden))") }
        if let heads = a.heads {
            var text = "\(heads) heads"
            var extra: [String] = []
            if let kv = a.kvHeads { extra.append("\(kv) KV") }
            if let d = a.headDim { extra.append("head dim \(d)") }
            if !extra.isEmpty { text += " (" + extra.joined(separator: ", ") + ")" }
            parts.append(text)
        }
        if let ffn = a.ffnSize { parts.append("FFN \(Formatting.grouped(ffn))") }
        if let vocab = a.vocabSize { parts.append("vocab \(Formatting.grouped(vocab))") }
        if let context = a.contextLength { parts.append("context \(Formatting.grouped(context))") }
        if let experts = a.experts {
            let width = a.expertFFNSize.map { ", FFN \(Formatting.grouped($0)) each" } ?? ""
            parts.append("\(experts) experts\(a.expertsPerToken.map { ", \($0) per token" } ?? "")\(width)")
        }
        if let window = a.slidingWindow { parts.append("sliding window \(Formatting.grouped(window))") }
        if let tied = a.tiedEmbeddings { parts.append(tied ? "tied embeddings" : "untied embeddings") }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    private func anatomyTable(kinds: InspectionReport.ByKind, locations: InspectionReport.ByLocation, total: Int) -> String {
        let share: (Int) -> String = { total > 0 ? Formatting.percent(Double($0) / Double(total)) : "-" }
        var table = TextTable(header: ["By kind", "parameters", "share", "", "By location", "parameters", "share"], rightAligned: [1, 2, 5, 6])
        let kindRows = [
            ("weight", kinds.weight), ("bias", kinds.bias), ("embedding", kinds.embedding), ("norm", kinds.norm), ("adapter", kinds.adapter),
            ("other", kinds.other),
        ]
        let locationRows = [
            ("embeddings", locations.embeddings), ("attention", locations.attention), ("feed-forward", locations.feedForward),
            ("head", locations.head), ("other", locations.other), ("", -1),
        ]
        for (kind, location) in zip(kindRows, locationRows) {
            let right = location.1 < 0 ? ["", "", ""] : [location.0, Formatting.grouped(location.1), share(location.1)]
            table.add([kind.0, Formatting.grouped(kind.1), share(kind.1), "│"] + right)
        }
        return table.render(indent: "")
    }

    /// Consecutive blocks with equal counts fold into one row: `0–31 (×32)`.
    private func blockTable(_ blocks: [InspectionReport.BlockRow]) -> String {
        var table = TextTable(header: ["Blocks", "attention", "feed-forward", "other", "total per block"], rightAligned: [1, 2, 3, 4])
        var index = 0
        while index < blocks.count {
            var end = index
            let first = blocks[index]
            while end + 1 < blocks.count, sameCounts(blocks[end + 1], first), sameStack(blocks[end + 1].block, first.block) { end += 1 }
            let label = end == index ? first.block : "\(first.block)–\(lastComponent(blocks[end].block)) (×\(end - index + 1))"
            table.add([
                label, Formatting.grouped(first.attention), Formatting.grouped(first.feedForward), Formatting.grouped(first.other),
                Formatting.grouped(first.total),
            ])
            index = end + 1
        }
        return table.render(indent: "")
    }

    private func sameCounts(_ a: InspectionReport.BlockRow, _ b: InspectionReport.BlockRow) -> Bool {
        (a.attention, a.feedForward, a.other) == (b.attention, b.feedForward, b.other)
    }

    private func stackOf(_ block: String) -> Substring { block.contains(".") ? block.split(separator: ".")[0] : "" }
    private func sameStack(_ a: String, _ b: String) -> Bool { stackOf(a) == stackOf(b) }
    private func lastComponent(_ block: String) -> Substring { block.split(separator: ".").last ?? Substring(block) }

    private func shapeText(_ shape: [Int]) -> String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×") }

    private func roleText(_ row: InspectionReport.TensorRow) -> String {
        switch row.role {
        case "parameter": "\(row.kind ?? "") · \(row.location ?? "")"
        case "quantizationState": "quant state"
        case "tiedCopy": "tied copy"
        default: row.role
        }
    }

    private func tensorTable(_ rows: [InspectionReport.TensorRow]) -> String {
        var table = TextTable(header: ["Tensor", "shape", "type", "parameters", "bytes", "offset", "role"], rightAligned: [3, 4, 5])
        for row in rows {
            table.add([
                row.name, shapeText(row.shape), row.storage, Formatting.grouped(row.parameters), Formatting.grouped(row.bytes),
                Formatting.grouped(row.offset), roleText(row) + (row.complete ? "" : " (missing)"),
            ])
        }
        return table.render(indent: "")
    }

    /// Tensors that differ only in their block index fold into one row: `encoder.layer.{0–5}.….weight ×6`.
    private func foldedTensorTable(_ rows: [InspectionReport.TensorRow]) -> String {
        struct Group { var pattern: String; var blocks: [Int]; var row: InspectionReport.TensorRow }
        var groups: [Group] = []
        var position: [String: Int] = [:]
        for row in rows {
            let (pattern, block) = Self.pattern(of: row.name)
            let key = "\(pattern)|\(row.shape)|\(row.storage)|\(row.role)"
            if let at = position[key], let block {
                groups[at].blocks.append(block)
            } else {
                position[key] = groups.count
                groups.append(Group(pattern: pattern, blocks: block.map { [$0] } ?? [], row: row))
            }
        }
        var table = TextTable(
            header: ["Tensors (blocks folded; --all-tensors lists each)", "×", "shape", "type", "parameters each", "role"], rightAligned: [1, 4])
        for group in groups {
            let name = group.pattern.replacingPlaceholder(with: Self.range(group.blocks))
            table.add([
                name, group.blocks.count > 1 ? "\(group.blocks.count)" : "", shapeText(group.row.shape), group.row.storage,
                Formatting.grouped(group.row.parameters), roleText(group.row),
            ])
        }
        return table.render(indent: "")
    }

    /// The name with its block index replaced by a placeholder, and that index.
    static func pattern(of name: String) -> (String, Int?) {
        let components = name.split(separator: ".", omittingEmptySubsequences: false)
        guard let (_, position) = TensorClassifier.block(of: components), let index = Int(components[position]) else { return (name, nil) }
        var copy = components.map(String.init)
        copy[position] = "\u{0}"
        return (copy.joined(separator: "."), index)
    }

    static func range(_ blocks: [Int]) -> String {
        guard let first = blocks.first, let last = blocks.last else { return "" }
        if blocks.count == 1 { return "\(first)" }
        if blocks == Array(first...last) { return "{\(first)–\(last)}" }
        return "{" + blocks.prefix(6).map(String.init).joined(separator: ",") + (blocks.count > 6 ? ",…" : "") + "}"
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    fileprivate func replacingPlaceholder(with text: String) -> String {
        split(separator: "\u{0}", omittingEmptySubsequences: false).joined(separator: text)
    }
}
