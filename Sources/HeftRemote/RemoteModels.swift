import HeftFormats
public import HeftKit

/// Opens models wherever they are: what `local` resolves (paths, the user's caches, a server's folders) first, then
/// a name `local` does not find — a Hub id, an https URL, an Ollama registry model — from its remote headers.
/// `stats` is refused for a remote model: it needs every weight.
public struct RemoteModels: ModelResolver {
    public let local: any ModelResolver
    public let reader: RemoteReader
    /// Whether a bare `ORG/NAME` that `local` does not know is read from the Hub (the web app, whose model ids are
    /// `FOLDER/PATH`, reads only `hf:ORG/NAME` remotely).
    public let bareNamesAreRemote: Bool

    public init(local: any ModelResolver = LocalModels(), settings: RemoteSettings = RemoteSettings(), bareNamesAreRemote: Bool = true) {
        self.local = local
        reader = RemoteReader(settings: settings)
        self.bareNamesAreRemote = bareNamesAreRemote
    }

    public func profile(_ name: String, parameters: Int?) async throws -> ModelProfile {
        try await either(name, local: { try await local.profile(name, parameters: parameters) }) { remote in
            try ModelProfile.open(source: try await open(remote).source, parameters: parameters)
        }
    }

    /// The report of a remote model names each file by its URL, not by its place in the header cache.
    public func inspection(_ name: String, includeTensors: Bool) async throws -> InspectionReport {
        try await either(name, local: { try await local.inspection(name, includeTensors: includeTensors) }) { remote in
            let (source, urls) = try await open(remote)
            return try InspectionReport(source: source, includeTensors: includeTensors).renamingPaths { urls[$0] ?? $0 }
        }
    }

    public func source(_ name: String) async throws -> ModelSource {
        try await either(name, local: { try await local.source(name) }) { _ in throw Self.weightsNotDownloaded(name) }
    }

    public func statistics(_ name: String, options: StatsOptions) async throws -> StatsReport {
        try await either(name, local: { try await local.statistics(name, options: options) }) { _ in throw Self.weightsNotDownloaded(name) }
    }

    /// `stats` of `name`: a local model as usual; a remote one with its weights downloaded into memory for the scan
    /// (``RemoteReader/withDownload(_:progress:_:)``).
    public func downloadingStatistics(_ name: String, options: StatsOptions, progress: DownloadProgress) async throws -> StatsReport {
        try await either(name, local: { try await local.statistics(name, options: options) }) { remote in
            try await reader.withDownload(remote, progress: progress) { source in try await StatsScanner.scan(source, options: options) }
        }
    }

    static func weightsNotDownloaded(_ name: String) -> RemoteError {
        RemoteError(
            name, .unsupported,
            "stats reads every weight, and a remote model's weights are not downloaded: pass --download to stream them through memory "
                + "(nothing is written to disk), or download the files and give their path")
    }

    /// `local`'s answer; or, for a URL, or a remote name `local` does not find, `remote`'s.
    func either<T>(_ name: String, local: () async throws -> T, remote: (RemoteName) async throws -> T) async throws -> T {
        guard let parsed = try RemoteName.parse(name) else { return try await local() }
        if !bareNamesAreRemote {
            // The web app: only names that say they are remote leave the machine, and never an arbitrary URL (the
            // server would fetch whatever a page asked for).
            if case .url = parsed {
                throw RemoteError(name, .badName, "the web app reads hf:ORG/NAME and ollama:NAME; give a URL to the command line")
            }
            guard name.hasPrefix("hf:") || name.hasPrefix("ollama:") else { return try await local() }
            return try await remote(parsed)
        }
        if case .url = parsed { return try await remote(parsed) }
        // A name whose first folder exists here is a path that is wrong, not a repository elsewhere.
        if case .hub = parsed, !name.hasPrefix("hf:"), let first = name.split(separator: "/").first, Path.exists(String(first)) {
            return try await local()
        }
        let localMiss: String
        do {
            return try await local()
        } catch let error as FormatError where error.rule == .io || error.rule == .noModelFiles {
            // Offline, a snapshot without weights says best what is wrong with it.
            if reader.settings.offline, error.rule == .noModelFiles { throw error }
            localMiss = error.detail
        }
        guard !reader.settings.offline else {
            throw RemoteError(name, .offline, "not found on this machine (\(localMiss)), and offline mode allows no network")
        }
        do {
            return try await remote(parsed)
        } catch let error as RemoteError where error.kind == .network {
            throw RemoteError(
                name, .network, "not found on this machine (\(localMiss)); reading it remotely failed: \(error.subject): \(error.detail)")
        }
    }

    /// The remote model's headers opened as a source named as the user named it, and each mirrored file's URL.
    func open(_ name: RemoteName) async throws -> (source: ModelSource, urls: [String: String]) {
        let model = try await reader.read(name)
        var source = try ModelSource.open(location: model.location)
        source.name = name.display
        source.warnings.append(model.remark)
        return (source, model.urls)
    }
}
