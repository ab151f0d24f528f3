import Foundation

/// Locates the reference fixtures that `Scripts/fixtures.sh` builds in `.fixtures` (the README's test command runs
/// it), and the data files the repository keeps.
public enum Fixtures {
    /// The package root, found from this file's path.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `.fixtures` in the package root.
    public static let root = packageRoot + "/.fixtures"

    /// The absolute path of a fixture, relative to `.fixtures`.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// `Data/published.json`: published counts and results with their sources.
    public static func published() throws -> [String: Any] {
        try json(packageRoot + "/Data/published.json")
    }

    /// A config.json the repository keeps in `Tests/Data/configs` (gpt2, bert-base-uncased, llama-2-7b,
    /// mistral-7b-v0.1, qwen2-0.5b, mixtral-8x7b-v0.1), as published with each model.
    public static func config(_ name: String) -> String { packageRoot + "/Tests/Data/configs/" + name }

    /// `.fixtures/reference.json`: what the reference Python readers report for each fixture file.
    public static func reference() throws -> [String: Any] { try json(path("reference.json")) }

    public static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }
}

/// A temporary directory removed when the value is released.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "heft-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` in the directory and returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Writes a UTF-8 string to `name`.
    @discardableResult
    public func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }

    /// Copies the first `length` bytes (all when nil) of `source` to `name`.
    @discardableResult
    public func copy(_ source: String, to name: String, length: Int? = nil) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: source))
        if let length { data = data.prefix(length) }
        return try write(name, [UInt8](data))
    }
}

/// Runs the built `heft` binary (`.build/debug/heft`) as a user would.
public enum HeftBinary {
    public struct Run: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `heft` with `arguments`; without `environment`, in this process's environment with no network
    /// (`HF_HUB_OFFLINE=1`), so that a test's missing name never becomes a request to the real Hub.
    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        let process = Process()
        process.environment = environment ?? ProcessInfo.processInfo.environment.merging(["HF_HUB_OFFLINE": "1"]) { _, new in new }
        process.executableURL = URL(fileURLWithPath: Fixtures.packageRoot + "/.build/debug/heft")
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
