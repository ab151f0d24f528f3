import HeftFuzzing

#if canImport(Glibc)
    import Glibc
#endif

/// `heft-fuzz`: libFuzzer entry point when built with `-sanitize=fuzzer,address -DHEFT_FUZZING` (target from
/// `$HEFT_FUZZ_TARGET`), otherwise a replayer: `heft-fuzz TARGET FILE…` runs each file through the target.
/// Writes a line to standard error (file descriptor 2).
func printError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
}

enum Fuzzing {
    static let target: FuzzTarget = {
        guard let name = getenv("HEFT_FUZZ_TARGET").map({ String(cString: $0) }), let target = FuzzTarget(rawValue: name) else {
            printError("set HEFT_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        return target
    }()

    static func one(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        target.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
        return 0
    }
}

#if HEFT_FUZZING
    @_cdecl("LLVMFuzzerTestOneInput")
    public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { Fuzzing.one(data, size) }

    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    @main struct HeftFuzz {
        static func main() {
            _ = Fuzzing.target
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in Fuzzing.one(data, size) })
        }
    }
#else
    @main struct HeftFuzz {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                printError("usage: heft-fuzz TARGET FILE…  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
                exit(2)
            }
            var count = 0
            for path in arguments.dropFirst() {
                guard let file = fopen(path, "rb") else { continue }
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let read = fread(&buffer, 1, buffer.count, file)
                    if read <= 0 { break }
                    bytes += buffer[0..<read]
                }
                fclose(file)
                bytes.withUnsafeBytes { target.run($0) }
                count += 1
            }
            print("\(target.rawValue): \(count) inputs ran cleanly")
        }
    }
#endif
