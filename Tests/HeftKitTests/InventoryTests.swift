import Foundation
import HeftFormats
import HeftKit
import HeftTestSupport
import Testing

/// Parameter anatomy of real checkpoints, against independent counts.
@Suite struct InventoryTests {
    /// Σ elements of the reference reader's tensors for a fixture, minus the named buffers.
    static func referenceElements(_ format: String, _ file: String, excluding buffers: Set<String> = []) throws -> Int {
        let reference = try Fixtures.reference()
        let entry = try #require((reference[format] as? [String: Any])?[file] as? [String: Any])
        let tensors = try #require(entry["tensors"] as? [[String: Any]])
        return tensors.filter { !buffers.contains($0["name"] as? String ?? "") }.reduce(0) { $0 + ($1["elements"] as? Int ?? 0) }
    }

    /// A GGUF architecture Heft has no family for keeps its name in the report's `family` field.
    @Test(arguments: [("phi2", nil, "phi2"), ("qwen2moe", Family.qwen2Moe, "qwen2_moe"), ("LLaMA", .llama, "llama")] as [(String, Family?, String)])
    func ggufArchitectureNamesTheFamily(arch: String, family: Family?, reported: String) throws {
        var gguf = GGUFBuilder(tensorCount: 1, kvCount: 1)
        gguf.kvString("general.architecture", arch)
        gguf.tensor("token_embd.weight", ne: [8, 4], type: 0, offset: 0)
        gguf.pad(to: 32)
        gguf.data(4 * 8 * 4)
        let directory = try TemporaryDirectory()
        let report = try InspectionReport.inspect(try directory.write("model.gguf", gguf.bytes))
        #expect(report.architecture.family == family)
        #expect(report.architecture.familyName == reported)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report.architecture)) as? [String: Any])
        #expect(json["family"] as? String == reported)
        #expect(!report.warnings.contains { $0.contains("without general.architecture") })
    }

