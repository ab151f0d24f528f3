import Foundation
internal import HeftFormats
internal import HeftKit

/// The fuzz targets: each feeds arbitrary bytes to one parser and everything downstream of it.
///
/// A target must never trap, hang or allocate beyond what the bytes justify; throwing a ``FormatError`` or an
/// ``EstimateError`` is the correct answer to malformed input. libFuzzer drives these through `heft-fuzz` built
/// with `-sanitize=fuzzer,address`; the tests replay the seed corpus and every regression input through them.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors, index, gguf, config, json, dequant, requests

    /// Runs one input. Errors are expected; anything else (a trap) is a finding.
    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .safetensors:
            guard let file = try? SafetensorsFile.parse(fileBytes: bytes, path: "fuzz.safetensors") else { return }
            // Downstream: classify and report as inspect does.
            _ = Anatomy(tensors: file.tensors, classifier: TensorClassifier(), tied: true)
        case .index:
            _ = try? SafetensorsIndex.parse(Array(bytes))
        case .gguf:
            guard let file = try? GGUFFile.parse(bytes, path: "fuzz.gguf") else { return }
            let names = Set(file.tensors.map(\.name))
            let architecture = Architecture(gguf: file, tensorNames: names)
            _ = Anatomy(tensors: file.tensors, classifier: TensorClassifier(family: architecture.family), tied: architecture.tiedEmbeddings)
            if let layout = AttentionLayout(gguf: file, architecture: architecture) {
                _ = try? KVCacheEstimate(layout: layout, context: 4096, sequences: 1, cacheType: .q8_0)
            }
        case .config:
            guard let value = try? JSONParser.parse(bytes), case .object(let object) = value else { return }
            let reader = ConfigReader(path: "fuzz/config.json", root: object)
            guard let profile = try? ModelProfile.from(config: reader, parameters: nil) else { return }
            var request = MemoryRequest()
            request.weights = .fileType(.Q4_K_M)
            _ = try? MemoryEstimate(profile: profile, request: request)
            var distill = DistillRequest(teacherParameters: profile.parameters)
            distill.ratio = 3
            distill.teacherConfig = reader
            _ = try? DistillPlan(distill)
        case .json:
            if let value = try? JSONParser.parse(bytes) { _ = value.serialized() }
        case .requests:
            // First byte: which calculator; the rest: its JSON body, decoded, validated and computed as the web app
            // does (with no model files: bundled examples, published pairs and bare counts only).
            guard let selector = bytes.first else { return }
            let calculator = Calculators.all[Int(selector) % Calculators.all.count]
            Self.answer(calculator, Data(bytes.dropFirst()))
        case .dequant:
            // First byte: which type; the rest: as many whole blocks as fit.
            guard let selector = bytes.first, let base = bytes.baseAddress else { return }
            let names = Dequantizer.supported.sorted()
            guard let type = GGMLType.named(names[Int(selector) % names.count]) else { return }
            let blocks = (bytes.count - 1) / type.bytesPerBlock
            guard blocks > 0 else { return }
            var output = [Float](repeating: 0, count: blocks * type.blockSize)
            output.withUnsafeMutableBufferPointer { Dequantizer.dequantize(type, base + 1, count: blocks * type.blockSize, into: $0.baseAddress!) }
        }
    }

    /// Decodes and runs one request; every failure must be a thrown error, never a trap.
    static func answer<Query: Calculator>(_: Query.Type, _ body: Data) {
        guard let query = try? JSONDecoder().decode(Query.self, from: body) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = try? await query.run(with: NoModels())
            done.signal()
        }
        done.wait()
    }
}

/// A resolver with no models: a fuzzed request must never open a file.
struct NoModels: ModelResolver {
    struct Refused: Error {}
    func profile(_ name: String, parameters: Int?) throws -> ModelProfile { throw Refused() }
    func inspection(_ name: String, includeTensors: Bool) throws -> InspectionReport { throw Refused() }
    func source(_ name: String) throws -> ModelSource { throw Refused() }
}
