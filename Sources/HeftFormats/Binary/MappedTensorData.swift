#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only memory map of one weight file that hands out tensor data only after checking its bounds.
///
/// The file is mapped once, privately and read-only, and advised for sequential reading (the pages belong to the
/// page cache and are read on demand); the map is removed when the last reference to it goes, so the object and
/// every ``TensorSpan`` taken from it keep it alive. ``span(of:)`` checks a tensor's offset and length against the
/// size of the file with overflow-checked arithmetic, and ``TensorSpan/chunk(at:count:)`` checks a chunk against its
/// tensor, so that no tensor data outside the file is ever read: a partial download throws a ``FormatError`` instead
/// of crashing with SIGBUS. Access is zero-copy. A file that shrinks while it is mapped can still fault; that is the
/// nature of `mmap`.
public final class MappedTensorData: Sendable {
    /// The path of the mapped file.
    public let path: String
    /// The size of the file when it was mapped, in bytes: every span lies inside it.
    public let size: Int
    /// The map's first byte as an integer (0 for an empty file, which is not mapped), so that the map is `Sendable`:
    /// it is immutable and read-only.
    @usableFromInline let address: Int
    /// What ``TensorSpan/release(since:)`` drops at a time: a page, or, in a map whose address is a multiple of
    /// what one entry of the page table above the pages covers (2 MiB with 4 KiB pages), that span, which can
    /// hold a large page-cache folio mapped whole.
    public let releaseUnit: Int

    /// Maps the regular file at `path` read-only.
    public init(path: String) throws(FormatError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw MappedFile.ioError(path, "cannot open") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw MappedFile.ioError(path, "cannot read file information") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FormatError(file: path, rule: .io, detail: "not a regular file")
        }
        let size = Int(info.st_size)
        var address = 0
        if size > 0 {
            guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), map != MAP_FAILED else {
                throw MappedFile.ioError(path, "cannot map")
            }
            madvise(map, size, MADV_SEQUENTIAL)
            address = Int(bitPattern: map)
        }
        self.path = path
        self.size = size
        self.address = address
        #if os(Linux)
            let page = Swift.max(1, Int(sysconf(Int32(_SC_PAGESIZE))))
        #else
            let page = Int(getpagesize())
        #endif
        let entry = page * Swift.max(1, page / 8)  // a page of 8-byte entries, each covering a page
        releaseUnit = address % entry == 0 ? entry : page
    }

    deinit {
        if let map = UnsafeMutableRawPointer(bitPattern: address) { munmap(map, size) }
    }

    /// The data of `tensor`, which must lie inside this file.
    ///
    /// Throws a ``FormatError`` naming the file, the tensor and its offset: rule `truncated` when the tensor has a
    /// negative offset or length, when its end overflows, or when it extends past the end of the file (a partial
    /// download); rule `io` when the tensor's data is in another file.
    public func span(of tensor: TensorInfo) throws(FormatError) -> TensorSpan {
        guard tensor.file == path else {
            throw FormatError(
                file: path, offset: tensor.dataOffset, field: tensor.name, rule: .io, detail: "the tensor's data is in \(tensor.file)")
        }
        return try span(tensor.name, offset: tensor.dataOffset, count: tensor.byteCount)
    }

    /// The `count` bytes at absolute `offset` in the file, attributed to `tensor`, with the same checks as
    /// ``span(of:)``.
    public func span(_ tensor: String, offset: Int, count: Int) throws(FormatError) -> TensorSpan {
        let end = try Self.end(file: path, tensor: tensor, offset: offset, count: count)
        guard end <= size else {
            throw FormatError(
                file: path, offset: offset, field: tensor, rule: .truncated,
                detail: "the data (bytes \(offset)..<\(end)) extends past the end of the file (\(size) bytes); the download may be incomplete")
        }
        return TensorSpan(map: self, tensor: tensor, offset: offset, count: count)
    }

    /// `offset + count`, after checking that neither is negative and that the sum does not overflow.
    static func end(file: String, tensor: String, offset: Int, count: Int) throws(FormatError) -> Int {
        guard offset >= 0, count >= 0 else {
            throw FormatError(
                file: file, offset: offset, field: tensor, rule: .truncated,
                detail: offset < 0 ? "a negative offset (\(offset))" : "a negative length (\(count))")
        }
        guard let end = Checked.add(offset, count) else {
            throw FormatError(file: file, offset: offset, field: tensor, rule: .truncated, detail: "offset \(offset) + \(count) bytes overflows")
        }
        return end
    }
}

