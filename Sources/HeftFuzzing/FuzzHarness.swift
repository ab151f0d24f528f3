import Foundation
internal import HeftFormats
internal import HeftKit

/// The fuzz targets: each feeds arbitrary bytes to one parser and everything downstream of it.
///
/// A target must never trap, hang or allocate beyond what the bytes justify; throwing a ``FormatError`` or an
/// ``EstimateError`` is the correct answer to malformed input. libFuzzer drives these through `heft-fuzz` built
/// with `-sanitize=fuzzer,address`; the tests replay the seed corpus and every regression input through them.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case safetensors, index, gguf, config, json, dequant, requests, packed

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
        case .packed:
            // First byte: which quantization config; the rest: a safetensors file, scanned by heft stats in a
            // folder with that config (every packed layout's checks, then its decoder over whatever passed them).
            guard let selector = bytes.first else { return }
            Self.scanPacked(config: Self.packedConfigs[Int(selector) % Self.packedConfigs.count], file: Data(bytes.dropFirst()))
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

    /// The `quantization_config` (or MLX `quantization`) entries the packed target pairs with its files.
    static let packedConfigs: [String] = [
        #""quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 8}"#,
        #""quantization_config": {"quant_method": "gptq", "bits": 8, "group_size": -1, "checkpoint_format": "gptq_v2"}"#,
        #""quantization_config": {"quant_method": "gptq", "bits": 2, "group_size": 16}"#,
        #""quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 8, "version": "gemm"}"#,
        #""quantization": {"group_size": 32, "bits": 4}"#,
        #""quantization": {"group_size": 64, "bits": 8}"#,
        #""quantization_config": {"quant_method": "compressed-tensors", "format": "pack-quantized", "config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 4, "group_size": 8}}}}"#,
        #""quantization_config": {"quant_method": "compressed-tensors", "format": "mixed-precision", "config_groups": {"a": {"targets": ["re:.*a$"], "weights": {"num_bits": 8}}, "b": {"targets": ["re:.*"], "weights": {"num_bits": 2, "group_size": 16}}}}"#,
        #""quantization_config": {"quant_method": "fp8", "weight_block_size": [128, 128]}"#,
        #""quantization_config": {"quant_method": "bitsandbytes", "load_in_4bit": true}"#,
        #""quantization_config": {"quant_method": "bitsandbytes", "load_in_8bit": true}"#,
        #""quantization": {"group_size": 32, "bits": 3, "a": {"group_size": 32, "bits": 5}, "b": {"group_size": 16, "bits": 6}}"#,
        #""quantization": {"group_size": 32, "bits": 4, "mode": "mxfp4", "b": {"bits": 4, "mode": "nvfp4"}, "c": {"bits": 8, "mode": "mxfp8"}}"#,
        #""quantization_config": {"quant_method": "gptq", "bits": 3, "group_size": 32}"#,
        #""quantization_config": {"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "config_groups": {"g": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "float", "group_size": 16}}}}"#,
        #""quantization_config": {"quant_method": "modelopt", "quant_algo": "NVFP4"}"#,
        #""quantization_config": {"quant_method": "mxfp4"}"#,
    ]

    /// Runs one input from async code (the tests): the packed target awaits its scan, where `run` blocks a thread
    /// on it (libFuzzer's driver, outside Swift concurrency); a test blocking the cooperative pool could starve the
    /// scan's workers.
    public func runAsync(_ bytes: [UInt8]) async {
        if self == .packed, let selector = bytes.first {
            guard let folder = Self.packedFolder(config: Self.packedConfigs[Int(selector) % Self.packedConfigs.count], file: Data(bytes.dropFirst())),
                let source = try? ModelSource.open(folder.path)
            else { return }
            defer { try? FileManager.default.removeItem(at: folder) }
            _ = try? await StatsScanner.scan(source)
            return
        }
        bytes.withUnsafeBytes { run($0) }
    }

    /// A temporary folder holding `file` as model.safetensors and a small llama config with `config`.
    static func packedFolder(config: String, file: Data) -> URL? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("heft-fuzz-\(UUID().uuidString)")
        let text =
            #"{"model_type": "llama", "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 16, "vocab_size": 16, \#(config)}"#
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil,
            (try? file.write(to: directory.appendingPathComponent("model.safetensors"))) != nil,
            (try? Data(text.utf8).write(to: directory.appendingPathComponent("config.json"))) != nil
        else {
            try? FileManager.default.removeItem(at: directory)
            return nil
        }
        return directory
    }

    /// Writes `file` and a small llama config with `config` into a temporary folder and scans it.
    static func scanPacked(config: String, file: Data) {
        guard let directory = packedFolder(config: config, file: file) else { return }
        defer { try? FileManager.default.removeItem(at: directory) }
        guard let source = try? ModelSource.open(directory.path) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = try? await StatsScanner.scan(source)
            done.signal()
        }
        done.wait()
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
