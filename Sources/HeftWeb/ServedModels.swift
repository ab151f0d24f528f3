import Foundation
internal import HeftFormats
public import HeftKit
import Synchronization

/// The models `heft serve` may read, by id (`ROOT/PATH` under its `--models` folders), with parsed headers cached.
///
/// A cached profile or report is reused while the files it was read from keep their size, modification time and
/// inode; any change reads them again. Answers name models by id, never by their path on the server.
public final class ServedModels: ModelResolver {
    public let roots: ModelRoots
    private let cache = Mutex(Cache())

    private struct Cache {
        var profiles: [ProfileKey: (stamp: FileStamp, value: ModelProfile)] = [:]
        var inspections: [InspectionKey: (stamp: FileStamp, value: InspectionReport)] = [:]
        var listing: (stamp: FileStamp, models: [ListedModel])?
        var statistics: [StatisticsKey: (stamp: FileStamp, report: StatsReport)] = [:]
    }

    private struct StatisticsKey: Hashable {
        let path: String
        let thresholds: [Double]
        let relative: Bool
        let k: Double
        let bins: Int
    }

    private struct ProfileKey: Hashable {
        let path: String
        let parameters: Int?
    }

    private struct InspectionKey: Hashable {
        let path: String
        let includeTensors: Bool
    }

    /// The most entries each cache keeps; past it the cache starts again (a server reads few models).
    static let capacity = 256

    public init(roots: ModelRoots) { self.roots = roots }

    public func profile(_ name: String, parameters: Int?) throws -> ModelProfile {
        let path = try roots.resolve(name)
        return try cached(\.profiles, ProfileKey(path: path, parameters: parameters), FileStamp(path)) {
            var source = try ModelSource.open(path)
            source.name = name
            return try ModelProfile.open(source: source, parameters: parameters)
        }
    }

    public func inspection(_ name: String, includeTensors: Bool) throws -> InspectionReport {
        let path = try roots.resolve(name)
        return try cached(\.inspections, InspectionKey(path: path, includeTensors: includeTensors), FileStamp(path)) {
            var source = try ModelSource.open(path)
            source.name = name
            return try InspectionReport(source: source, includeTensors: includeTensors).renamingPaths(rename)
        }
    }

    /// The value kept under `key` in the cache at `table` while `stamp` holds, else `compute`'s, then kept.
    private func cached<Key: Hashable & Sendable, Value: Sendable>(
        _ table: WritableKeyPath<Cache, [Key: (stamp: FileStamp, value: Value)]>, _ key: Key, _ stamp: FileStamp, _ compute: () throws -> Value
    ) rethrows -> Value {
        if let entry = cache.withLock({ $0[keyPath: table][key] }), entry.stamp == stamp { return entry.value }
        let value = try compute()
        cache.withLock { cache in
            if cache[keyPath: table].count >= Self.capacity { cache[keyPath: table].removeAll() }
            cache[keyPath: table][key] = (stamp, value)
        }
        return value
    }

    public func source(_ name: String) throws -> ModelSource {
        var source = try ModelSource.open(try roots.resolve(name))
        source.name = name
        return source
    }

    public func statistics(_ name: String, options: StatsOptions) async throws -> StatsReport {
        let path = try roots.resolve(name)
        let stamp = FileStamp(path)
        let key = StatisticsKey(path: path, thresholds: options.thresholds, relative: options.relative, k: options.outlierK, bins: options.bins)
        if let cached = cache.withLock({ $0.statistics[key] }), cached.stamp == stamp { return cached.report }
        let report = try await StatsScanner.scan(try source(name), options: options)
        cache.withLock { cache in
            if cache.statistics.count >= Self.capacity { cache.statistics.removeAll() }
            cache.statistics[key] = (stamp, report)
        }
        return report
    }

    /// Every model under the roots, listed again only when a file under them changed.
    public func list() -> [ListedModel] {
        let stamp = FileStamp(tree: roots.roots.map(\.path))
        if let cached = cache.withLock({ $0.listing }), cached.stamp == stamp { return cached.models }
        let models = roots.list()
        cache.withLock { $0.listing = (stamp, models) }
        return models
    }

    /// A server path as the user knows it: `ROOT/RELATIVE` for a path under a root, else its file name.
    public func rename(_ path: String) -> String {
        for root in roots.roots where path == root.path || path.hasPrefix(root.path + "/") {
            return root.name + path.dropFirst(root.path.count)
        }
        return Path.fileName(path)
    }
}

/// What identifies the contents of a file or folder without reading them: size, modification time and inode of
/// the file, or of every entry in the folder (and, for a tree, below it, up to a bound).
struct FileStamp: Hashable {
    private var entries: [String] = []

    init(_ path: String) {
        if add(path) {
            for entry in Self.children(path) { add(path + "/" + entry) }
        }
    }

    init(tree roots: [String]) {
        var pending = roots
        var visited = 0
        while let path = pending.popLast(), visited < 100_000 {
            visited += 1
            if add(path) { pending += Self.children(path).map { path + "/" + $0 } }
        }
    }

    /// Adds what identifies `path`; true when it is a folder.
    @discardableResult
    private mutating func add(_ path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            entries.append(path + ": missing")
            return false
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        entries.append("\(path): \(size) \(modified) \(inode)")
        return (attributes[.type] as? FileAttributeType) == .typeDirectory
    }

    private static func children(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}