/// The bytes of one tensor, or of a chunk of it, inside a ``MappedTensorData``: checked against the file when it was
/// made, and keeping the map alive.
public struct TensorSpan: Sendable {
    @usableFromInline let map: MappedTensorData
    /// The tensor the bytes belong to (for errors).
    public let tensor: String
    /// The absolute offset of the first byte in the file.
    public let offset: Int
    /// The number of bytes.
    public let count: Int

    init(map: MappedTensorData, tensor: String, offset: Int, count: Int) {
        self.map = map
        self.tensor = tensor
        self.offset = offset
        self.count = count
    }

    /// The file the bytes are in.
    public var file: String { map.path }

    /// `count` bytes from byte `start` of this span (relative to its first byte), checked to lie inside it: a chunk
    /// of a tensor for one worker. Throws a ``FormatError`` (rule `truncated`, naming the tensor and the absolute
    /// offset) otherwise.
    public func chunk(at start: Int, count: Int) throws(FormatError) -> TensorSpan {
        guard start >= 0, let absolute = Checked.add(offset, start) else {
            throw FormatError(
                file: file, offset: offset, field: tensor, rule: .truncated,
                detail: "a chunk starting at byte \(start) lies outside the tensor's \(self.count) bytes")
        }
        let end = try MappedTensorData.end(file: file, tensor: tensor, offset: absolute, count: count)
        guard end <= offset + self.count else {
            throw FormatError(
                file: file, offset: absolute, field: tensor, rule: .truncated,
                detail: "the chunk of bytes \(start)..<\(end - offset) lies outside the tensor's \(self.count) bytes")
        }
        return TensorSpan(map: map, tensor: tensor, offset: absolute, count: count)
    }

    /// Whether the first byte's address is a multiple of `alignment` (so that the bytes can be read as values of
    /// that alignment in place).
    @inlinable
    public func isAligned(to alignment: Int) -> Bool { (map.address + offset) % alignment == 0 }

    /// Drops the whole release units (see ``MappedTensorData/releaseUnit``) from `origin` (a byte offset in the
    /// file at or before this span's start: the caller has read everything from there) to the end of this span from
    /// the process's page tables (Linux: `MADV_DONTNEED`), and returns the offset up to which they are now dropped
    /// (at least `origin`): the next call can start there. The file's pages stay in the page cache, and a later read
    /// maps them again. Removing a map undoes every page mapped in it, on one core, when the last reference goes:
    /// 45 ms for a 2 GB file of small pages that were all read; released by the workers as they go, that work is
    /// shared by both cores.
    ///
    /// A map whose address is a multiple of what one entry of the page table above the pages covers (2 MiB with
    /// 4 KiB pages) can have the file's large page-cache folios mapped whole, one entry each. Dropping part of such
    /// an entry splits it, and each split interrupts the other cores running the process (on 2 cores, releasing a
    /// 604 MB Q4_K file chunk by chunk in pages took 4 % of its scan). There whole entries are dropped; those a run
    /// of chunks shares with its neighbours go with the map.
    @discardableResult
    public func release(since origin: Int) -> Int {
        #if os(Linux)
            guard map.address != 0, origin <= offset else { return origin }
            let unit = map.releaseUnit
            let first = (map.address + origin + unit - 1) / unit * unit
            let end = (map.address + offset + count) / unit * unit
            guard end > first, let start = UnsafeMutableRawPointer(bitPattern: first) else { return origin }
            madvise(start, end - first, MADV_DONTNEED)
            return end - map.address
        #else
            return origin
        #endif
    }

    /// Calls `body` with the bytes, in place; the map stays alive until `body` returns. Do not let the buffer escape.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(map) { () throws(E) -> R in
            try body(UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: map.address + offset), count: count))
        }
    }
}
