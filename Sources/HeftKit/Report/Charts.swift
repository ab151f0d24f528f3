#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SVG charts drawn by Heft's own code, shared by the web app and the CLI's `--svg`.
///
/// Every chart has a `<title>` and `<desc>` (its text alternative), labelled axes with units, and colours that
/// follow the reader's light or dark mode through `prefers-color-scheme`.
public enum Charts {
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]

    /// Several charts stacked vertically in one SVG document (for `--svg` files).
    public static func stack(_ charts: [String]) -> String {
        guard charts.count > 1 else { return charts.first ?? "" }
        var y = 0
        var width = 0
        var parts: [String] = []
        for chart in charts {
            let w = Int(attribute("width", in: chart) ?? "640") ?? 640
            let h = Int(attribute("height", in: chart) ?? "380") ?? 380
            parts.append(chart.replacingFirst("<svg ", with: "<svg x=\"0\" y=\"\(y)\" "))
            y += h
            width = max(width, w)
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(y)\" viewBox=\"0 0 \(width) \(y)\">\n"
            + parts.joined(separator: "\n") + "\n</svg>\n"
    }

    static func attribute(_ name: String, in svg: String) -> String? {
        guard let start = svg.firstRange(of: " \(name)=\"") else { return nil }
        let rest = svg[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// Escapes text for SVG.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    static func n(_ value: Double) -> String { Formatting.fixed(value, decimals: 1) }

    /// Places point labels without overlap: each label tries the right of its point, then the left, above and below,
    /// and is left out (its point keeps the tooltip) when every place overlaps a label already placed.
    struct LabelPlacer {
        private var boxes: [(x0: Double, y0: Double, x1: Double, y1: Double)] = []
        private(set) var omitted = 0

        /// A 10-px label's box, wide enough for any system font.
        static func box(_ text: String, x: Double, y: Double, anchor: String) -> (x0: Double, y0: Double, x1: Double, y1: Double) {
            let width = Double(text.count) * 6.4
            let x0 = anchor == "end" ? x - width : anchor == "middle" ? x - width / 2 : x
            return (x0, y - 10, x0 + width, y + 3)
        }

        /// Keeps labels off a point drawn at (`x`, `y`) with radius `r`.
        mutating func reservePoint(x: Double, y: Double, r: Double = 4) {
            boxes.append((x - r, y - r, x + r, y + r))
        }

        /// The `<text>` for `text` at the first free place around (`x`, `y`), or nil.
        mutating func place(_ text: String, x: Double, y: Double, within: (Double, Double)) -> String? {
            for (dx, dy, anchor) in [(6.0, 3.0, "start"), (-6.0, 3.0, "end"), (0.0, -8.0, "middle"), (0.0, 14.0, "middle")] {
                let b = Self.box(text, x: x + dx, y: y + dy, anchor: anchor)
                guard b.x0 >= within.0, b.x1 <= within.1 else { continue }
                if boxes.contains(where: { min($0.x1, b.x1) - max($0.x0, b.x0) > 0 && min($0.y1, b.y1) - max($0.y0, b.y0) > 0 }) { continue }
                boxes.append(b)
                return "<text class=\"small\" x=\"\(n(x + dx))\" y=\"\(n(y + dy))\" text-anchor=\"\(anchor)\">\(escape(text))</text>"
            }
            omitted += 1
            return nil
        }
    }

    /// A tick's label: whole numbers plainly (`0`, `20`, `1,000`), others with three significant digits.
    static func tickLabel(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? Formatting.grouped(Int(value)) : Formatting.fixed(value, significant: 3)
    }

    /// A context length as people say it: `4k` for 4,096, `128k` for 131,072; else grouped digits.
    static func contextLabel(_ tokens: Int) -> String {
        tokens >= 1024 && tokens % 1024 == 0 ? "\(tokens / 1024)k" : Formatting.grouped(tokens)
    }

    /// The two axis lines and their labels (the value axis rotated at the left; the other under the plot, if any).
    static func axes(left: Double, right: Double, top: Double, bottom: Double, yLabel: String, xLabel: String? = nil) -> [String] {
        var out = [
            "<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>",
            "<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\"/>",
            "<text class=\"label\" transform=\"translate(16 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>",
        ]
        if let xLabel {
            out.append("<text class=\"label\" x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 36))\" text-anchor=\"middle\">\(escape(xLabel))</text>")
        }
        return out
    }

    /// Round ticks from 0 past `maximum`: steps of 1, 2 or 5 × 10ⁿ, about `count` of them.
    static func ticks(upTo maximum: Double, count: Int = 5) -> [Double] {
        guard maximum > 0, maximum.isFinite else { return [0, 1] }
        let raw = maximum / Double(max(count, 1))
        let decade = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * decade }.first { $0 >= raw } ?? 10 * decade
        let last = (maximum / step).rounded(.up)
        return (0...Int(last)).map { Double($0) * step }
    }

    /// A legend row at (`x`, `y`): a swatch and a label per colour, spaced by the labels' lengths.
    static func legend(_ items: [(String, String)], x: Double, y: Double) -> [String] {
        var out: [String] = []
        var cursor = x
        for (label, colour) in items {
            out.append("<rect x=\"\(n(cursor))\" y=\"\(n(y - 9))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>")
            out.append("<text class=\"small\" x=\"\(n(cursor + 14))\" y=\"\(n(y))\">\(escape(label))</text>")
            cursor += 14 + Double(label.count) * 6 + 14
        }
        return out
    }

    /// Bars in groups (one group per x label, one colour per series), on a round-ticked value axis.
    static func groupedBars(
        id: String, title: String, unit: String, groups: [String], series: [String], values: [[Double]], description: String,
        limit: (label: String, value: Double)? = nil
    ) -> String {
        let width = 560, height = 300, left = 64.0, right = 540.0, bottom = 250.0, top = 48.0
        let highest = max(values.flatMap { $0 }.max() ?? 1, limit?.value ?? 0, 1e-12)
        let scale = ticks(upTo: highest)
        let maximum = scale.last ?? highest
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / maximum }
        var body: [String] = []
        for tick in scale {
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(tick)))\" x2=\"\(n(right))\" y2=\"\(n(y(tick)))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"tick\" x=\"\(n(left - 6))\" y=\"\(n(y(tick) + 3))\" text-anchor=\"end\">\(escape(tickLabel(tick)))</text>"
            )
        }
        let slot = (right - left) / Double(max(groups.count, 1))
        let bar = slot * 0.8 / Double(max(series.count, 1))
        for (g, label) in groups.enumerated() {
            for (k, name) in series.enumerated() {
                let value = g < values.count && k < values[g].count ? values[g][k] : 0
                let x = left + slot * Double(g) + slot * 0.1 + bar * Double(k)
                body.append(
                    "<rect data-mark=\"bar\" x=\"\(n(x))\" y=\"\(n(y(value)))\" width=\"\(n(bar * 0.9))\" height=\"\(n(bottom - y(value)))\" fill=\"\(palette[k % palette.count])\"><title>\(escape(label)), \(escape(name)): \(escape(Formatting.fixed(value, significant: 4))) \(escape(unit))</title></rect>"
                )
            }
            body.append("<text x=\"\(n(left + slot * (Double(g) + 0.5)))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(escape(label))</text>")
        }
        if let limit {
            body.append(
                "<line data-mark=\"limit\" x1=\"\(n(left))\" y1=\"\(n(y(limit.value)))\" x2=\"\(n(right))\" y2=\"\(n(y(limit.value)))\" stroke=\"#e15759\" stroke-dasharray=\"4 3\"/>"
            )
            body.append("<text class=\"small\" x=\"\(n(right))\" y=\"\(n(y(limit.value) - 4))\" text-anchor=\"end\">\(escape(limit.label))</text>")
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: unit)
        body += legend(series.enumerated().map { ($1, palette[$0 % palette.count]) }, x: left, y: 38)
        return frame(id: id, width: width, height: height, title: title, description: description, body: body)
    }

    /// "Memory by context": total memory at each swept context (log₂ axis), FlashAttention and standard attention,
    /// with the GPU's capacity when one is given.
    public static func sweep(_ sweep: ContextSweep) -> String {
        let width = 600, height = 320, left = 70.0, right = 580.0, top = 50.0, bottom = 270.0
        let points = sweep.points
        guard let first = points.first, let last = points.last else { return "" }
        let highest = points.map { Double(max($0.totalBytes, $0.totalBytesStandard)) / 1e9 }.max() ?? 1
        let scale = ticks(upTo: max(highest, Double(sweep.capacityBytes ?? 0) / 1e9 * 1.05, 1e-9))
        let maximum = scale.last ?? highest
        let lo = log2(Double(first.context)), hi = max(log2(Double(last.context)), lo + 1)
        func x(_ c: Int) -> Double { left + (right - left) * (log2(Double(c)) - lo) / (hi - lo) }
        func y(_ gb: Double) -> Double { bottom - (bottom - top) * min(gb, maximum) / maximum }
        var body: [String] = []
        for tick in scale {
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(tick)))\" x2=\"\(n(right))\" y2=\"\(n(y(tick)))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"tick\" x=\"\(n(left - 6))\" y=\"\(n(y(tick) + 3))\" text-anchor=\"end\">\(escape(tickLabel(tick)))</text>"
            )
        }
        // Context labels at every other point when they would crowd (about 40 px per label).
        let every = max(1, Int((Double(points.count) * 40 / (right - left)).rounded(.up)))
        for (index, p) in points.enumerated() where index % every == 0 || index == points.count - 1 {
            if index != points.count - 1, index + every > points.count - 1, x(last.context) - x(p.context) < 40 { continue }
            body.append(
                "<text class=\"small\" data-mark=\"xtick\" x=\"\(n(x(p.context)))\" y=\"\(n(bottom + 14))\" text-anchor=\"middle\">\(escape(contextLabel(p.context)))</text>"
            )
        }
        for (series, colour, value) in [
            ("FlashAttention", palette[0], { (p: ContextSweep.Point) in p.totalBytes }),
            ("standard attention", palette[1], { (p: ContextSweep.Point) in p.totalBytesStandard }),
        ] {
            let path = points.map { "\(n(x($0.context))),\(n(y(Double(value($0)) / 1e9)))" }.joined(separator: " ")
            body.append("<polyline data-mark=\"line\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(path)\"/>")
            for p in points {
                body.append(
                    "<circle data-mark=\"point\" cx=\"\(n(x(p.context)))\" cy=\"\(n(y(Double(value(p)) / 1e9)))\" r=\"3\" fill=\"\(colour)\"><title>\(escape(series)) at \(Formatting.grouped(p.context)) tokens: \(escape(Formatting.decimalSize(value(p))))</title></circle>"
                )
            }
        }
        if let capacity = sweep.capacityBytes {
            let gb = Double(capacity) / 1e9
            body.append(
                "<line data-mark=\"capacity\" x1=\"\(n(left))\" y1=\"\(n(y(gb)))\" x2=\"\(n(right))\" y2=\"\(n(y(gb)))\" stroke=\"#e15759\" stroke-dasharray=\"4 3\"/>"
            )
            body.append(
                "<text class=\"small\" x=\"\(n(right))\" y=\"\(n(y(gb) - 4))\" text-anchor=\"end\">GPU memory \(escape(Formatting.decimalSize(capacity)))</text>"
            )
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: "memory (GB)", xLabel: "context (tokens, log scale)")
        body += legend([("FlashAttention", palette[0]), ("standard attention", palette[1])], x: left, y: 38)
        return frame(
            id: "sweep", width: width, height: height, title: "Memory by context",
            description:
                "Total memory at contexts from \(Formatting.grouped(first.context)) to \(Formatting.grouped(last.context)) tokens, with FlashAttention and with standard attention.",
            body: body)
    }

    /// "Models compared": weights and the rest of the memory at the context, per model, with the GPU's capacity.
    public static func compare(_ c: ModelComparison) -> String {
        // Short labels under the bars (the file name without folders); the full name in each bar's tooltip.
        let labels = c.rows.map { row -> String in
            let name = row.model.split(separator: "/").last.map(String.init) ?? row.model
            return name.count > 14 ? String(name.prefix(13)) + "…" : name
        }
        let values = c.rows.map { [Double($0.weightsBytes) / 1e9, Double(max(0, $0.memoryBytes - $0.weightsBytes)) / 1e9] }
        return groupedBars(
            id: "compare", title: "Memory at \(Formatting.grouped(c.context)) tokens", unit: "GB", groups: labels,
            series: ["weights", "KV cache, activations, engine"], values: values,
            description: "Weights and the rest of the memory of each model at \(Formatting.grouped(c.context)) tokens: "
                + c.rows.map { "\($0.model) \(Formatting.decimalSize($0.memoryBytes))" }.joined(separator: ", ")
        )
    }

    /// "Weight values": the histogram of every parameter's value, heights on a log scale (decades labelled), with
    /// the zero line.
    public static func histogram(_ report: StatsReport) -> String {
        let h = report.global.histogram
        guard !h.counts.isEmpty, let lowEdge = h.edges.first, let highEdge = h.edges.last, highEdge > lowEdge
        else { return "" }
        let width = 600, height = 300, left = 64.0, right = 580.0, top = 40.0, bottom = 250.0
        let highest = Double(h.counts.max() ?? 1)
        let decades = max(1, Int(log10(max(highest, 1)).rounded(.up)))
        func y(_ count: Int) -> Double { count <= 0 ? bottom : bottom - (bottom - top) * (log10(Double(count)) + 1) / Double(decades + 1) }
        func x(_ v: Double) -> Double { left + (right - left) * (v - lowEdge) / (highEdge - lowEdge) }
        var body: [String] = []
        for decade in 0...decades {
            let count = Int(pow(10, Double(decade)))
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(count)))\" x2=\"\(n(right))\" y2=\"\(n(y(count)))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"decade\" x=\"\(n(left - 6))\" y=\"\(n(y(count) + 3))\" text-anchor=\"end\">\(escape(decade <= 3 ? Formatting.grouped(count) : "10^\(decade)"))</text>"
            )
        }
        for (index, count) in h.counts.enumerated() where index + 1 < h.edges.count {
            let x0 = x(h.edges[index]), x1 = x(h.edges[index + 1])
            body.append(
                "<rect data-mark=\"bin\" x=\"\(n(x0))\" y=\"\(n(y(count)))\" width=\"\(n(max(0.5, x1 - x0 - 0.5)))\" height=\"\(n(bottom - y(count)))\" fill=\"\(palette[0])\"><title>\(escape(Formatting.fixed(h.edges[index], significant: 3))) to \(escape(Formatting.fixed(h.edges[index + 1], significant: 3))): \(Formatting.grouped(count))</title></rect>"
            )
        }
        // Value ticks: round steps across the range, labelled without overlap (about 60 px each).
        let span = highEdge - lowEdge
        let raw = span / max(1, Double(Int((right - left) / 60)))
        let decade = pow(10, log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * decade }.first { $0 >= raw } ?? 10 * decade
        var tick = (lowEdge / step).rounded(.up) * step
        while tick <= highEdge + step * 1e-9 {
            body.append("<line class=\"axis\" x1=\"\(n(x(tick)))\" y1=\"\(n(bottom))\" x2=\"\(n(x(tick)))\" y2=\"\(n(bottom + 4))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"xtick\" x=\"\(n(x(tick)))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(escape(abs(tick) < step * 1e-9 ? "0" : Formatting.fixed(tick, significant: 3)))</text>"
            )
            tick += step
        }
        if lowEdge < 0 && highEdge > 0 {
            body.append(
                "<line data-mark=\"zero\" x1=\"\(n(x(0)))\" y1=\"\(n(top))\" x2=\"\(n(x(0)))\" y2=\"\(n(bottom))\" stroke=\"#e15759\" stroke-dasharray=\"3 3\"/>"
            )
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: "values (log scale)", xLabel: "weight value")
        return frame(
            id: "histogram", width: width, height: height, title: "Weight values (\(Formatting.grouped(report.global.elements)) parameters)",
            description:
                "Histogram of every parameter value from \(Formatting.fixed(lowEdge, significant: 3)) to \(Formatting.fixed(highEdge, significant: 3)) in \(h.counts.count) bins of \(Formatting.fixed(h.binWidth, significant: 3)); heights on a log scale.",
            body: body)
    }

    /// "Memory per GPU": for each ZeRO stage, one bar per recomputation mode at the micro-batch it allows.
    public static func batch(_ plan: BatchPlan) -> String {
        let modes = TrainingRequest.Checkpointing.allCases
        let values = (0...3).map { zero in
            modes.map { mode in Double(plan.rows.first { $0.zeroStage == zero && $0.checkpointing == mode }?.microBatch ?? 0) }
        }
        return groupedBars(
            id: "batch", title: "Micro-batch per GPU (sequences of \(Formatting.grouped(plan.sequenceLength)) tokens)", unit: "sequences",
            groups: (0...3).map { "ZeRO-\($0)" }, series: modes.map(\.phrase),
            values: values,
            description:
                "The largest micro-batch one \(plan.hardware) holds under each ZeRO stage and recomputation mode, for a target of \(plan.targetBatch) sequences over \(plan.devices) GPUs."
        )
    }

    /// The frame: size, accessible title and description, and the light/dark style sheet.
    static func frame(id: String, width: Int, height: Int, title: String, description: String, body: [String]) -> String {
        let style = """
            <style>
            .axis{stroke:#555;stroke-width:1}.grid{stroke:#ccc;stroke-width:0.5}text{font:12px system-ui,sans-serif;fill:#222}
            .label{font-size:12px}.small{font-size:10px}.title{font-size:14px;font-weight:600}
            @media (prefers-color-scheme: dark){text{fill:#e8e8e8}.axis{stroke:#aaa}.grid{stroke:#444}}
            </style>
            """
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-labelledby="\(id)-title \(id)-desc" data-chart="\(id)">
            <title id="\(id)-title">\(escape(title))</title>
            <desc id="\(id)-desc">\(escape(description))</desc>
            \(style)
            <text class="title" x="12" y="20">\(escape(title))</text>
            \(body.joined(separator: "\n"))
            </svg>
            """
    }

    /// "Teacher vs Student (Parameters B)": two bars.
    public static func teacherStudent(_ plan: DistillPlan) -> String {
        // The unit the teacher's size reads best in: thousands, millions or billions.
        let (scale, word, letter): (Double, String, String) =
            plan.teacherParameters >= 1_000_000_000
            ? (1e9, "billions", "B") : plan.teacherParameters >= 1_000_000 ? (1e6, "millions", "M") : (1e3, "thousands", "K")
        let values = [("Teacher", Double(plan.teacherParameters) / scale), ("Student", Double(plan.studentParameters) / scale)]
        return bars(
            id: "teacher-student",
            title: "Teacher vs Student (Parameters \(letter))",
            unit: "parameters (\(word))",
            values: values,
            description:
                "Teacher \(Formatting.compactCount(plan.teacherParameters)) parameters, student \(Formatting.compactCount(plan.studentParameters)) parameters (\(Formatting.fixed(plan.compressionRatio, decimals: 2))× smaller)."
        )
    }

    /// Vertical bars with a labelled value axis.
    static func bars(id: String, title: String, unit: String, values: [(String, Double)], description: String) -> String {
        let width = 420, height = 280, left = 60.0, bottom = 240.0, top = 40.0
        let scale = ticks(upTo: max(values.map(\.1).max() ?? 1, 1e-12) * 1.05, count: 4)
        let maximum = scale.last ?? 1
        var body: [String] = []
        for v in scale {
            let y = bottom - (bottom - top) * v / maximum
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"400\" y2=\"\(n(y))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"tick\" x=\"\(n(left - 6))\" y=\"\(n(y + 3))\" text-anchor=\"end\">\(escape(tickLabel(v)))</text>")
        }
        let slot = (400 - left) / Double(max(values.count, 1))
        for (index, (label, value)) in values.enumerated() {
            let h = (bottom - top) * value / maximum
            let x = left + slot * Double(index) + slot * 0.2
            body.append(
                "<rect data-mark=\"bar\" x=\"\(n(x))\" y=\"\(n(bottom - h))\" width=\"\(n(slot * 0.6))\" height=\"\(n(h))\" fill=\"\(palette[index % palette.count])\"><title>\(escape(label)): \(escape(Formatting.fixed(value, significant: 4))) \(escape(unit))</title></rect>"
            )
            body.append("<text x=\"\(n(x + slot * 0.3))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(escape(label))</text>")
            body.append(
                "<text class=\"small\" x=\"\(n(x + slot * 0.3))\" y=\"\(n(bottom - h - 4))\" text-anchor=\"middle\">\(escape(Formatting.fixed(value, significant: 3)))</text>"
            )
        }
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>")
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"400\" y2=\"\(n(bottom))\"/>")
        body.append(
            "<text class=\"label\" transform=\"translate(14 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(unit))</text>")
        return frame(id: id, width: width, height: height, title: title, description: description, body: body)
    }

    /// "Accuracy vs Compression Ratio": the seed's curve for the plan's λ on a log ratio axis, the published
    /// pairs as labelled points, and the plan itself.
    public static func accuracyCurve(_ plan: DistillPlan) -> String {
        let width = 640, height = 380, left = 56.0, right = 620.0, top = 40.0, bottom = 330.0
        let pairs = plan.evidence.filter { $0.retention != nil && $0.ratio > 0 }
        let maxRatio = max(500, plan.compressionRatio * 2)
        let lowAccuracy = min(40, (pairs.compactMap(\.retention) + [plan.accuracyPercent]).min() ?? 40)
        let highAccuracy = 105.0
        func x(_ r: Double) -> Double { left + (right - left) * log10(max(r, 1)) / log10(maxRatio) }
        func y(_ a: Double) -> Double {
            bottom - (bottom - top) * (min(max(a, lowAccuracy), highAccuracy) - lowAccuracy) / (highAccuracy - lowAccuracy)
        }
        var body: [String] = []
        for r in [1.0, 2, 5, 10, 20, 50, 100, 200, 500] where r <= maxRatio {
            body.append("<line class=\"grid\" x1=\"\(n(x(r)))\" y1=\"\(n(top))\" x2=\"\(n(x(r)))\" y2=\"\(n(bottom))\"/>")
            body.append(
                "<text class=\"small\" x=\"\(n(x(r)))\" y=\"\(n(bottom + 14))\" text-anchor=\"middle\">\(Formatting.fixed(r, decimals: 0))×</text>")
        }
        var a = (lowAccuracy / 10).rounded(.down) * 10
        while a <= 100 {
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(a)))\" x2=\"\(n(right))\" y2=\"\(n(y(a)))\"/>")
            body.append(
                "<text class=\"small\" x=\"\(n(left - 6))\" y=\"\(n(y(a) + 3))\" text-anchor=\"end\">\(Formatting.fixed(a, decimals: 0))%</text>")
            a += 10
        }
        var path = ""
        for step in 0...100 {
            let r = pow(10, log10(maxRatio) * Double(step) / 100)
            path += (step == 0 ? "M" : "L") + "\(n(x(r))) \(n(y(DistillPlan.accuracy(lambda: plan.lambda, ratio: r)))) "
        }
        body.append(
            "<path data-mark=\"curve\" d=\"\(path)\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"2\"><title>100 − 12·λ·log₁₀(r), λ = \(Formatting.fixed(plan.lambda, decimals: 2))</title></path>"
        )
        var points: [(label: String, x: Double, y: Double)] = []
        for pair in pairs {
            guard let retention = pair.retention else { continue }
            let color =
                ["encoder": palette[2], "prune-distill": palette[1], "pretrain-distill": palette[3], "reasoning-sft": palette[6]][pair.family]
                ?? palette[4]
            body.append(
                "<circle data-mark=\"pair\" cx=\"\(n(x(pair.ratio)))\" cy=\"\(n(y(retention)))\" r=\"4\" fill=\"\(color)\"><title>\(escape(pair.id)): \(Formatting.fixed(pair.ratio, decimals: 2))×, \(Formatting.fixed(retention, decimals: 1))% (\(escape(pair.benchmark)))</title></circle>"
            )
            points.append((String(pair.id.prefix(22)), x(pair.ratio), y(retention)))
        }
        // Labels where they fit; the rest keep their tooltip.
        var labels = LabelPlacer()
        for p in points { labels.reservePoint(x: p.x, y: p.y) }
        for p in points {
            if let text = labels.place(p.label, x: p.x, y: p.y, within: (left, right)) { body.append(text) }
        }
        if labels.omitted > 0 {
            body.append(
                "<text class=\"small\" x=\"\(n(right))\" y=\"\(n(top - 8))\" text-anchor=\"end\">\(labels.omitted) labels left out where they would overlap: hover a point</text>"
            )
        }
        body.append(
            "<circle data-mark=\"plan\" cx=\"\(n(x(plan.compressionRatio)))\" cy=\"\(n(y(plan.accuracyPercent)))\" r=\"7\" fill=\"none\" stroke=\"\(palette[3])\" stroke-width=\"3\"><title>Your plan: \(Formatting.fixed(plan.compressionRatio, decimals: 2))×, \(Formatting.fixed(plan.accuracyPercent, decimals: 1))%</title></circle>"
        )
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\"/>")
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>")
        body.append(
            "<text class=\"label\" x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 32))\" text-anchor=\"middle\">compression ratio r = teacher ÷ student (log scale)</text>"
        )
        body.append(
            "<text class=\"label\" transform=\"translate(14 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">accuracy (% of teacher)</text>"
        )
        let description =
            "The curve 100 − 12·λ·log10(r) for λ = \(Formatting.fixed(plan.lambda, decimals: 2)); \(pairs.count) published teacher→student pairs as points; your plan at \(Formatting.fixed(plan.compressionRatio, decimals: 2))× and \(Formatting.fixed(plan.accuracyPercent, decimals: 1))%."
        return frame(id: "accuracy-ratio", width: width, height: height, title: "Accuracy vs Compression Ratio", description: description, body: body)
    }

    /// Stacked memory bars per context against the GPU's capacity.
    public static func memory(_ estimate: MemoryEstimate) -> String {
        let width = 560, height = 320, left = 64.0, right = 540.0, top = 40.0, bottom = 270.0
        let capacity = estimate.estimates.first?.fit?.capacityBytes
        let highest = Double(max(estimate.estimates.map(\.totalBytes).max() ?? 1, capacity ?? 0)) / 1e9
        // Round ticks (1, 2 or 5 × 10ⁿ GB) past the tallest bar or the capacity line, with room for their labels.
        let scale = ticks(upTo: max(highest * 1.08, 1e-9))
        let maximum = scale.last ?? highest
        func y(_ gb: Double) -> Double { bottom - (bottom - top) * gb / maximum }
        var body: [String] = []
        for tick in scale {
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(tick)))\" x2=\"\(n(right))\" y2=\"\(n(y(tick)))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"tick\" x=\"\(n(left - 6))\" y=\"\(n(y(tick) + 3))\" text-anchor=\"end\">\(escape(tickLabel(tick)))</text>"
            )
        }
        let slot = (right - left) / Double(max(estimate.estimates.count, 1))
        var legend: Set<String> = []
        let names = estimate.termNames
        let labels = [names.weights, "KV cache", "gradients", "optimizer", names.activations, names.overhead]
        for (index, b) in estimate.estimates.enumerated() {
            let parts: [(String, Int)] = [
                (labels[0], b.weightsBytes), (labels[1], b.kvCacheBytes), (labels[2], b.gradientsBytes ?? 0), (labels[3], b.optimizerBytes ?? 0),
                (labels[4], b.activationBytes), (labels[5], b.overheadBytes),
            ]
            var base = 0.0
            let x = left + slot * Double(index) + slot * 0.25
            for (partIndex, (label, bytes)) in parts.enumerated() where bytes > 0 {
                let gb = Double(bytes) / 1e9
                body.append(
                    "<rect data-mark=\"segment\" x=\"\(n(x))\" y=\"\(n(y(base + gb)))\" width=\"\(n(slot * 0.5))\" height=\"\(n(y(base) - y(base + gb)))\" fill=\"\(palette[partIndex])\"><title>\(label): \(Formatting.decimalSize(bytes))</title></rect>"
                )
                base += gb
                legend.insert(label)
            }
            body.append(
                "<text x=\"\(n(x + slot * 0.25))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(Formatting.grouped(b.context)) tokens</text>")
            body.append(
                "<text class=\"small\" x=\"\(n(x + slot * 0.25))\" y=\"\(n(y(base) - 4))\" text-anchor=\"middle\">\(Formatting.decimalSize(b.totalBytes))</text>"
            )
        }
        // llama.cpp on several GPUs is checked GPU by GPU: one device's capacity beside a bar of all of them would
        // mislead, so the fit rows say it and the chart draws no line.
        let splitOverGPUs = estimate.estimates.first?.llamaCpp != nil && (estimate.estimates.first?.fit?.devices ?? 1) > 1
        if let capacity, !splitOverGPUs {
            let perDevice = estimate.capacityIsPerDevice && (estimate.estimates.first?.fit?.devices ?? 1) > 1
            let gb = Double(capacity) / 1e9
            body.append(
                "<line data-mark=\"capacity\" x1=\"\(n(left))\" y1=\"\(n(y(gb)))\" x2=\"\(n(right))\" y2=\"\(n(y(gb)))\" stroke=\"#e15759\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>"
            )
            body.append(
                "<text class=\"small\" x=\"\(n(right))\" y=\"\(n(y(gb) - 4))\" text-anchor=\"end\">\(perDevice ? "capacity of one device (each holds its share)" : "GPU capacity") \(Formatting.decimalSize(capacity))</text>"
            )
        }
        var lx = left
        for (index, label) in labels.enumerated() where legend.contains(label) {
            body.append(
                "<rect x=\"\(n(lx))\" y=\"\(n(bottom + 26))\" width=\"10\" height=\"10\" fill=\"\(palette[index])\"/><text class=\"small\" x=\"\(n(lx + 14))\" y=\"\(n(bottom + 35))\">\(label)</text>"
            )
            lx += 30 + 6.5 * Double(label.count)
        }
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\"/>")
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>")
        body.append(
            "<text class=\"label\" transform=\"translate(14 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">memory (GB)</text>")
        let description =
            estimate.estimates.map(\.answer).joined(separator: "; ") + (capacity.map { "; GPU capacity \(Formatting.decimalSize($0))" } ?? "")
        return frame(id: "memory", width: width, height: height, title: "Memory breakdown (estimate)", description: description, body: body)
    }

    /// Quantization: weight size against the published perplexity change, one labelled point per scheme with a
    /// published figure.
    public static func quantization(_ plan: QuantizePlan) -> String {
        let width = 640, height = 360, left = 64.0, right = 620.0, top = 40.0, bottom = 300.0
        let points = plan.schemes.compactMap { s -> (String, Double, Double)? in
            guard let delta = s.quality.first(where: { $0.delta != nil })?.delta else { return nil }
            return (s.name, Double(s.bytes) / 1e9, max(delta, 0.001))
        }
        // The axis spans the schemes drawn (those with a published figure), not the float formats beyond them.
        let scale = ticks(upTo: ((points.isEmpty ? plan.schemes.map { Double($0.bytes) / 1e9 } : points.map(\.1)).max() ?? 1) * 1.1, count: 5)
        let maxSize = scale.last ?? 1
        let maxDelta = max(points.map(\.2).max() ?? 1, 0.01)
        func x(_ gb: Double) -> Double { left + (right - left) * gb / maxSize }
        func y(_ d: Double) -> Double { bottom - (bottom - top) * (log10(d) + 3) / (log10(maxDelta) + 3.2) }
        var body: [String] = []
        var labels = LabelPlacer()
        for v in scale {
            body.append("<line class=\"grid\" x1=\"\(n(x(v)))\" y1=\"\(n(top))\" x2=\"\(n(x(v)))\" y2=\"\(n(bottom))\"/>")
            body.append(
                "<text class=\"small\" data-mark=\"tick\" x=\"\(n(x(v)))\" y=\"\(n(bottom + 14))\" text-anchor=\"middle\">\(tickLabel(v))</text>")
        }
        for d in [0.001, 0.01, 0.1, 1.0, 10.0] where d <= maxDelta * 1.5 {
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(d)))\" x2=\"\(n(right))\" y2=\"\(n(y(d)))\"/>")
            body.append(
                "<text class=\"small\" x=\"\(n(left - 6))\" y=\"\(n(y(d) + 3))\" text-anchor=\"end\">+\(d >= 1 ? Formatting.fixed(d, decimals: 0) : String(d))</text>"
            )
        }
        // Label the lowest-loss schemes first, so the ones a reader looks for keep their names.
        let order = points.indices.sorted { points[$0].2 < points[$1].2 }
        for index in order {
            let (name, gb, delta) = points[index]
            body.append(
                "<circle data-mark=\"scheme\" cx=\"\(n(x(gb)))\" cy=\"\(n(y(delta)))\" r=\"4\" fill=\"\(palette[index % palette.count])\"><title>\(escape(name)): \(Formatting.fixed(gb, significant: 3)) GB, ΔPPL +\(Formatting.fixed(delta, decimals: 4))</title></circle>"
            )
            labels.reservePoint(x: x(gb), y: y(delta))
        }
        for index in order {
            let (name, gb, delta) = points[index]
            if let text = labels.place(name, x: x(gb), y: y(delta), within: (left, right)) { body.append(text) }
        }
        if labels.omitted > 0 {
            body.append(
                "<text class=\"small\" x=\"\(n(right))\" y=\"\(n(top - 8))\" text-anchor=\"end\">\(labels.omitted) labels left out where they would overlap: hover a point</text>"
            )
        }
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"\(n(right))\" y2=\"\(n(bottom))\"/>")
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>")
        body.append(
            "<text class=\"label\" x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 32))\" text-anchor=\"middle\">weight size of this model (GB)</text>"
        )
        body.append(
            "<text class=\"label\" transform=\"translate(14 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">published ΔPPL (log scale)</text>"
        )
        let description =
            "\(points.count) schemes with a published perplexity change, by this model's weight size: "
            + points.map { "\($0.0) \(Formatting.fixed($0.1, significant: 3)) GB +\(Formatting.fixed($0.2, decimals: 3))" }.joined(separator: ", ")
        return frame(
            id: "quantization", width: width, height: height, title: "Quantization: size vs quality change", description: description, body: body)
    }

    /// Parameter anatomy: embeddings, attention, feed-forward, norms, head.
    public static func anatomy(_ report: InspectionReport) -> String {
        guard let locations = report.parameters.byLocation, let kinds = report.parameters.byKind else {
            return bars(
                id: "anatomy", title: "Parameter anatomy", unit: "parameters (millions)", values: [("total", Double(report.parameters.total) / 1e6)],
                description: "Total \(Formatting.grouped(report.parameters.total)) parameters (no tensor breakdown for a config-only source).")
        }
        let values: [(String, Double)] = [
            ("embeddings", Double(locations.embeddings) / 1e6), ("attention", Double(locations.attention) / 1e6),
            ("feed-forward", Double(locations.feedForward) / 1e6), ("norms", Double(kinds.norm) / 1e6), ("head", Double(locations.head) / 1e6),
        ]
        let description =
            values.map { "\($0.0) \(Formatting.fixed($0.1, significant: 4))M" }.joined(separator: ", ")
            + " of \(Formatting.grouped(report.parameters.total)) parameters (norms are counted inside their locations too)."
        return bars(id: "anatomy", title: "Parameter anatomy", unit: "parameters (millions)", values: values, description: description)
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
