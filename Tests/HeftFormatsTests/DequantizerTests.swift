import Foundation
import HeftFormats
import HeftTestSupport
import Testing

/// Every supported type against the reference dequantizer's float32 output (fixtures golden vectors), bit for bit.
@Suite struct DequantizerTests {
    static var golden: [String] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/index.json"))),
            let entries = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return entries.filter { $0["dequantize"] as? Bool == true }.compactMap { $0["type"] as? String }
            .filter { Dequantizer.supported.contains($0) }.sorted()
    }

    @Test func goldenVectorsCoverEverySupportedQuantizedType() {
        let quantized = Dequantizer.supported.subtracting(["F32", "F16", "BF16"])
        #expect(Set(Self.golden) == quantized, "missing: \(quantized.subtracting(Self.golden))")
    }

    @Test(arguments: golden)
    func matchesTheReferenceBitForBit(type name: String) throws {
        let type = try #require(GGMLType.named(name))
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(name).dequantize.in.bin"))))
        let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(name).dequantize.out.f32"))))
        #expect(input.count == 64 * type.bytesPerBlock)
        let count = 64 * type.blockSize
        #expect(expected.count == count * 4)
        var output = [Float](repeating: .nan, count: count)
        input.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer { Dequantizer.dequantize(type, raw.baseAddress!, count: count, into: $0.baseAddress!) }
        }
        var mismatches = 0
        expected.withUnsafeBytes { raw in
            for i in 0..<count where raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) != output[i].bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(count) values differ")
    }

    @Test(arguments: ["F32", "F16", "BF16"])
    func floatTypesRoundTripTheQuantizeVectors(type name: String) throws {
        // The reference "quantizer" for float types is a cast: its output read back must equal the cast input.
        let type = try #require(GGMLType.named(name))
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(name).quantize.in.f32"))))
        let stored = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/\(name).quantize.out.bin"))))
        let count = input.count / 4
        var output = [Float](repeating: .nan, count: count)
        stored.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer { Dequantizer.dequantize(type, raw.baseAddress!, count: count, into: $0.baseAddress!) }
        }
        input.withUnsafeBytes { raw in
            for i in 0..<count {
                let original = Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                let cast: Float
                switch name {
                case "F32": cast = original
                case "F16": cast = Float(Float16(original))
                default:  // bfloat16: round to nearest even on the upper 16 bits
                    let bits = original.bitPattern
                    cast = Float(bitPattern: ((bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16) << 16)
                }
                #expect(output[i].bitPattern == cast.bitPattern || (output[i].isNaN && cast.isNaN))
            }
        }
    }
}
