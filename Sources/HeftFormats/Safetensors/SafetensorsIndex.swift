/// `model.safetensors.index.json`: which shard holds each tensor (formats.md §1.4).
///
/// ```json
/// {"metadata": {"total_size": 16060522496},
///  "weight_map": {"model.embed_tokens.weight": "model-00001-of-00004.safetensors", …}}
/// ```
public struct SafetensorsIndex: Sendable {
    /// `metadata.total_size`: the sum of tensor storage bytes, when given.
    public let totalSize: Int?
    /// Tensor name → shard file name, in document order.
    public let weightMap: [(tensor: String, shard: String)]
    /// Shard file names in order of first appearance.
    public let shards: [String]

    /// Parses an index document. Shard names must be plain file names in the index's own directory.
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> SafetensorsIndex {
        guard case .object(let root) = try JSONParser.parse(bytes) else {
            throw FormatError(offset: 0, rule: .indexSchema, detail: "the index must be a JSON object")
        }
        var totalSize: Int?
        if let metadata = root.member("metadata"), !metadata.value.isNull {
            guard case .object(let object) = metadata.value else {
                throw FormatError(offset: metadata.offset, field: "metadata", rule: .indexSchema, detail: "must be an object")
            }
            if let total = object.member("total_size"), !total.value.isNull {
                guard let value = total.value.numberValue?.unsigned.flatMap({ Int(exactly: $0) }) else {
                    throw FormatError(
                        offset: total.offset,
                        field: "metadata.total_size",
                        rule: .indexSchema,
                        detail: "must be a non-negative integer"
                    )
                }
                totalSize = value
            }
        }
        guard let mapMember = root.member("weight_map") else {
            throw FormatError(field: "weight_map", rule: .indexSchema, detail: "missing field 'weight_map'")
        }
        guard case .object(let map) = mapMember.value else {
            throw FormatError(offset: mapMember.offset, field: "weight_map", rule: .indexSchema, detail: "must be an object")
        }
        var weightMap: [(tensor: String, shard: String)] = []
        var shards: [String] = []
        var seenShards: Set<String> = []
        for entry in map.members {
            guard case .string(let shard) = entry.value else {
                throw FormatError(
                    offset: entry.offset,
                    field: "weight_map." + entry.key,
                    rule: .indexSchema,
                    detail: "shard must be a file name string"
                )
            }
            guard isPlainFileName(shard) else {
                throw FormatError(
                    offset: entry.offset,
                    field: "weight_map." + entry.key,
                    rule: .indexPath,
                    detail: "shard '\(shard)' is not a plain file name in the index's directory"
                )
            }
            weightMap.append((entry.key, shard))
            if seenShards.insert(shard).inserted { shards.append(shard) }
        }
        return SafetensorsIndex(totalSize: totalSize, weightMap: weightMap, shards: shards)
    }

    /// Whether `name` names a file directly inside a directory: no separators, no `..`, not empty.
    public static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && !name.contains("\0")
    }
}

/// A checkpoint split across shards named by a ``SafetensorsIndex``, read as one.
public struct ShardedSafetensors: Sendable {
    public let indexPath: String
    public let index: SafetensorsIndex
    /// The shards in index order.
    public let files: [SafetensorsFile]
    /// Disagreements that do not stop reading (a `total_size` that differs from the shards).
    public let warnings: [String]

    /// Reads the index at `indexPath` and every shard it names, checking that the index and the shards agree.
    public static func read(indexPath: String) throws(FormatError) -> ShardedSafetensors {
        let directory = Path.directory(of: indexPath)
        let index: SafetensorsIndex
        do throws(FormatError) {
            let size = try MappedFile.size(of: indexPath)
            guard size > 0 else { throw FormatError(rule: .emptyFile, detail: "the index file is empty") }
            guard size <= 1 << 30 else {
                throw FormatError(rule: .indexSchema, detail: "an index of \(size) bytes is implausibly large")
            }
            index = try SafetensorsIndex.parse(try MappedFile.read(indexPath, offset: 0, count: size))
        } catch {
            throw error.inFile(indexPath)
        }
        var files: [SafetensorsFile] = []
        var holder: [String: String] = [:]
        for shard in index.shards {
            let shardPath = Path.join(directory, shard)
            guard Path.exists(shardPath) else {
                throw FormatError(
                    file: indexPath,
                    field: shard,
                    rule: .missingShard,
                    detail: "the index names shard '\(shard)', which is not in \(directory)"
                )
            }
            let file = try SafetensorsFile.read(path: shardPath)
            for tensor in file.tensors {
                if let other = holder[tensor.name] {
                    throw FormatError(
                        file: shardPath,
                        field: tensor.name,
                        rule: .shardMismatch,
                        detail: "tensor is also in shard '\(other)'"
                    )
                }
                holder[tensor.name] = shard
            }
            files.append(file)
        }
        for (tensor, shard) in index.weightMap where holder[tensor] != shard {
            let found = holder[tensor].map { "it is in '\($0)'" } ?? "no shard holds it"
            throw FormatError(
                file: indexPath,
                field: tensor,
                rule: .shardMismatch,
                detail: "the index places this tensor in '\(shard)' but \(found)"
            )
        }
        if holder.count != index.weightMap.count {
            let listed = Set(index.weightMap.map(\.tensor))
            let extra = holder.keys.filter { !listed.contains($0) }.sorted()
            throw FormatError(
                file: indexPath,
                field: extra.first,
                rule: .shardMismatch,
                detail: "\(extra.count) tensor(s) in the shards are missing from the index's weight_map"
            )
        }
        var warnings: [String] = []
        let stored = Checked.sum(files.flatMap { $0.tensors.map(\.byteCount) }) ?? -1
        if let total = index.totalSize, total != stored {
            warnings.append(
                "\(Path.fileName(indexPath)): metadata.total_size is \(total) bytes but the shards' tensors hold \(stored) bytes"
            )
        }
        return ShardedSafetensors(indexPath: indexPath, index: index, files: files, warnings: warnings)
    }
}
