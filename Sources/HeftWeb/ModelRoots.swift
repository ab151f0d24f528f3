internal import HeftFormats
public import HeftKit
import Hummingbird

#if canImport(Glibc)
    import Glibc
#endif

/// The folders `heft serve` may read (`--models DIR`), and safe resolution of `model=` ids inside them.
///
/// A model id is `ROOT/RELATIVE/PATH`, where ROOT is a root's folder name. Absolute paths, `..`, empty
/// components and anything whose real path (symlinks resolved) leaves its root are refused: the web app never
/// reads outside the folders it was given.
public struct ModelRoots: Sendable {
    public struct Root: Sendable {
        public let name: String
        public let path: String
    }

    public let roots: [Root]

    public init(directories: [String]) {
        var roots: [Root] = []
        for directory in directories {
            guard let real = Self.realPath(directory), Path.isDirectory(real) else { continue }
            var name = Path.fileName(real)
            if name.isEmpty { name = "root" }
            var unique = name
            var index = 2
            while roots.contains(where: { $0.name == unique }) {
                unique = "\(name)-\(index)"
                index += 1
            }
            roots.append(Root(name: unique, path: real))
        }
        self.roots = roots
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The file or directory a model id names, or an API error saying why not.
    public func resolve(_ id: String) throws(WebError) -> String {
        guard !id.isEmpty else { throw WebError(.badRequest, field: "model", message: "model must not be empty") }
        guard !id.hasPrefix("/"), !id.contains("\\"), !id.contains("\0") else {
            throw WebError(.badRequest, field: "model", message: "model must be ROOT/PATH inside a --models folder, not an absolute path")
        }
        let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw WebError(.badRequest, field: "model", message: "model must not contain '..', '.' or empty components")
        }
        guard let root = roots.first(where: { $0.name == parts[0] }) else {
            throw WebError(
                .notFound, field: "model",
                message: "no models folder named '\(parts[0])' (serve was given: \(roots.map(\.name).joined(separator: ", ")))")
        }
        let candidate = Path.join(root.path, parts.dropFirst().joined(separator: "/"))
        guard Path.exists(candidate), let real = Self.realPath(candidate) else {
            throw WebError(.notFound, field: "model", message: "'\(id)' does not exist")
        }
        guard real == root.path || real.hasPrefix(root.path + "/") else {
            throw WebError(.forbidden, field: "model", message: "'\(id)' leads outside its models folder")
        }
        return real
    }

    /// Every model under the roots, named by id.
    public func list() -> [ListedModel] {
        roots.flatMap { root in
            ModelListing.list(
                locator: ModelLocator(environment: ["HOME": "/nonexistent", "HF_HUB_CACHE": "/nonexistent", "OLLAMA_MODELS": "/nonexistent"]),
                directories: [root.path]
            ).map { model in
                let relative = model.path.hasPrefix(root.path + "/") ? String(model.path.dropFirst(root.path.count + 1)) : ""
                var listed = ListedModel(
                    name: relative.isEmpty ? root.name : "\(root.name)/\(relative)", source: "dir",
                    path: relative.isEmpty ? root.name : "\(root.name)/\(relative)",
                    format: model.format, parameters: model.parameters, bytes: model.bytes, quantization: model.quantization,
                    complete: model.complete,
                    error: model.error.map { $0.replacing(root.path, with: root.name) }
                )
                listed.fileType = model.fileType
                listed.modelName = model.modelName
                return listed
            }
        }
    }
}
