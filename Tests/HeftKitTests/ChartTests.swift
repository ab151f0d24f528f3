import Foundation
import FoundationXML
import HeftKit
import HeftTestSupport
import Testing

/// The SVG charts: well-formed XML, a text alternative, and one mark per data point.
@Suite struct ChartTests {
    /// Counts elements carrying `data-mark`, by mark; fails on malformed XML.
    final class Marks: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        var titles = 0
        var descriptions = 0
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            if let mark = attributes["data-mark"] { counts[mark, default: 0] += 1 }
            if name == "title" { titles += 1 }
            if name == "desc" { descriptions += 1 }
        }
    }

    static func marks(_ svg: String) throws -> Marks {
        let parser = XMLParser(data: Data(svg.utf8))
        let marks = Marks()
        parser.delegate = marks
        #expect(parser.parse(), "well-formed SVG: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(marks.descriptions >= 1)
        #expect(svg.contains("role=\"img\"") && svg.contains("prefers-color-scheme"))
        return marks
    }

    @Test func distillationCharts() throws {
        var request = DistillRequest(teacherParameters: 8_030_261_248)
        request.ratio = 2
        let plan = try DistillPlan(request)
        let curve = try Self.marks(Charts.accuracyCurve(plan))
        #expect(curve.counts["pair"] == plan.evidence.filter { $0.retention != nil }.count)
        #expect(curve.counts["plan"] == 1 && curve.counts["curve"] == 1)
        #expect(try Self.marks(Charts.teacherStudent(plan)).counts["bar"] == 2)
    }

    @Test func memoryChartStacksEachTermAndMarksTheGPU() throws {
        let profile = try ModelProfile.open(Fixtures.config("mistral-7b-v0.1.json"))
        var request = MemoryRequest()
        request.hardware = try HardwareCatalog.select("rtx-4090")
        let estimate = try MemoryEstimate(profile: profile, request: request)
        let marks = try Self.marks(Charts.memory(estimate))
        // Two contexts × (weights, KV cache, activations, overhead).
        #expect(marks.counts["segment"] == 8)
        #expect(marks.counts["capacity"] == 1)
    }

    @Test func quantizationAndAnatomyCharts() throws {
        let profile = try MemoryEstimateTests.profile(config: MemoryEstimateTests.llama31)
        let plan = try QuantizePlan(profile: profile, context: 4096, hardware: nil, budgetBytes: nil)
        let withQuality = plan.schemes.filter { $0.quality.contains { $0.delta != nil } }.count
        #expect(try Self.marks(Charts.quantization(plan)).counts["scheme"] == withQuality)
        #expect(withQuality >= 15)
        let report = try InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2"))
        #expect(try Self.marks(Charts.anatomy(report)).counts["bar"] == 5)
    }

    @Test func stackedFileHoldsBothCharts() throws {
        var request = DistillRequest(teacherParameters: 1_000_000)
        request.ratio = 2
        let plan = try DistillPlan(request)
        let marks = try Self.marks(Charts.stack([Charts.accuracyCurve(plan), Charts.teacherStudent(plan)]))
        #expect(marks.counts["bar"] == 2 && marks.counts["plan"] == 1)
    }
}

/// Human sizes and numbers: the unit changes where the web app's gb() changes it, and rounding never prints four
/// significant digits where three were asked for.
@Suite struct FormattingTests {
    @Test func decimalSizesChangeUnitWhereTheyRoundToOne() {
        #expect(Formatting.decimalSize(999) == "999 B")
        #expect(Formatting.decimalSize(999_499) == "999 kB")
        #expect(Formatting.decimalSize(999_500) == "1.00 MB")
        #expect(Formatting.decimalSize(999_999_999) == "1.00 GB")
        #expect(Formatting.decimalSize(1_500_000_000_000) == "1.50 TB")
        #expect(Formatting.decimalSize(90_868_376) == "90.9 MB")
    }

    @Test func significantDigitsSurviveRoundingUp() {
        #expect(Formatting.fixed(9.996, significant: 3) == "10.0")
        #expect(Formatting.fixed(0.9996, significant: 3) == "1.00")
        #expect(Formatting.fixed(99.96, significant: 3) == "100")
        #expect(Formatting.fixed(1.234, significant: 3) == "1.23")
        #expect(Formatting.fixed(0, significant: 3) == "0.00")
        // Past 10¹⁶: a mantissa of that many digits and its power of ten, not 17 digits of which 13 mean nothing.
        #expect(Formatting.fixed(3.5369141534521225e+33, significant: 4) == "3.537e+33")
        #expect(Formatting.fixed(-9.99996e20, significant: 4) == "-1.000e+21")
    }
}
