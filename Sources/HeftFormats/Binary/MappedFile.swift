#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory map of a whole file.
///
/// Mapping costs nothing for the pages that are never touched, so a reader can parse a GGUF header of any
/// size without reading the tensor data behind it. The map lives only inside ``withBytes(of:_:)``.
public enum MappedFile {
    /// The size of the file at `path` in bytes.
    public static func size(of path: String) throws(FormatError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw ioError(path, "cannot read file information") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError(file: path, rule: .io, detail: "not a regular file")
        }
        return Int(info.st_size)
    }

    /// Maps the file at `path` and calls `body` with its bytes (empty for an empty file).
    public static func withBytes<R>(
        of path: String,
        _ body: (UnsafeRawBufferPointer) throws(FormatError) -> R
    ) throws(FormatError) -> R {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(path, "cannot open") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ioError(path, "cannot read file information") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError(file: path, rule: .io, detail: "not a regular file")
        }
        let size = Int(info.st_size)
        if size == 0 { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw ioError(path, "cannot map")
        }
        defer { munmap(address, size) }
        return try body(UnsafeRawBufferPointer(start: address, count: size))
    }

    /// Reads `count` bytes at `offset` with `pread`, returning fewer only at the end of the file.
    public static func read(_ path: String, offset: Int, count: Int) throws(FormatError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(path, "cannot open") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset + done))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw ioError(path, "cannot read")
            }
            if got == 0 { break }
            done += got
        }
        buffer.removeSubrange(done...)
        return buffer
    }

    /// An I/O error for `path` with the reason `errno` gives, naming a broken symlink's target.
    static func ioError(_ path: String, _ what: String) -> FormatError {
        let reason = String(cString: strerror(errno))
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK {
            var target = [CChar](repeating: 0, count: 4096)
            let length = readlink(path, &target, target.count - 1)
            let destination = length > 0 ? String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
            return FormatError(file: path, rule: .io, detail: "broken symlink to '\(destination)' (\(reason)); the download may be incomplete")
        }
        return FormatError(file: path, rule: .io, detail: "\(what): \(reason)")
    }
}