    @Test func miniLMSafetensorsHasItsPublishedCount() throws {
        let report = try InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2"))
        // published.json distillation_pairs minilm-l6-h384: student params 22,713,216.
        let published = try Fixtures.published()
        let pairs = try #require(published["distillation_pairs"] as? [[String: Any]])
        let minilm = try #require(pairs.first { $0["id"] as? String == "minilm-l6-h384" })
        let student = try #require(minilm["student"] as? [String: Any])
        #expect(report.parameters.total == student["params"] as? Int)
        #expect(
            report.parameters.total
                == (try Self.referenceElements("safetensors", "all-MiniLM-L6-v2/model.safetensors", excluding: ["embeddings.position_ids"])))
        #expect(report.buffers.names == ["embeddings.position_ids"])
        #expect(report.buffers.elements == 512)
        #expect(report.formula?.matchesTensors == true)
        #expect(report.complete)
        #expect(report.tier.name == "10M–100M")
        #expect(report.architecture.layers == 6)
        #expect(report.architecture.headDim == 32)
    }

    @Test func byKindAndByLocationBothSumToTheTotal() throws {
        for source in ["all-MiniLM-L6-v2", "gguf/all-MiniLM-L6-v2.Q4_K.gguf", "gguf/all-MiniLM-L6-v2.Q4_0.gguf", "extra/minilm-gptq"] {
            guard Path.exists(Fixtures.path(source)) else { continue }
            let p = try InspectionReport.inspect(Fixtures.path(source)).parameters
            let kinds = try #require(p.byKind)
            let locations = try #require(p.byLocation)
            #expect(kinds.weight + kinds.bias + kinds.embedding + kinds.norm + kinds.adapter + kinds.other == p.total)
            #expect(locations.embeddings + locations.attention + locations.feedForward + locations.head + locations.other == p.total)
            #expect((p.byStorage ?? [:]).values.reduce(0, +) == p.total)
            #expect(locations.other == 0, "every MiniLM tensor is placed")
        }
    }

    @Test(arguments: ["F32", "F16", "BF16", "Q8_0", "Q5_1", "Q5_0", "Q4_1", "Q4_0"])
    func ggufCountEqualsTheReferenceElementSum(type: String) throws {
        let file = "gguf/all-MiniLM-L6-v2.\(type).gguf"
        let report = try InspectionReport.inspect(Fixtures.path(file))
        #expect(report.parameters.total == (try Self.referenceElements("gguf", file)))
        #expect(report.architecture.source == .ggufMetadata)
        #expect(report.architecture.family == .bert)
        #expect(report.architecture.vocabSize == 30522)
        #expect(report.buffers.count == 0)
        let reference = try Fixtures.reference()
        let entry = try #require((reference["gguf"] as? [String: Any])?[file] as? [String: Any])
        #expect(report.bytes.file == entry["file_bytes"] as? Int)
    }

    @Test func ggufDropsThePoolerAndThePositionIdsOfTheSafetensors() throws {
        // The converter skips pooler.* (384×384 + 384) and the position_ids buffer.
        let safetensors = try InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2")).parameters.total
        let gguf = try InspectionReport.inspect(Fixtures.path("gguf/all-MiniLM-L6-v2.F32.gguf")).parameters.total
        #expect(safetensors - gguf == 384 * 384 + 384)
    }

    @Test func shardedCheckpointCountsLikeTheSingleFile() throws {
        let sharded = try InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2-sharded"))
        let single = try InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2"))
        #expect(sharded.parameters.total == single.parameters.total)
        #expect(sharded.files.count == 3)
        #expect(sharded.bytes.tensorData == single.bytes.tensorData)
    }

    /// Every packed checkpoint of MiniLM counts the unpacked checkpoint's parameters: GPTQ at 8 bits, AWQ, and MLX,
    /// whose mixed recipe packs the query weights at 2 bits and the first feed-forward weights at 8, not the 4 its
    /// config names (each layer's width comes from its scales: groups × the group size).
    @Test(arguments: [
        "minilm-gptq8", "minilm-awq", "minilm-mlx", "minilm-fp8", "minilm-int8", "minilm-w4a16", "minilm-bnb4", "minilm-bnb8", "minilm-mlx-modes",
        "minilm-gptq3", "minilm-mxfp4", "minilm-nvfp4", "minilm-nvfp4-modelopt",
    ])
    func packedCheckpointsCountTheUnpackedParameters(_ name: String) throws {
        let packed = try InspectionReport.inspect(Fixtures.path("extra/" + name))
        let original = try Self.referenceElements("safetensors", "all-MiniLM-L6-v2/model.safetensors", excluding: ["embeddings.position_ids"])
        #expect(packed.parameters.total == original)
        if name == "minilm-mxfp4" {
            // gpt-oss's names (`mlp.experts.gate_up_proj_blocks`) are feed-forward weights, as MiniLM's were.
            let unpacked = try InspectionReport.inspect(Fixtures.path("all-MiniLM-L6-v2"))
            #expect(packed.parameters.byKind == unpacked.parameters.byKind)
            #expect(packed.parameters.byLocation == unpacked.parameters.byLocation)
        }
    }

    /// A mixed recipe says so beside its default width: MLX's per-layer entries (the mixed MLX fixture: 3-bit by
    /// default, 5- and 6-bit, mxfp4, nvfp4 and mxfp8 layers) and compressed-tensors' config groups (W4A16 with 8-bit
    /// feed-forward); a checkpoint of one width does not.
    @Test func mixedRecipesSaySo() throws {
        #expect(try InspectionReport.inspect(Fixtures.path("extra/minilm-mlx-modes")).fileType == "mlx 3-bit g64, mixed by layer")
        #expect(try InspectionReport.inspect(Fixtures.path("extra/minilm-w4a16")).fileType == "compressed-tensors 4-bit g128, mixed by layer")
        #expect(try InspectionReport.inspect(Fixtures.path("extra/minilm-gptq")).fileType == "gptq 4-bit g128")
    }

    /// Codes in a floating-point format say which, beside their width: the same 4 bits hold E2M1 values in NVFP4
    /// and integers in INT4. The NVFP4 fixtures as their configs name the format (compressed-tensors'
    /// `nvfp4-pack-quantized`, ModelOpt's `quant_algo`), and MLX's checkpoint-wide mode; integer codes name none.
    @Test func floatingPointCodesNameTheirFormat() throws {
        #expect(try InspectionReport.inspect(Fixtures.path("extra/minilm-nvfp4")).fileType == "compressed-tensors 4-bit nvfp4 g16")
        #expect(try InspectionReport.inspect(Fixtures.path("extra/minilm-nvfp4-modelopt")).fileType == "modelopt 4-bit nvfp4 g16")
        func width(_ json: String) throws -> String? {
            try JSONParser.parse(Array(json.utf8)).objectValue.flatMap(QuantizationPacking.from(config:))?.widthText
        }
        #expect(try width(#"{"quantization": {"mode": "mxfp8"}}"#) == "8-bit mxfp8")
        #expect(try width(#"{"quantization": {"bits": 4, "group_size": 64}}"#) == "4-bit")
        #expect(try width(#"{"quantization_config": {"quant_method": "modelopt", "quant_algo": "FP8"}}"#) == "8-bit fp8")
        #expect(
            try width(#"{"quantization_config": {"quant_method": "compressed-tensors", "format": "pack-quantized", "bits": 4}}"#) == "4-bit")
    }

    @Test func gptqPackedWeightsCountTheirLogicalParameters() throws {
        let packed = try InspectionReport.inspect(Fixtures.path("extra/minilm-gptq"))
        let original = try Self.referenceElements("safetensors", "all-MiniLM-L6-v2/model.safetensors", excluding: ["embeddings.position_ids"])
        #expect(packed.parameters.total == original)
        #expect(packed.quantization?.method == .gptq)
        #expect(packed.quantizationState.count == 36 * 3, "qzeros, scales and g_idx of 36 packed matrices")
        // The packed I32 tensors stand for exactly the original 2-D encoder weights.
        let reference = try Fixtures.reference()
        let entry = try #require((reference["safetensors"] as? [String: Any])?["all-MiniLM-L6-v2/model.safetensors"] as? [String: Any])
        let tensors = try #require(entry["tensors"] as? [[String: Any]])
        let packedOriginals = tensors.filter {
            ($0["name"] as? String ?? "").hasPrefix("encoder.") && ($0["shape"] as? [Int] ?? []).count == 2
        }
        #expect(packedOriginals.count == 36)
        #expect(packed.parameters.byStorage?["I32"] == packedOriginals.reduce(0) { $0 + ($1["elements"] as? Int ?? 0) })
    }

    @Test func splitGGUFCountsLikeOneFile() throws {
        let split = try InspectionReport.inspect(Fixtures.path("extra/split/minilm-q8-00001-of-00003.gguf"))
        let whole = try InspectionReport.inspect(Fixtures.path("gguf/all-MiniLM-L6-v2.Q8_0.gguf"))
        #expect(split.files.count == 3)
        #expect(split.parameters.total == whole.parameters.total)
    }

    @Test func truncatedSafetensorsReportsWhatIsMissing() throws {
        let directory = try TemporaryDirectory()
        let source = Fixtures.path("all-MiniLM-L6-v2/model.safetensors")
        let size = try MappedFile.size(of: source)
        let path = try directory.copy(source, to: "model.safetensors", length: size - 1_000_000)
        let report = try InspectionReport.inspect(path)
        #expect(!report.complete)
        #expect(report.missing?.bytes == 1_000_000)
        #expect(report.bytes.expectedFile == size)
        #expect(report.parameters.total == 22_713_216, "the header still tells every tensor")
        let rows = try #require(InspectionReport.inspect(path, includeTensors: true).tensors)
        let incomplete = rows.filter { !$0.complete }.map(\.name)
        #expect(incomplete == report.missing?.tensors)
        #expect(!incomplete.isEmpty)
        for row in rows { #expect(row.complete == (row.offset + row.bytes <= size - 1_000_000)) }
    }

    @Test func truncatedGGUFReportsWhatIsMissing() throws {
        let directory = try TemporaryDirectory()
        let source = Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf")
        let size = try MappedFile.size(of: source)
        let path = try directory.copy(source, to: "m.gguf", length: size / 2)
        let report = try InspectionReport.inspect(path)
        #expect(!report.complete)
        #expect(report.missing?.bytes == report.bytes.expectedFile - size / 2)
        #expect(report.parameters.total == 22_565_376)
    }

    @Test func tiedHeadStoredTwiceIsCountedOnce() throws {
        let directory = try TemporaryDirectory()
        let tensor: (String, Int) -> String = { name, begin in
            "\"\(name)\":{\"dtype\":\"F32\",\"shape\":[8,4],\"data_offsets\":[\(begin),\(begin + 128)]}"
        }
        let header = "{" + tensor("model.embed_tokens.weight", 0) + "," + tensor("lm_head.weight", 128) + "}"
        try directory.write("model.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 256))
        try directory.write(
            "config.json",
            text:
                #"{"model_type":"llama","vocab_size":8,"hidden_size":4,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":1,"tie_word_embeddings":true}"#
        )
        let report = try InspectionReport.inspect(directory.path)
        #expect(report.parameters.total == 32)
        #expect(report.tiedCopies == ["lm_head.weight = model.embed_tokens.weight"])
    }

    @Test func gpt2CausalMaskIsABuffer() throws {
        let directory = try TemporaryDirectory()
        let header =
            #"{"h.0.attn.bias":{"dtype":"F32","shape":[1,1,4,4],"data_offsets":[0,64]},"h.0.attn.c_attn.bias":{"dtype":"F32","shape":[12],"data_offsets":[64,112]},"h.0.attn.c_attn.weight":{"dtype":"F32","shape":[4,12],"data_offsets":[112,304]}}"#
        let path = try directory.write("model.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 304))
        let report = try InspectionReport.inspect(path)
        #expect(report.buffers.names == ["h.0.attn.bias"])
        #expect(report.parameters.total == 12 + 48)
        #expect(report.parameters.byLocation?.attention == 60)
    }

    @Test func unknownNamesLandInOtherWithAWarning() throws {
        let directory = try TemporaryDirectory()
        let header = #"{"mystery.tensor":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        let path = try directory.write("model.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 16))
        let report = try InspectionReport.inspect(path)
        #expect(report.parameters.byLocation?.other == 4)
        #expect(report.warnings.contains { $0.contains("mystery.tensor") })
    }
}
