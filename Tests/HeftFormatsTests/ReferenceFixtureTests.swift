import Foundation
import HeftFormats
import HeftTestSupport
import Testing

/// Every tensor's name, shape, type, offset and size must equal what the format owners' Python readers
/// (gguf.GGUFReader; safetensors.safe_open plus the header read with Python's json) report for the same file.
@Suite struct ReferenceFixtureTests {
    static var reference: [String: Any] { (try? Fixtures.reference()) ?? [:] }

    static var ggufFiles: [String] { ((reference["gguf"] as? [String: Any]) ?? [:]).keys.sorted() }
    static var safetensorsFiles: [String] { ((reference["safetensors"] as? [String: Any]) ?? [:]).keys.sorted() }

    @Test func referenceFileListsEveryFixture() {
        #expect(Self.ggufFiles.count == 11, "8 GGUF types + 3 split shards")
        #expect(Self.safetensorsFiles.count == 5, "single, 3 shards, GPTQ-packed")
    }

    static func expected(_ format: String, _ file: String) throws -> [[String: Any]] {
        let files = try #require(reference[format] as? [String: Any])
        let entry = try #require(files[file] as? [String: Any])
        return try #require(entry["tensors"] as? [[String: Any]])
    }

    static func compare(_ tensors: [TensorInfo], _ expected: [[String: Any]]) {
        #expect(tensors.count == expected.count)
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
        for item in expected {
            let name = item["name"] as? String ?? ""
            guard let tensor = byName[name] else {
                Issue.record("missing tensor \(name)")
                continue
            }
            #expect(tensor.shape == (item["shape"] as? [Int]), "\(name) shape")
            #expect(tensor.storage.name == (item["type"] as? String), "\(name) type")
            #expect(tensor.dataOffset == (item["offset"] as? Int), "\(name) offset")
            #expect(tensor.byteCount == (item["bytes"] as? Int), "\(name) bytes")
            #expect(tensor.elementCount == (item["elements"] as? Int), "\(name) elements")
        }
    }

    @Test(arguments: ggufFiles)
    func ggufTensorsMatchGGUFReader(file: String) throws {
        let gguf = try GGUFFile.read(path: Fixtures.path(file))
        Self.compare(gguf.tensors, try Self.expected("gguf", file))
        let entry = try #require((Self.reference["gguf"] as? [String: Any])?[file] as? [String: Any])
        #expect(gguf.metadata.count == entry["kv_count"] as? Int)
        #expect(gguf.fileSize == entry["file_bytes"] as? Int)
        #expect(gguf.isComplete)
    }

    @Test(arguments: safetensorsFiles)
    func safetensorsTensorsMatchSafeOpen(file: String) throws {
        let safetensors = try SafetensorsFile.read(path: Fixtures.path(file))
        Self.compare(safetensors.tensors, try Self.expected("safetensors", file))
        #expect(safetensors.isComplete)
        #expect(safetensors.metadata.first?.key == "format")
    }

    @Test func shardedCheckpointReadsAsTheSingleFile() throws {
        let sharded = try ShardedSafetensors.read(indexPath: Fixtures.path("all-MiniLM-L6-v2-sharded/model.safetensors.index.json"))
        let single = try SafetensorsFile.read(path: Fixtures.path("all-MiniLM-L6-v2/model.safetensors"))
        #expect(sharded.files.count == 3)
        let shardedShapes = Dictionary(uniqueKeysWithValues: sharded.files.flatMap(\.tensors).map { ($0.name, $0.shape) })
        let singleShapes = Dictionary(uniqueKeysWithValues: single.tensors.map { ($0.name, $0.shape) })
        #expect(shardedShapes == singleShapes)
        #expect(sharded.warnings.isEmpty, "total_size equals the shards' tensor bytes")
    }

    @Test func splitGGUFReadsAsOneModel() throws {
        let split = try GGUFModel.read(path: Fixtures.path("extra/split/minilm-q8-00002-of-00003.gguf"))
        #expect(split.files.count == 3)
        #expect(split.primary["general.architecture"]?.stringValue == "bert")
        var expected = 0
        for file in Self.ggufFiles where file.hasPrefix("extra/split/") { expected += try Self.expected("gguf", file).count }
        #expect(split.tensors.count == expected)
    }

