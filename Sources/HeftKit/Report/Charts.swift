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
    /// A limit (a GPU's capacity, the zero line): dark grey, light grey in dark mode, a colour no data series uses.
    static let limitColour = "#444"

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

        /// The `<text>` for `text` at the first free place around (`x`, `y`), or nil; a shortened label carries the
        /// full name as its tooltip.
        mutating func place(_ text: String, x: Double, y: Double, within: (Double, Double), fullName: String? = nil) -> String? {
            for (dx, dy, anchor) in [(6.0, 3.0, "start"), (-6.0, 3.0, "end"), (0.0, -8.0, "middle"), (0.0, 14.0, "middle")] {
                let b = Self.box(text, x: x + dx, y: y + dy, anchor: anchor)
                guard b.x0 >= within.0, b.x1 <= within.1 else { continue }
                if boxes.contains(where: { min($0.x1, b.x1) - max($0.x0, b.x0) > 0 && min($0.y1, b.y1) - max($0.y0, b.y0) > 0 }) { continue }
                boxes.append(b)
                let label = "<text class=\"small\" x=\"\(n(x + dx))\" y=\"\(n(y + dy))\" text-anchor=\"\(anchor)\">\(escape(text))</text>"
                guard let fullName, fullName != text else { return label }
                return "<g><title>\(escape(fullName))</title>\(label)</g>"
            }
            omitted += 1
            return nil
        }
    }

    /// The unit an axis reads best in for values up to `maximum`: its divisor, its symbol and its word.
    struct AxisUnit {
        let scale: Double
        let symbol: String
        let word: String
    }

    /// Counts: billions from 10⁹, millions from 10⁶, thousands from 10³ (Mixtral's 45 billion feed-forward
    /// parameters read 45 on a billions axis, not 45,000 on a millions one).
    static func countUnit(upTo maximum: Double) -> AxisUnit {
        if maximum >= 1e9 { return AxisUnit(scale: 1e9, symbol: "B", word: "billions") }
        if maximum >= 1e6 { return AxisUnit(scale: 1e6, symbol: "M", word: "millions") }
        if maximum >= 1e3 { return AxisUnit(scale: 1e3, symbol: "K", word: "thousands") }
        return AxisUnit(scale: 1, symbol: "", word: "")
    }

    /// Bytes (decimal, as ``Formatting/decimalSize(_:)``): GB from 10⁹, MB from 10⁶, kB from 10³ (829 MB of a small
    /// model on an MB axis, not 0.829 on a GB one).
    static func byteUnit(upTo maximum: Double) -> AxisUnit {
        if maximum >= 1e9 { return AxisUnit(scale: 1e9, symbol: "GB", word: "GB") }
        if maximum >= 1e6 { return AxisUnit(scale: 1e6, symbol: "MB", word: "MB") }
        if maximum >= 1e3 { return AxisUnit(scale: 1e3, symbol: "kB", word: "kB") }
        return AxisUnit(scale: 1, symbol: "bytes", word: "bytes")
    }

    /// A tick number: grouped thousands, a true minus sign, exactly `decimals` digits after the point.
    static func axisNumber(_ value: Double, decimals: Int) -> String {
        let text = Formatting.fixed(abs(value), decimals: decimals)
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = Int(parts[0]).map(Formatting.grouped) ?? String(parts[0])
        let body = parts.count > 1 ? whole + "." + parts[1] : whole
        return (value < 0 && (Double(text) ?? 0) != 0 ? "−" : "") + body
    }

    /// The labels of evenly spaced ticks in one format: every label with the decimals the step needs (0, 0.5, 1.0;
    /// −2, 0, 2), never a mix.
    static func tickLabels(_ ticks: [Double]) -> [String] {
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : 1
        let decimals = step >= 1 || step <= 0 ? 0 : max(0, Int((-log10(step) - 1e-9).rounded(.up)))
        return ticks.map { axisNumber($0, decimals: decimals) }
    }

    /// 10 with a superscript exponent: `10⁸`, `10⁻³`.
    static func power(_ exponent: Int) -> String {
        let digits: [Character: Character] = [
            "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
        ]
        return "10" + String(String(exponent).map { digits[$0] ?? $0 })
    }

    /// A tick's label with its value and axis for readers and tests: `data-mark="tick"` on a linear axis,
    /// `"logtick"` at a decade of a log₁₀ axis, `"log2tick"` at a power of two of a log₂ axis.
    static func tickText(_ label: String, value: Double, axis: String, mark: String = "tick", x: Double, y: Double, anchor: String) -> String {
        "<text class=\"small\" data-mark=\"\(mark)\" data-axis=\"\(axis)\" data-value=\"\(value)\" x=\"\(n(x))\" y=\"\(n(y))\" text-anchor=\"\(anchor)\">\(escape(label))</text>"
    }

    /// Horizontal grid lines and value labels at the left for `scale` (round ticks), drawn by `y`.
    static func valueAxis(_ scale: [Double], left: Double, right: Double, y: (Double) -> Double) -> [String] {
        var out: [String] = []
        for (tick, label) in zip(scale, tickLabels(scale)) {
            out.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(tick)))\" x2=\"\(n(right))\" y2=\"\(n(y(tick)))\"/>")
            out.append(tickText(label, value: tick, axis: "y", x: left - 6, y: y(tick) + 3, anchor: "end"))
        }
        return out
    }

    /// Labels at most `limit` characters long that stay distinct: a name that fits is kept; a longer one keeps its
    /// start and as much of its end, from a word's start, as tells it from the others, around "…"
    /// (deepseek-r1-distill-qwen-7b and -14b → `deepseek-r1-distil…7b`, `deepseek-r1-disti…14b`).
    static func shortLabels(_ names: [String], limit: Int) -> [String] {
        func cut(_ name: String, tail: Int) -> String {
            guard name.count > limit else { return name }
            return String(name.prefix(max(1, limit - 1 - tail))) + "…" + String(name.suffix(tail))
        }
        var tails = names.map { _ in 0 }
        var out = names.map { cut($0, tail: 0) }
        for _ in 0..<limit {
            let counts = Dictionary(out.map { ($0, 1) }, uniquingKeysWith: +)
            let clashes = out.indices.filter { (counts[out[$0]] ?? 0) > 1 && names[$0].count > limit && tails[$0] < limit / 2 }
            if clashes.isEmpty { break }
            for i in clashes {
                tails[i] += 1
                // From the start of a word: "7b" rather than "b", "qwen-14b" rather than "n-14b".
                let name = Array(names[i])
                while tails[i] < min(limit / 2, name.count), !"-_/. ".contains(name[name.count - tails[i] - 1]) { tails[i] += 1 }
                out[i] = cut(names[i], tail: tails[i])
            }
        }
        // Names that only differ in their middles: numbered.
        var seen: [String: Int] = [:]
        return out.map { label in
            seen[label, default: 0] += 1
            return seen[label] == 1 ? label : label + " (\(seen[label] ?? 0))"
        }
    }

    /// A legend entry's mark: a filled box, a line (dashed for limits), or a ring.
    enum Swatch {
        case box, line, dashed, ring
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

    /// A legend from (`x`, `y`): a swatch (`data-mark="legend"`, its colour in `data-colour`) and a label per
    /// entry, spaced by the labels' lengths and wrapped before `right`. Returns the marks and the baseline of its
    /// last row.
    static func legend(_ items: [(label: String, colour: String, swatch: Swatch)], x: Double, y: Double, right: Double) -> (
        marks: [String], last: Double
    ) {
        var out: [String] = []
        var cursor = x
        var row = y
        for (label, colour, swatch) in items {
            let width = 14 + Double(label.count) * 6.2
            if cursor > x, cursor + width > right {
                cursor = x
                row += 14
            }
            let tag = "data-mark=\"legend\" data-colour=\"\(colour)\""
            switch swatch {
            case .box:
                out.append("<rect \(tag) x=\"\(n(cursor))\" y=\"\(n(row - 9))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>")
            case .line, .dashed:
                let dash = swatch == .dashed ? " stroke-dasharray=\"4 2\"" : ""
                let limit = colour == limitColour ? " class=\"limit\"" : ""
                out.append(
                    "<line \(tag)\(limit) x1=\"\(n(cursor))\" y1=\"\(n(row - 4))\" x2=\"\(n(cursor + 10))\" y2=\"\(n(row - 4))\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>"
                )
            case .ring:
                out.append(
                    "<circle \(tag) cx=\"\(n(cursor + 5))\" cy=\"\(n(row - 4))\" r=\"4\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>")
            }
            out.append("<text class=\"small\" x=\"\(n(cursor + 14))\" y=\"\(n(row))\">\(escape(label))</text>")
            cursor += width + 12
        }
        return (out, row)
    }

    /// Bars in groups (one group per x label, one colour per series, named in the legend), on a round-ticked value
    /// axis. A zero bar is marked ✗ when `zeroMeans` says what a zero is ("does not fit").
    static func groupedBars(
        id: String, title: String, unit: String, groups: [String], fullNames: [String]? = nil, series: [String], values: [[Double]],
        description: String, limit: (label: String, value: Double)? = nil, zeroMeans: String? = nil
    ) -> String {
        let width = 560, height = 300, left = 64.0, right = 540.0, bottom = 250.0
        var items = series.enumerated().map { (label: $1, colour: palette[$0 % palette.count], swatch: Swatch.box) }
        if let limit { items.append((limit.label, limitColour, .dashed)) }
        let hasZero = zeroMeans != nil && values.contains { $0.contains(0) }
        let (legendMarks, legendBottom) = legend(items, x: left, y: 38, right: right)
        let top = legendBottom + 12
        let highest = max(values.flatMap { $0 }.max() ?? 1, limit?.value ?? 0, 1e-12)
        let scale = ticks(upTo: highest)
        let maximum = scale.last ?? highest
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / maximum }
        var body = valueAxis(scale, left: left, right: right, y: y)
        let slot = (right - left) / Double(max(groups.count, 1))
        let bar = slot * 0.8 / Double(max(series.count, 1))
        for (g, label) in groups.enumerated() {
            let full = fullNames?[g] ?? label
            for (k, name) in series.enumerated() {
                let value = g < values.count && k < values[g].count ? values[g][k] : 0
                let x = left + slot * Double(g) + slot * 0.1 + bar * Double(k)
                body.append(
                    "<rect data-mark=\"bar\" x=\"\(n(x))\" y=\"\(n(y(value)))\" width=\"\(n(bar * 0.9))\" height=\"\(n(bottom - y(value)))\" fill=\"\(palette[k % palette.count])\"><title>\(escape(full)), \(escape(name)): \(escape(Formatting.fixed(value, significant: 4))) \(escape(unit))</title></rect>"
                )
                if value == 0, let zeroMeans {
                    body.append(
                        "<text class=\"small\" data-mark=\"empty\" x=\"\(n(x + bar * 0.45))\" y=\"\(n(bottom - 4))\" text-anchor=\"middle\">✗<title>\(escape(full)), \(escape(name)): \(escape(zeroMeans))</title></text>"
                    )
                }
            }
            let text = "<text x=\"\(n(left + slot * (Double(g) + 0.5)))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(escape(label))</text>"
            body.append(full == label ? text : "<g><title>\(escape(full))</title>\(text)</g>")
        }
        if let limit {
            body.append(
                "<line data-mark=\"limit\" class=\"limit\" x1=\"\(n(left))\" y1=\"\(n(y(limit.value)))\" x2=\"\(n(right))\" y2=\"\(n(y(limit.value)))\" stroke=\"\(limitColour)\" stroke-dasharray=\"4 3\"/>"
            )
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: unit)
        body += legendMarks
        if hasZero, let zeroMeans {
            body.append("<text class=\"small\" x=\"\(n(right))\" y=\"\(n(bottom + 32))\" text-anchor=\"end\">✗ \(escape(zeroMeans))</text>")
        }
        return frame(id: id, width: width, height: height, title: title, description: description, body: body)
    }

    /// A swept context axis (log₂, from the first context to the last): the x of a context, and its labels at every
    /// point, or every other one when they would crowd (about 40 px per label).
    static func contextAxis(_ contexts: [Int], left: Double, right: Double, bottom: Double) -> (x: (Int) -> Double, marks: [String]) {
        let lo = log2(Double(contexts.first ?? 1)), hi = max(log2(Double(contexts.last ?? 1)), lo + 1)
        let x = { (c: Int) -> Double in left + (right - left) * (log2(Double(c)) - lo) / (hi - lo) }
        let every = max(1, Int((Double(contexts.count) * 40 / (right - left)).rounded(.up)))
        let marks = contexts.enumerated().filter { $0.offset % every == 0 }.map { _, c in
            tickText(contextLabel(c), value: Double(c), axis: "x", mark: "log2tick", x: x(c), y: bottom + 14, anchor: "middle")
        }
        return (x, marks)
    }

    /// A series as a line through its points, each point with its value in a tooltip; nothing for an empty series.
    static func line(
        _ points: [(x: Double, y: Double, tooltip: String)], colour: String, dashed: Bool = false
    ) -> [String] {
        guard !points.isEmpty else { return [] }
        let path = points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")
        let dash = dashed ? " stroke-dasharray=\"4 2\"" : ""  // as the legend's dashed swatch
        return ["<polyline data-mark=\"line\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash) points=\"\(path)\"/>"]
            + points.map {
                "<circle data-mark=\"point\" cx=\"\(n($0.x))\" cy=\"\(n($0.y))\" r=\"3\" fill=\"\(colour)\"><title>\(escape($0.tooltip))</title></circle>"
            }
    }

    /// "Memory by context": total memory at each swept context (log₂ axis, labelled at powers of two), FlashAttention
    /// and standard attention, with the GPU's capacity when one is given.
    public static func sweep(_ sweep: ContextSweep) -> String {
        let width = 600, height = 320, left = 70.0, right = 580.0, bottom = 270.0
        let points = sweep.points
        guard let first = points.first, let last = points.last else { return "" }
        var items: [(label: String, colour: String, swatch: Swatch)] = [
            ("FlashAttention", palette[0], .line), ("standard attention", palette[1], .line),
        ]
        if let capacity = sweep.capacityBytes { items.append(("GPU memory \(Formatting.decimalSize(capacity))", limitColour, .dashed)) }
        let (legendMarks, legendBottom) = legend(items, x: left, y: 38, right: right)
        let top = legendBottom + 12
        let highestBytes = max(
            Double(points.map { max($0.totalBytes, $0.totalBytesStandard) }.max() ?? 1), Double(sweep.capacityBytes ?? 0) * 1.05, 1)
        let unit = byteUnit(upTo: highestBytes)
        let scale = ticks(upTo: highestBytes / unit.scale)
        let maximum = scale.last ?? highestBytes / unit.scale
        let (x, contextMarks) = contextAxis(points.map(\.context), left: left, right: right, bottom: bottom)
        func y(_ bytes: Int) -> Double { bottom - (bottom - top) * min(Double(bytes) / unit.scale, maximum) / maximum }
        var body = valueAxis(scale, left: left, right: right) { bottom - (bottom - top) * $0 / maximum } + contextMarks
        for (series, colour, value) in [
            ("FlashAttention", palette[0], { (p: ContextSweep.Point) in p.totalBytes }),
            ("standard attention", palette[1], { (p: ContextSweep.Point) in p.totalBytesStandard }),
        ] {
            body += line(
                points.map {
                    (x($0.context), y(value($0)), "\(series) at \(Formatting.grouped($0.context)) tokens: \(Formatting.decimalSize(value($0)))")
                },
                colour: colour)
        }
        if let capacity = sweep.capacityBytes {
            body.append(
                "<line data-mark=\"capacity\" class=\"limit\" x1=\"\(n(left))\" y1=\"\(n(y(capacity)))\" x2=\"\(n(right))\" y2=\"\(n(y(capacity)))\" stroke=\"\(limitColour)\" stroke-dasharray=\"4 3\"/>"
            )
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: "memory (\(unit.word))", xLabel: "context (tokens, log scale)")
        body += legendMarks
        return frame(
            id: "sweep", width: width, height: height, title: "Memory by context",
            description:
                "Total memory at contexts from \(Formatting.grouped(first.context)) to \(Formatting.grouped(last.context)) tokens, with FlashAttention and with standard attention.",
            body: body)
    }

    /// "Speed by context": prefill and decode tokens per second at each swept context (log₂ axis), FlashAttention
    /// and standard attention, on a log₁₀ rate axis labelled at decades; empty without a GPU.
    public static func sweepSpeed(_ sweep: ContextSweep) -> String {
        let width = 600, height = 320, left = 70.0, right = 580.0, bottom = 270.0
        let points = sweep.points
        guard let first = points.first, let last = points.last else { return "" }
        let series: [(label: String, colour: String, dashed: Bool, value: (ContextSweep.Point) -> Double?)] = [
            ("prefill, FlashAttention", palette[0], false, { $0.prefillTokensPerSecond }),
            ("prefill, standard attention", palette[1], false, { $0.prefillTokensPerSecondStandard }),
            ("decode, FlashAttention", palette[0], true, { $0.decodeTokensPerSecond }),
            ("decode, standard attention", palette[1], true, { $0.decodeTokensPerSecondStandard }),
        ]
        let values = points.flatMap { p in series.compactMap { $0.value(p) } }.filter { $0 > 0 && $0.isFinite }
        guard let lowest = values.min(), let highest = values.max() else { return "" }
        let (legendMarks, legendBottom) = legend(
            series.map { ($0.label, $0.colour, $0.dashed ? Swatch.dashed : Swatch.line) }, x: left, y: 38, right: right)
        let top = legendBottom + 12
        let lowDecade = Int(log10(lowest).rounded(.down)), highDecade = max(Int(log10(highest).rounded(.up)), lowDecade + 1)
        let (x, contextMarks) = contextAxis(points.map(\.context), left: left, right: right, bottom: bottom)
        func y(_ rate: Double) -> Double {
            bottom - (bottom - top) * (log10(rate) - Double(lowDecade)) / Double(highDecade - lowDecade)
        }
        var body: [String] = []
        for decade in lowDecade...highDecade {
            let rate = pow(10, Double(decade))
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(rate)))\" x2=\"\(n(right))\" y2=\"\(n(y(rate)))\"/>")
            body.append(tickText(power(decade), value: rate, axis: "y", mark: "logtick", x: left - 6, y: y(rate) + 3, anchor: "end"))
        }
        body += contextMarks
        // FlashAttention last, so that where both nearly coincide (decode) its line is the one on top.
        for s in series.reversed() {
            let marks = points.compactMap { p in s.value(p).flatMap { $0 > 0 ? (p.context, $0) : nil } }
            body += line(
                marks.map { (x($0.0), y($0.1), "\(s.label) at \(Formatting.grouped($0.0)) tokens: \(Formatting.approximate($0.1)) tokens/s") },
                colour: s.colour, dashed: s.dashed)
        }
        body += axes(
            left: left, right: right, top: top, bottom: bottom, yLabel: "tokens per second (log scale)", xLabel: "context (tokens, log scale)")
        body += legendMarks
        return frame(
            id: "sweepSpeed", width: width, height: height, title: "Speed by context",
            description:
                "Prefill and decode tokens per second at contexts from \(Formatting.grouped(first.context)) to \(Formatting.grouped(last.context)) tokens, with FlashAttention and with standard attention (estimates).",
            body: body)
    }

    /// "Models compared": weights and the rest of the memory at the context, per model, with the GPU's capacity.
    public static func compare(_ c: ModelComparison) -> String {
        // Short labels under the bars (the file name without folders, distinct); the full name in each tooltip.
        let names = c.rows.map { row in row.model.split(separator: "/").last.map(String.init) ?? row.model }
        let labels = shortLabels(names, limit: max(8, min(18, 72 / max(c.rows.count, 1))))
        let highest = Double(c.rows.map(\.memoryBytes).max() ?? 1)
        let unit = byteUnit(upTo: highest)
        let values = c.rows.map { [Double($0.weightsBytes) / unit.scale, Double(max(0, $0.memoryBytes - $0.weightsBytes)) / unit.scale] }
        return groupedBars(
            id: "compare", title: "Memory at \(Formatting.grouped(c.context)) tokens", unit: unit.word, groups: labels,
            fullNames: c.rows.map(\.model),
            series: ["weights", "KV cache, activations, engine"], values: values,
            description: "Weights and the rest of the memory of each model at \(Formatting.grouped(c.context)) tokens: "
                + c.rows.map { "\($0.model) \(Formatting.decimalSize($0.memoryBytes))" }.joined(separator: ", ")
        )
    }

    /// "Weight values": the histogram of every parameter's value, heights on a log scale labelled at decades (10ⁿ),
    /// with the zero line.
    public static func histogram(_ report: StatsReport) -> String {
        let h = report.global.histogram
        guard !h.counts.isEmpty, let lowEdge = h.edges.first, let highEdge = h.edges.last, highEdge > lowEdge
        else { return "" }
        let width = 600, height = 300, left = 64.0, right = 580.0, bottom = 250.0
        let zero = lowEdge < 0 && highEdge > 0
        let (legendMarks, legendBottom) = legend(
            [("parameters per bin", palette[0], .box)] + (zero ? [("zero", limitColour, .dashed)] : []), x: left, y: 38, right: right)
        let top = legendBottom + 12
        let highest = Double(h.counts.max() ?? 1)
        let decades = max(1, Int(log10(max(highest, 1)).rounded(.up)))
        func y(_ count: Int) -> Double { count <= 0 ? bottom : bottom - (bottom - top) * (log10(Double(count)) + 1) / Double(decades + 1) }
        func x(_ v: Double) -> Double { left + (right - left) * (v - lowEdge) / (highEdge - lowEdge) }
        var body: [String] = []
        for decade in 0...decades {
            let count = Int(pow(10, Double(decade)))
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(count)))\" x2=\"\(n(right))\" y2=\"\(n(y(count)))\"/>")
            body.append(tickText(power(decade), value: Double(count), axis: "y", mark: "logtick", x: left - 6, y: y(count) + 3, anchor: "end"))
        }
        for (index, count) in h.counts.enumerated() where index + 1 < h.edges.count {
            let x0 = x(h.edges[index]), x1 = x(h.edges[index + 1])
            body.append(
                "<rect data-mark=\"bin\" x=\"\(n(x0))\" y=\"\(n(y(count)))\" width=\"\(n(max(0.5, x1 - x0 - 0.5)))\" height=\"\(n(bottom - y(count)))\" fill=\"\(palette[0])\"><title>\(escape(Formatting.fixed(h.edges[index], significant: 3))) to \(escape(Formatting.fixed(h.edges[index + 1], significant: 3))): \(Formatting.grouped(count))</title></rect>"
            )
        }
        // Value ticks: round steps across the range, labelled without overlap (about 60 px each), in one format.
        let span = highEdge - lowEdge
        let raw = span / max(1, Double(Int((right - left) / 60)))
        let decade = pow(10, log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * decade }.first { $0 >= raw } ?? 10 * decade
        let first = (lowEdge / step).rounded(.up)
        let values = stride(from: first, through: (highEdge / step + 1e-9).rounded(.down), by: 1).map { $0 * step }
        for (tick, label) in zip(values, tickLabels(values)) {
            body.append("<line class=\"axis\" x1=\"\(n(x(tick)))\" y1=\"\(n(bottom))\" x2=\"\(n(x(tick)))\" y2=\"\(n(bottom + 4))\"/>")
            body.append(tickText(label, value: tick, axis: "x", x: x(tick), y: bottom + 16, anchor: "middle"))
        }
        if zero {
            body.append(
                "<line data-mark=\"zero\" class=\"limit\" x1=\"\(n(x(0)))\" y1=\"\(n(top))\" x2=\"\(n(x(0)))\" y2=\"\(n(bottom))\" stroke=\"\(limitColour)\" stroke-dasharray=\"3 3\"/>"
            )
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: "parameters (log scale)", xLabel: "weight value")
        body += legendMarks
        return frame(
            id: "histogram", width: width, height: height, title: "Weight values (\(Formatting.grouped(report.global.elements)) parameters)",
            description:
                "Histogram of every parameter value from \(Formatting.fixed(lowEdge, significant: 3)) to \(Formatting.fixed(highEdge, significant: 3)) in \(h.counts.count) bins of \(Formatting.fixed(h.binWidth, significant: 3)); heights on a log scale.",
            body: body)
    }

    /// "Micro-batch per GPU": for each ZeRO stage, one bar per recomputation mode at the micro-batch it allows; ✗
    /// where not one sequence fits.
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
                "The largest micro-batch one \(plan.hardware) holds under each ZeRO stage and recomputation mode, for a target of \(plan.targetBatch) sequences over \(plan.devices) GPUs.",
            zeroMeans: "does not fit"
        )
    }

    /// The frame: size, accessible title and description, and the light/dark style sheet.
    static func frame(id: String, width: Int, height: Int, title: String, description: String, body: [String]) -> String {
        let style = """
            <style>
            .axis{stroke:#555;stroke-width:1}.grid{stroke:#ccc;stroke-width:0.5}text{font:12px system-ui,sans-serif;fill:#222}
            .label{font-size:12px}.small{font-size:10px}.title{font-size:14px;font-weight:600}
            @media (prefers-color-scheme: dark){text{fill:#e8e8e8}.axis{stroke:#aaa}.grid{stroke:#444}.limit{stroke:#ccc}}
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

    /// "Teacher vs Student": two bars in the unit the teacher's size reads best in.
    public static func teacherStudent(_ plan: DistillPlan) -> String {
        let unit = countUnit(upTo: Double(plan.teacherParameters))
        let values = [("Teacher", Double(plan.teacherParameters) / unit.scale), ("Student", Double(plan.studentParameters) / unit.scale)]
        return bars(
            id: "teacher-student",
            title: "Teacher vs Student (parameters\(unit.symbol.isEmpty ? "" : ", \(unit.symbol)"))",
            unit: unit.word.isEmpty ? "parameters" : "parameters (\(unit.word))",
            values: values,
            description:
                "Teacher \(Formatting.compactCount(plan.teacherParameters)) parameters, student \(Formatting.compactCount(plan.studentParameters)) parameters (\(Formatting.fixed(plan.compressionRatio, decimals: 2))× smaller)."
        )
    }

    /// Vertical bars, one colour (the bars are named under the axis), with a labelled value axis.
    static func bars(id: String, title: String, unit: String, values: [(String, Double)], description: String) -> String {
        let width = 420, height = 280, left = 60.0, bottom = 240.0, top = 40.0
        let scale = ticks(upTo: max(values.map(\.1).max() ?? 1, 1e-12) * 1.05, count: 4)
        let maximum = scale.last ?? 1
        var body = valueAxis(scale, left: left, right: 400) { bottom - (bottom - top) * $0 / maximum }
        let slot = (400 - left) / Double(max(values.count, 1))
        for (index, (label, value)) in values.enumerated() {
            let h = (bottom - top) * value / maximum
            let x = left + slot * Double(index) + slot * 0.2
            body.append(
                "<rect data-mark=\"bar\" x=\"\(n(x))\" y=\"\(n(bottom - h))\" width=\"\(n(slot * 0.6))\" height=\"\(n(h))\" fill=\"\(palette[0])\"><title>\(escape(label)): \(escape(Formatting.fixed(value, significant: 4))) \(escape(unit))</title></rect>"
            )
            body.append("<text x=\"\(n(x + slot * 0.3))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(escape(label))</text>")
            body.append(
                "<text class=\"small\" x=\"\(n(x + slot * 0.3))\" y=\"\(n(bottom - h - 4))\" text-anchor=\"middle\">\(value == 0 ? "0" : escape(Formatting.fixed(value, significant: 3)))</text>"
            )
        }
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(bottom))\"/>")
        body.append("<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(bottom))\" x2=\"400\" y2=\"\(n(bottom))\"/>")
        body.append(
            "<text class=\"label\" transform=\"translate(14 \(n((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(unit))</text>")
        return frame(id: id, width: width, height: height, title: title, description: description, body: body)
    }

    /// The published pairs' families: their colour and their name in the legend.
    static let pairFamilies: [(family: String, label: String, colour: String)] = [
        ("encoder", "encoder", palette[2]), ("prune-distill", "prune + distill", palette[1]), ("pretrain-distill", "pretraining distill", palette[4]),
        ("reasoning-sft", "reasoning SFT", palette[6]), ("other", "other", palette[5]),
    ]

    /// "Accuracy vs Compression Ratio": the seed's curve for the plan's λ on a log ratio axis (decades), the
    /// published pairs as points coloured by family and labelled where they fit, and the plan itself.
    public static func accuracyCurve(_ plan: DistillPlan) -> String {
        let width = 640, height = 380, left = 56.0, right = 620.0, bottom = 330.0
        let pairs = plan.evidence.filter { $0.retention != nil && $0.ratio > 0 }
        func family(_ name: String) -> (family: String, label: String, colour: String) {
            pairFamilies.first { $0.family == name } ?? pairFamilies[pairFamilies.count - 1]
        }
        let shown = pairFamilies.filter { f in pairs.contains { family($0.family).family == f.family } }
        let items =
            [(label: "λ curve", colour: palette[0], swatch: Swatch.line)] + shown.map { ($0.label, $0.colour, Swatch.box) }
            + [("your plan", palette[3], .ring)]
        let (legendMarks, legendBottom) = legend(items, x: left, y: 38, right: right)
        let top = legendBottom + 22
        let maxRatio = max(500, plan.compressionRatio * 2)
        let lowAccuracy = min(40, (pairs.compactMap(\.retention) + [plan.accuracyPercent]).min() ?? 40)
        let highAccuracy = 105.0
        func x(_ r: Double) -> Double { left + (right - left) * log10(max(r, 1)) / log10(maxRatio) }
        func y(_ a: Double) -> Double {
            bottom - (bottom - top) * (min(max(a, lowAccuracy), highAccuracy) - lowAccuracy) / (highAccuracy - lowAccuracy)
        }
        var body: [String] = []
        // Decades labelled (10⁰, 10¹, 10²); 2× and 5× as unlabelled grid lines.
        var decade = 0
        while pow(10, Double(decade)) <= maxRatio {
            let r = pow(10, Double(decade))
            for minor in [2.0, 5] where r * minor <= maxRatio {
                body.append(
                    "<line class=\"grid\" x1=\"\(n(x(r * minor)))\" y1=\"\(n(top))\" x2=\"\(n(x(r * minor)))\" y2=\"\(n(bottom))\" opacity=\"0.5\"/>")
            }
            body.append("<line class=\"grid\" x1=\"\(n(x(r)))\" y1=\"\(n(top))\" x2=\"\(n(x(r)))\" y2=\"\(n(bottom))\"/>")
            body.append(tickText(power(decade), value: r, axis: "x", mark: "logtick", x: x(r), y: bottom + 14, anchor: "middle"))
            decade += 1
        }
        let accuracyTicks = stride(from: (lowAccuracy / 10).rounded(.down) * 10, through: 100, by: 10).map { $0 }
        body += valueAxis(accuracyTicks, left: left, right: right, y: y)
        var path = ""
        for step in 0...100 {
            let r = pow(10, log10(maxRatio) * Double(step) / 100)
            path += (step == 0 ? "M" : "L") + "\(n(x(r))) \(n(y(DistillPlan.accuracy(lambda: plan.lambda, ratio: r)))) "
        }
        body.append(
            "<path data-mark=\"curve\" d=\"\(path)\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"2\"><title>100 − 12·λ·log₁₀(r), λ = \(Formatting.fixed(plan.lambda, decimals: 2))</title></path>"
        )
        let labels = shortLabels(pairs.map(\.id), limit: 20)
        var points: [(label: String, full: String, x: Double, y: Double)] = []
        for (pair, label) in zip(pairs, labels) {
            guard let retention = pair.retention else { continue }
            body.append(
                "<circle data-mark=\"pair\" cx=\"\(n(x(pair.ratio)))\" cy=\"\(n(y(retention)))\" r=\"4\" fill=\"\(family(pair.family).colour)\"><title>\(escape(pair.id)) (\(escape(family(pair.family).label))): \(Formatting.fixed(pair.ratio, decimals: 2))×, \(Formatting.fixed(retention, decimals: 1))% (\(escape(pair.benchmark)))</title></circle>"
            )
            points.append((label, pair.id, x(pair.ratio), y(retention)))
        }
        // Labels where they fit; the rest keep their tooltip.
        var placer = LabelPlacer()
        for p in points { placer.reservePoint(x: p.x, y: p.y) }
        placer.reservePoint(x: x(plan.compressionRatio), y: y(plan.accuracyPercent), r: 8)
        for p in points {
            if let text = placer.place(p.label, x: p.x, y: p.y, within: (left, right), fullName: p.full) { body.append(text) }
        }
        if placer.omitted > 0 {
            body.append(
                "<text class=\"small\" x=\"\(n(right))\" y=\"\(n(top - 8))\" text-anchor=\"end\">\(placer.omitted) labels left out where they would overlap: hover a point</text>"
            )
        }
        body.append(
            "<circle data-mark=\"plan\" cx=\"\(n(x(plan.compressionRatio)))\" cy=\"\(n(y(plan.accuracyPercent)))\" r=\"7\" fill=\"none\" stroke=\"\(palette[3])\" stroke-width=\"3\"><title>Your plan: \(Formatting.fixed(plan.compressionRatio, decimals: 2))×, \(Formatting.fixed(plan.accuracyPercent, decimals: 1))%</title></circle>"
        )
        body += axes(
            left: left, right: right, top: top, bottom: bottom, yLabel: "accuracy (% of teacher)",
            xLabel: "compression ratio r = teacher ÷ student (×, log scale)")
        body += legendMarks
        let description =
            "The curve 100 − 12·λ·log10(r) for λ = \(Formatting.fixed(plan.lambda, decimals: 2)); \(pairs.count) published teacher→student pairs as points coloured by family; your plan at \(Formatting.fixed(plan.compressionRatio, decimals: 2))× and \(Formatting.fixed(plan.accuracyPercent, decimals: 1))%."
        return frame(id: "accuracy-ratio", width: width, height: height, title: "Accuracy vs Compression Ratio", description: description, body: body)
    }

    /// Stacked memory bars per context against the GPU's capacity, in GB or, for a small model, MB.
    public static func memory(_ estimate: MemoryEstimate) -> String {
        let width = 560, height = 320, left = 64.0, right = 540.0, bottom = 270.0
        let capacity = estimate.estimates.first?.fit?.capacityBytes
        // llama.cpp on several GPUs is checked GPU by GPU: one device's capacity beside a bar of all of them would
        // mislead, so the fit rows say it and the chart draws no line.
        let splitOverGPUs = estimate.estimates.first?.llamaCpp != nil && (estimate.estimates.first?.fit?.devices ?? 1) > 1
        let line = splitOverGPUs ? nil : capacity
        let names = estimate.termNames
        let labels = [names.weights, "KV cache", "gradients", "optimizer", names.activations, names.overhead]
        let parts = estimate.estimates.map { b -> [Int] in
            [b.weightsBytes, b.kvCacheBytes, b.gradientsBytes ?? 0, b.optimizerBytes ?? 0, b.activationBytes, b.overheadBytes]
        }
        let used = labels.indices.filter { i in parts.contains { $0[i] > 0 } }
        var items = used.map { (label: labels[$0], colour: palette[$0], swatch: Swatch.box) }
        if let line {
            let perDevice = estimate.capacityIsPerDevice && (estimate.estimates.first?.fit?.devices ?? 1) > 1
            items.append(
                (
                    "\(perDevice ? "capacity of one device (each holds its share)" : "GPU capacity") \(Formatting.decimalSize(line))", limitColour,
                    .dashed
                ))
        }
        let (legendMarks, legendBottom) = legend(items, x: left, y: 38, right: right)
        let top = legendBottom + 16
        let highestBytes = Double(max(estimate.estimates.map(\.totalBytes).max() ?? 1, line ?? 0, 1))
        let unit = byteUnit(upTo: highestBytes)
        // Round ticks (1, 2 or 5 × 10ⁿ) past the tallest bar or the capacity line, with room for their labels.
        let scale = ticks(upTo: highestBytes / unit.scale * 1.08)
        let maximum = scale.last ?? highestBytes / unit.scale
        func y(_ v: Double) -> Double { bottom - (bottom - top) * v / maximum }
        var body = valueAxis(scale, left: left, right: right, y: y)
        let slot = (right - left) / Double(max(estimate.estimates.count, 1))
        for (index, b) in estimate.estimates.enumerated() {
            var base = 0.0
            let x = left + slot * Double(index) + slot * 0.25
            for partIndex in used where parts[index][partIndex] > 0 {
                let value = Double(parts[index][partIndex]) / unit.scale
                body.append(
                    "<rect data-mark=\"segment\" x=\"\(n(x))\" y=\"\(n(y(base + value)))\" width=\"\(n(slot * 0.5))\" height=\"\(n(y(base) - y(base + value)))\" fill=\"\(palette[partIndex])\"><title>\(labels[partIndex]): \(Formatting.decimalSize(parts[index][partIndex]))</title></rect>"
                )
                base += value
            }
            body.append(
                "<text x=\"\(n(x + slot * 0.25))\" y=\"\(n(bottom + 16))\" text-anchor=\"middle\">\(Formatting.grouped(b.context)) tokens</text>")
            body.append(
                "<text class=\"small\" x=\"\(n(x + slot * 0.25))\" y=\"\(n(y(base) - 4))\" text-anchor=\"middle\">\(Formatting.decimalSize(b.totalBytes))</text>"
            )
        }
        if let line {
            let v = Double(line) / unit.scale
            body.append(
                "<line data-mark=\"capacity\" class=\"limit\" x1=\"\(n(left))\" y1=\"\(n(y(v)))\" x2=\"\(n(right))\" y2=\"\(n(y(v)))\" stroke=\"\(limitColour)\" stroke-dasharray=\"6 4\" stroke-width=\"2\"/>"
            )
        }
        body += axes(left: left, right: right, top: top, bottom: bottom, yLabel: "memory (\(unit.word))")
        body += legendMarks
        let description =
            estimate.estimates.map(\.answer).joined(separator: "; ") + (capacity.map { "; GPU capacity \(Formatting.decimalSize($0))" } ?? "")
        return frame(id: "memory", width: width, height: height, title: "Memory breakdown (estimate)", description: description, body: body)
    }

    /// A quantization scheme's kind, for its colour: llama.cpp's K-quants, I-quants and legacy types apart, then
    /// the other families.
    static func schemeKind(_ scheme: QuantizePlan.Scheme) -> String {
        switch scheme.family {
        case .llamaCpp: scheme.name.hasPrefix("IQ") ? "llama.cpp I-quants" : scheme.name.contains("_K") ? "llama.cpp K-quants" : "llama.cpp legacy"
        case .gptq: "GPTQ"
        case .awq: "AWQ"
        case .bitsandbytes: "bitsandbytes"
        case .fp8: "FP8"
        case .float: "float"
        }
    }

    static let schemeKinds = ["llama.cpp K-quants", "llama.cpp I-quants", "llama.cpp legacy", "GPTQ", "AWQ", "bitsandbytes", "FP8", "float"]

    /// Quantization: weight size against the published perplexity change (log scale, decades), one point per
    /// scheme with a published figure, coloured by kind, the recommended scheme ringed.
    public static func quantization(_ plan: QuantizePlan) -> String {
        let width = 640, height = 380, left = 64.0, right = 620.0, bottom = 320.0
        let points = plan.schemes.compactMap { s -> (name: String, kind: String, bytes: Double, delta: Double)? in
            guard let delta = s.quality.first(where: { $0.delta != nil })?.delta else { return nil }
            return (s.name, schemeKind(s), Double(s.bytes), max(delta, 0.001))
        }
        let kinds = schemeKinds.filter { k in points.contains { $0.kind == k } }
        func colour(_ kind: String) -> String { palette[(schemeKinds.firstIndex(of: kind) ?? 0) % palette.count] }
        let recommended = points.first { $0.name == plan.recommended }
        var items = kinds.map { (label: $0, colour: colour($0), swatch: Swatch.box) }
        if let recommended { items.append(("recommended: \(recommended.name)", palette[3], .ring)) }
        let (legendMarks, legendBottom) = legend(items, x: left, y: 38, right: right)
        let top = legendBottom + 22
        // The axis spans the schemes drawn (those with a published figure), not the float formats beyond them.
        let highestBytes = (points.isEmpty ? plan.schemes.map { Double($0.bytes) } : points.map(\.bytes)).max() ?? 1
        let unit = byteUnit(upTo: highestBytes)
        let scale = ticks(upTo: highestBytes / unit.scale * 1.1, count: 5)
        let maxSize = scale.last ?? 1
        let highDecade = max(-2, Int(log10(max(points.map(\.delta).max() ?? 1, 0.01)).rounded(.up)))
        func x(_ bytes: Double) -> Double { left + (right - left) * bytes / unit.scale / maxSize }
        func y(_ d: Double) -> Double { bottom - (bottom - top) * (log10(d) + 3) / (Double(highDecade) + 3) }
        var body: [String] = []
        for (v, label) in zip(scale, tickLabels(scale)) {
            body.append(
                "<line class=\"grid\" x1=\"\(n(left + (right - left) * v / maxSize))\" y1=\"\(n(top))\" x2=\"\(n(left + (right - left) * v / maxSize))\" y2=\"\(n(bottom))\"/>"
            )
            body.append(tickText(label, value: v, axis: "x", x: left + (right - left) * v / maxSize, y: bottom + 14, anchor: "middle"))
        }
        for exponent in -3...highDecade {
            let d = pow(10, Double(exponent))
            body.append("<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y(d)))\" x2=\"\(n(right))\" y2=\"\(n(y(d)))\"/>")
            body.append(tickText(power(exponent), value: d, axis: "y", mark: "logtick", x: left - 6, y: y(d) + 3, anchor: "end"))
        }
        // Label the lowest-loss schemes first, so the ones a reader looks for keep their names.
        var labels = LabelPlacer()
        let order = points.indices.sorted { points[$0].delta < points[$1].delta }
        for index in order {
            let p = points[index]
            body.append(
                "<circle data-mark=\"scheme\" cx=\"\(n(x(p.bytes)))\" cy=\"\(n(y(p.delta)))\" r=\"4\" fill=\"\(colour(p.kind))\"><title>\(escape(p.name)) (\(escape(p.kind))): \(Formatting.decimalSize(Int(p.bytes))), ΔPPL +\(Formatting.fixed(p.delta, decimals: 4))</title></circle>"
            )
            labels.reservePoint(x: x(p.bytes), y: y(p.delta))
        }
        if let recommended {
            body.append(
                "<circle data-mark=\"recommended\" cx=\"\(n(x(recommended.bytes)))\" cy=\"\(n(y(recommended.delta)))\" r=\"8\" fill=\"none\" stroke=\"\(palette[3])\" stroke-width=\"2.5\"><title>recommended: \(escape(recommended.name))</title></circle>"
            )
            labels.reservePoint(x: x(recommended.bytes), y: y(recommended.delta), r: 9)
        }
        for index in order {
            let p = points[index]
            if let text = labels.place(p.name, x: x(p.bytes), y: y(p.delta), within: (left, right)) { body.append(text) }
        }
        if labels.omitted > 0 {
            body.append(
                "<text class=\"small\" x=\"\(n(right))\" y=\"\(n(top - 8))\" text-anchor=\"end\">\(labels.omitted) labels left out where they would overlap: hover a point</text>"
            )
        }
        body += axes(
            left: left, right: right, top: top, bottom: bottom, yLabel: "published ΔPPL (log scale)",
            xLabel: "weight size of this model (\(unit.word))")
        body += legendMarks
        let description =
            "\(points.count) schemes with a published perplexity change, by this model's weight size: "
            + points.map { "\($0.name) \(Formatting.decimalSize(Int($0.bytes))) +\(Formatting.fixed($0.delta, decimals: 3))" }.joined(separator: ", ")
            + (recommended.map { "; recommended \($0.name)" } ?? "")
        return frame(
            id: "quantization", width: width, height: height, title: "Quantization: size vs quality change", description: description, body: body)
    }

    /// Parameter anatomy: embeddings, attention, feed-forward, norms, head, in billions, millions or thousands.
    public static func anatomy(_ report: InspectionReport) -> String {
        guard let locations = report.parameters.byLocation, let kinds = report.parameters.byKind else {
            let unit = countUnit(upTo: Double(report.parameters.total))
            return bars(
                id: "anatomy", title: "Parameter anatomy", unit: unit.word.isEmpty ? "parameters" : "parameters (\(unit.word))",
                values: [("total", Double(report.parameters.total) / unit.scale)],
                description: "Total \(Formatting.grouped(report.parameters.total)) parameters (no tensor breakdown for a config-only source).")
        }
        let counts = [
            ("embeddings", locations.embeddings), ("attention", locations.attention), ("feed-forward", locations.feedForward), ("norms", kinds.norm),
            ("head", locations.head),
        ]
        let unit = countUnit(upTo: Double(counts.map(\.1).max() ?? 1))
        let description =
            counts.map { "\($0.0) \(Formatting.compactCount($0.1))" }.joined(separator: ", ")
            + " of \(Formatting.grouped(report.parameters.total)) parameters (norms are counted inside their locations too)."
        return bars(
            id: "anatomy", title: "Parameter anatomy", unit: unit.word.isEmpty ? "parameters" : "parameters (\(unit.word))",
            values: counts.map { ($0.0, Double($0.1) / unit.scale) }, description: description)
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
