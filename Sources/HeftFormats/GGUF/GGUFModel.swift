/// A GGUF model: one file, or the shards of a split model (`NAME-00001-of-00003.gguf`) read as one.
///
/// gguf-split puts all metadata in the first shard and `split.no` (u16, 0-based), `split.count` (u16) and
/// `split.tensors.count` (i32) in every shard (formats.md §2.4). Heft applies the llama.cpp loader's checks:
/// each shard's `split.no` equals its position, the number of files equals `split.count`, no tensor appears
/// twice, and the tensors add up to `split.tensors.count`.
public struct GGUFModel: Sendable {
    /// The files in split order (one for an unsplit model).
    public let files: [GGUFFile]

    /// The first file: it holds the model's metadata.
    public var primary: GGUFFile { files[0] }
    /// Every tensor across the files, in file order.
    public var tensors: [TensorInfo] { files.flatMap(\.tensors) }

    /// The pieces of a split file name: `prefix-00001-of-00003.gguf` → (`prefix`, 1, 3).
    public static func splitName(_ path: String) -> (prefix: String, number: Int, count: Int)? {
        let name = Path.fileName(path)
        guard name.hasSuffix(".gguf") else { return nil }
        let stem = name.dropLast(5)
        // -NNNNN-of-NNNNN is 15 characters.
        guard stem.count > 15 else { return nil }
        let tail = stem.suffix(15)
        let parts = tail.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, parts[2] == "of", parts[1].count == 5, parts[3].count == 5,
            let number = Int(parts[1]), let count = Int(parts[3]), number >= 1, count >= 1, number <= count
        else { return nil }
        let prefix = String(stem.dropLast(15))
        return (Path.join(Path.directory(of: path), prefix), number, count)
    }

    /// The path of shard `number` (1-based) of `count`.
    public static func splitPath(prefix: String, number: Int, count: Int) -> String {
        func pad(_ value: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        }
        return "\(prefix)-\(pad(number))-of-\(pad(count)).gguf"
    }

    /// Reads `path`, and when it is one shard of a split model, every shard.
    public static func read(path: String) throws(FormatError) -> GGUFModel {
        guard let split = splitName(path) else {
            let file = try GGUFFile.read(path: path)
            if let count = file["split.count"]?.intValue, count > 1 {
                throw FormatError(
                    file: path,
                    field: "split.count",
                    rule: .ggufSplit,
                    detail: "the file is one of \(count) splits but its name does not end in -0000k-of-0000\(count).gguf"
                )
            }
            return GGUFModel(files: [file])
        }
        var files: [GGUFFile] = []
        var holder: [String: String] = [:]
        for number in 1...split.count {
            let shardPath = splitPath(prefix: split.prefix, number: number, count: split.count)
            guard Path.exists(shardPath) else {
                throw FormatError(
                    file: path,
                    field: Path.fileName(shardPath),
                    rule: .missingShard,
                    detail: "split \(number) of \(split.count) is missing"
                )
            }
            let file = try GGUFFile.read(path: shardPath)
            if split.count > 1 || file["split.count"] != nil {
                guard file["split.no"]?.intValue == number - 1 else {
                    throw FormatError(
                        file: shardPath,
                        field: "split.no",
                        rule: .ggufSplit,
                        detail: "expected split.no = \(number - 1), found \(file["split.no"].map { "\($0)" } ?? "none")"
                    )
                }
                guard file["split.count"]?.intValue == split.count else {
                    throw FormatError(
                        file: shardPath,
                        field: "split.count",
                        rule: .ggufSplit,
                        detail: "expected split.count = \(split.count) as the file names say"
                    )
                }
            }
            for tensor in file.tensors {
                if let other = holder[tensor.name] {
                    throw FormatError(
                        file: shardPath,
                        field: tensor.name,
                        rule: .ggufDuplicateTensor,
                        detail: "tensor is duplicated (also in \(other))"
                    )
                }
                holder[tensor.name] = Path.fileName(shardPath)
            }
            files.append(file)
        }
        if let expected = files[0]["split.tensors.count"]?.intValue, expected != holder.count {
            throw FormatError(
                file: files[0].path,
                field: "split.tensors.count",
                rule: .ggufSplit,
                detail: "\(expected) tensors expected but \(holder.count) found across \(split.count) files"
            )
        }
        return GGUFModel(files: files)
    }
}