    @Test func bigEndianGGUFIsDetected() throws {
        let big = try GGUFFile.read(path: Fixtures.path("extra/bigendian.gguf"))
        let little = try GGUFFile.read(path: Fixtures.path("gguf/all-MiniLM-L6-v2.F16.gguf"))
        #expect(big.isBigEndian)
        #expect(big["bert.block_count"]?.intValue == 6)
        #expect(big.tensors.map(\.shape) == little.tensors.map(\.shape))
    }

    @Test func tokenListIsCountedWithoutDecoding() throws {
        let gguf = try GGUFFile.read(path: Fixtures.path("gguf/all-MiniLM-L6-v2.F32.gguf"))
        let tokens = try #require(gguf["tokenizer.ggml.tokens"]?.arrayValue)
        #expect(tokens.count == 30522)
        #expect(tokens.elementType == .string)
        #expect(tokens.values == nil, "arrays above the decode limit keep only their count")
    }
}

/// The ggml type table against gguf-py's `GGML_QUANT_SIZES` (golden/index.json) and published.json.
@Suite struct GGMLTypeTableTests {
    @Test func blockLayoutsMatchGGUFPy() throws {
        let data = try Foundation.Data(contentsOf: URL(fileURLWithPath: Fixtures.path("golden/index.json")))
        let entries = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(entries.count >= 34)
        for entry in entries {
            let name = try #require(entry["type"] as? String)
            let id = try #require(entry["id"] as? Int)
            let type = try #require(GGMLType.withID(id), "\(name)")
            #expect(type.name == name)
            #expect(type.blockSize == entry["block_size"] as? Int, "\(name)")
            if name == "Q8_1" {
                // gguf-py says 40; the C struct block_q8_1 is 36 bytes (formats.md §2.2).
                #expect(type.bytesPerBlock == 36)
            } else {
                #expect(type.bytesPerBlock == entry["type_size"] as? Int, "\(name)")
            }
        }
    }

    @Test func blockLayoutsMatchPublishedTable() throws {
        let published = try Fixtures.published()
        let types = try #require(published["quant_types"] as? [[String: Any]])
        var checked = 0
        for entry in types {
            guard let id = entry["ggml_type_id"] as? Int, let type = GGMLType.withID(id) else { continue }
            guard let block = entry["block_size"] as? Int, let bytes = entry["bytes_per_block"] as? Int else { continue }
            #expect(type.blockSize == block, "\(type.name)")
            #expect(type.bytesPerBlock == bytes, "\(type.name)")
            checked += 1
        }
        #expect(checked >= 25)
    }

    /// Rules name types by constant; each constant must be the type its identifier says.
    @Test func constantsAreTheTypesTheyName() {
        let constants: [(GGMLType, String)] = [
            (.f32, "F32"), (.f16, "F16"), (.q4_0, "Q4_0"), (.q4_1, "Q4_1"), (.q5_0, "Q5_0"), (.q5_1, "Q5_1"), (.q8_0, "Q8_0"),
            (.q8_1, "Q8_1"), (.q2_K, "Q2_K"), (.q3_K, "Q3_K"), (.q4_K, "Q4_K"), (.q5_K, "Q5_K"), (.q6_K, "Q6_K"), (.q8_K, "Q8_K"),
            (.iq2_XXS, "IQ2_XXS"), (.iq2_XS, "IQ2_XS"), (.iq3_XXS, "IQ3_XXS"), (.iq1_S, "IQ1_S"), (.iq4_NL, "IQ4_NL"), (.iq3_S, "IQ3_S"),
            (.iq2_S, "IQ2_S"), (.iq4_XS, "IQ4_XS"), (.i8, "I8"), (.i16, "I16"), (.i32, "I32"), (.i64, "I64"), (.f64, "F64"),
            (.iq1_M, "IQ1_M"), (.bf16, "BF16"), (.tq1_0, "TQ1_0"), (.tq2_0, "TQ2_0"), (.mxfp4, "MXFP4"), (.nvfp4, "NVFP4"),
            (.q1_0, "Q1_0"), (.q2_0, "Q2_0"),
        ]
        for (type, name) in constants {
            #expect(type.name == name)
            #expect(GGMLType.named(name) == type, "\(name)")
        }
        #expect(Set(constants.map(\.0.id)) == Set(GGMLType.all.map(\.id)))
        #expect(GGMLType.all.map(\.id) == GGMLType.all.map(\.id).sorted())
    }
}
