import Foundation
import HeftFormats
import HeftTestSupport
import Testing

/// `model.safetensors.index.json` must name shards inside its directory that exist and agree with it.
@Suite struct SafetensorsIndexTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        let header = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#
        try directory.write("model-00001-of-00001.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 4))
    }

    func rule(index: String) throws -> FormatError.Rule? {
        let path = try directory.write("model.safetensors.index.json", text: index)
        do {
            _ = try ShardedSafetensors.read(indexPath: path)
            return nil
        } catch {
            return error.rule
        }
    }

    @Test func validIndexReads() throws {
        #expect(try rule(index: #"{"metadata":{"total_size":4},"weight_map":{"a":"model-00001-of-00001.safetensors"}}"#) == nil)
    }

    @Test func totalSizeMismatchOnlyWarns() throws {
        let path = try directory.write(
            "model.safetensors.index.json", text: #"{"metadata":{"total_size":5},"weight_map":{"a":"model-00001-of-00001.safetensors"}}"#)
        let sharded = try ShardedSafetensors.read(indexPath: path)
        #expect(sharded.warnings.count == 1)
    }

    @Test func missingShard() throws {
        #expect(try rule(index: #"{"weight_map":{"a":"model-00001-of-00002.safetensors"}}"#) == .missingShard)
    }

    @Test(arguments: ["../model-00001-of-00001.safetensors", "/etc/passwd", "sub/x.safetensors", "..", "", "a\\b"])
    func shardOutsideTheDirectory(shard: String) throws {
        let escaped = shard.replacingOccurrences(of: "\\", with: "\\\\")
        #expect(try rule(index: #"{"weight_map":{"a":"\#(escaped)"}}"#) == .indexPath)
    }

    @Test func tensorListedInTheWrongShard() throws {
        try directory.write(
            "other.safetensors", SafetensorsBuilder.file(header: #"{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, dataBytes: 1))
        #expect(try rule(index: #"{"weight_map":{"a":"other.safetensors","b":"model-00001-of-00001.safetensors"}}"#) == .shardMismatch)
    }

    @Test func shardTensorMissingFromTheIndex() throws {
        try directory.write(
            "two.safetensors",
            SafetensorsBuilder.file(
                header: #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#, dataBytes: 2))
        #expect(try rule(index: #"{"weight_map":{"a":"two.safetensors"}}"#) == .shardMismatch)
    }

    @Test(arguments: [
        #"[]"#, #"{"metadata":{}}"#, #"{"weight_map":[]}"#, #"{"weight_map":{"a":3}}"#, #"{"metadata":{"total_size":-1},"weight_map":{}}"#,
    ])
    func malformedIndex(index: String) throws {
        #expect(try rule(index: index) == .indexSchema)
    }
}
