import Foundation
import HeftFormats
import HeftTestSupport
import Testing

@testable import HeftKit

/// The packed decoders take sixteen columns at a time where a run starts on a multiple of 16, one at a time at the
/// ends. `StatsTests.packedWeightsAreScannedAsTheirValues` checks the whole-tensor decode (aligned runs) against
/// numpy; here every packed tensor of each fixture is decoded again in pieces of odd lengths at odd starts, so that
/// most values go through the one-at-a-time path, and every value must equal the aligned decode bit for bit.
@Suite struct PackedWeightTests {
    @Test(arguments: [
        "minilm-gptq", "minilm-gptq8", "minilm-awq", "minilm-mlx", "minilm-fp8", "minilm-int8", "minilm-w4a16", "minilm-bnb4", "minilm-bnb8",
        "minilm-mlx-modes", "minilm-gptq3", "minilm-mxfp4", "minilm-nvfp4", "minilm-nvfp4-modelopt",
    ])
    func piecesAtAnyStartEqualTheWholeDecode(_ name: String) throws {
        let source = try ModelSource.open(Fixtures.path("extra/" + name))
        let report = try InspectionReport(source: source, includeTensors: false)
        let packing = try #require(report.quantization)
        let named = Dictionary(source.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var maps: [String: MappedTensorData] = [:]
        for file in source.files { maps[file.path] = try MappedTensorData(path: file.path) }
        var generator = SplitMix64(seed: 17)
        var decoded = 0
        let open = { (t: TensorInfo) throws(FormatError) -> TensorSpan in try maps[t.file]!.span(of: t) }
        for tensor in source.tensors {
            let packed: PackedWeight
            if let scaled = try PackedWeight.scaled(tensor, packing: packing, named: named, span: open) {
                packed = scaled
            } else if tensor.name.hasSuffix(".qweight") || tensor.name.hasSuffix(".weight_packed")
                || (packing.method == .bitsandbytes && tensor.storage.name == "U8" && tensor.name.hasSuffix(".weight"))
                || (packing.method == .mlx && tensor.storage.name == "U32") || (packing.method == .mxfp4 && tensor.name.hasSuffix("_blocks"))
                || (packing.method == .modelopt && tensor.storage.name == "U8")
            {
                packed = try PackedWeight.make(tensor, packing: packing, named: named, span: open)
            } else {
                continue
            }
            let count = packed.elementCount
            var whole = [Float](repeating: .nan, count: count), pieces = [Float](repeating: .nan, count: count)
            whole.withUnsafeMutableBufferPointer { packed.decode(start: 0, count: count, into: $0.baseAddress!) }
            var start = 0
            while start < count {
                let length = Swift.min(count - start, 1 + Int(generator.next() % 61))  // 1 … 61 values
                pieces.withUnsafeMutableBufferPointer { packed.decode(start: start, count: length, into: $0.baseAddress! + start) }
                start += length
            }
            let same = whole.withUnsafeBytes { a in pieces.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
            #expect(same, "\(tensor.name)")
            decoded += 1
        }
        #expect(decoded == (name.hasPrefix("minilm-mlx") ? 37 : name == "minilm-mxfp4" ? 12 : 36))
    }
}
