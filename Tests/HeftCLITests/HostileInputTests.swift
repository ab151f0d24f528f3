import Foundation
import HeftTestSupport
import Testing

/// `heft inspect` on hostile files: never a signal, never a hang, never more memory than the input justifies.
@Suite struct HostileInputTests {
    struct Outcome {
        let status: Int32
        let signalled: Bool
        let timedOut: Bool
        let stderr: String
    }

    /// Runs `heft inspect --json FILE` under a 256 MiB address-space limit with a 10 s deadline.
    static func inspect(_ path: String, memoryLimitKiB: Int = 262_144) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let heft = Fixtures.packageRoot + "/.build/debug/heft"
        process.arguments = ["-c", "ulimit -v \(memoryLimitKiB); exec \"$0\" inspect --json \"$1\" > /dev/null", heft, path]
        process.environment = ["SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(2_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal, timedOut: timedOut, stderr: stderr)
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// Files that claim sizes far beyond their bytes.
    static var hostile: [(String, [UInt8])] {
        let head: (UInt32, UInt64, UInt64) -> [UInt8] = { v, t, k in Array("GGUF".utf8) + le(v) + le(t) + le(k) }
        let key = le(UInt64(1)) + Array("a".utf8)
        return [
            ("tensor-count-2^40.gguf", head(3, 1 << 40, 0) + [UInt8](repeating: 0, count: 64)),
            ("kv-count-2^62.gguf", head(3, 0, 1 << 62) + [UInt8](repeating: 0, count: 64)),
            ("string-1GiB.gguf", head(3, 0, 1) + le(UInt64(1 << 30)) + [UInt8](repeating: 65, count: 64)),
            ("array-2^30-u64.gguf", head(3, 0, 1) + key + le(UInt32(9)) + le(UInt32(10)) + le(UInt64(1 << 30)) + [UInt8](repeating: 0, count: 64)),
            ("array-2^30-strings.gguf", head(3, 0, 1) + key + le(UInt32(9)) + le(UInt32(8)) + le(UInt64(1 << 30)) + [UInt8](repeating: 0, count: 64)),
            ("header-99MB.safetensors", le(UInt64(99_999_999)) + Array("{}".utf8)),
            (
                "shape-2^62.safetensors",
                SafetensorsBuilder.file(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}"#, dataBytes: 0)
            ),
        ]
    }

    @Test func hugeClaimsFailFastWithinTheMemoryLimit() throws {
        let directory = try TemporaryDirectory()
        for (name, bytes) in Self.hostile {
            let outcome = try Self.inspect(try directory.write(name, bytes))
            #expect(!outcome.signalled && !outcome.timedOut, "\(name)")
            #expect(outcome.status == 1, "\(name): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(name)")
        }
        let regression = try Self.inspect(Fixtures.packageRoot + "/Tests/Fuzz/regressions/gguf/oom-block-count-151060482.gguf")
        #expect(regression.status == 0 && !regression.signalled)
    }

    /// A thousand mutations of the header regions of real fixture files: every run ends with 0 (a report) or 1
    /// (one line naming the problem) — never a signal, never a timeout.
    @Test func thousandHeaderMutationsExitCleanly() throws {
        let directory = try TemporaryDirectory()
        let sources: [(path: String, prefix: Int, header: Int, name: String)] = [
            (Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf"), 600_000, 500_000, "m.gguf"),
            (Fixtures.path("all-MiniLM-L6-v2/model.safetensors"), 20_000, 11_500, "m.safetensors"),
        ]
        var originals: [[UInt8]] = []
        for source in sources {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: source.path))
            originals.append([UInt8](try handle.read(upToCount: source.prefix) ?? Data()))
            try handle.close()
        }
        var rng = SplitMix64(seed: 20_261_122)
        var outcomes: [Int32: Int] = [:]
        for run in 0..<1000 {
            let which = run % 2
            var bytes = originals[which]
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                let position = Int(rng.next() % UInt64(sources[which].header))
                switch rng.next() % 4 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1: for i in 0..<8 where position + i < bytes.count { bytes[position + i] = UInt8(truncatingIfNeeded: rng.next() >> (i * 8)) }
                case 2: for i in 0..<8 where position + i < bytes.count { bytes[position + i] = 0xFF }
                default: bytes[position] ^= 1 << UInt8(rng.next() % 8)
                }
            }
            let path = try directory.write(sources[which].name, bytes)
            let outcome = try Self.inspect(path, memoryLimitKiB: 1_048_576)
            #expect(!outcome.signalled && !outcome.timedOut, "mutation \(run): \(outcome.stderr)")
            #expect(outcome.status == 0 || outcome.status == 1, "mutation \(run)")
            if outcome.status == 1 { #expect(outcome.stderr.split(separator: "\n").count == 1, "mutation \(run)") }
            outcomes[outcome.status, default: 0] += 1
        }
        #expect(outcomes.values.reduce(0, +) == 1000)
    }
}
