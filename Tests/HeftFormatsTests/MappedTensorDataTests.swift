import Foundation
import HeftFormats
import HeftTestSupport
import Testing

/// The only way to tensor data: spans that are checked against the file and their tensor, zero-copy.
@Suite struct MappedTensorDataTests {
    static let safetensors = Fixtures.path("all-MiniLM-L6-v2/model.safetensors")
    static let gguf = Fixtures.path("gguf/all-MiniLM-L6-v2.Q4_0.gguf")

    /// `count` bytes at `offset` of the file at `path`, read with FileHandle (not through the map).
    static func read(_ path: String, offset: Int, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }

    static func bytes(_ span: TensorSpan) -> [UInt8] { span.withUnsafeBytes { Array($0) } }

    /// The error `body` throws, or `nil` (recorded as an issue) when it throws none.
    static func error(_ body: () throws(FormatError) -> TensorSpan) -> FormatError? {
        do {
            let span = try body()
            Issue.record("expected an error, got \(span.count) bytes at offset \(span.offset) of '\(span.tensor)'")
            return nil
        } catch {
            return error
        }
    }

    @Test func safetensorsSpansHoldExactlyTheFileBytes() throws {
        let file = try SafetensorsFile.read(path: Self.safetensors)
        let map = try MappedTensorData(path: Self.safetensors)
        #expect(map.size == file.fileSize && !file.tensors.isEmpty)
        for tensor in file.tensors {
            let span = try map.span(of: tensor)
            #expect(span.tensor == tensor.name && span.offset == tensor.dataOffset && span.count == tensor.byteCount)
            #expect(Self.bytes(span) == (try Self.read(Self.safetensors, offset: tensor.dataOffset, count: tensor.byteCount)), "\(tensor.name)")
        }
    }

    @Test func ggufSpansAndChunksHoldExactlyTheFileBytes() throws {
        let file = try GGUFFile.read(path: Self.gguf)
        let map = try MappedTensorData(path: Self.gguf)
        #expect(file.tensors.contains { $0.storage.name == "Q4_0" })
        for tensor in file.tensors {
            let span = try map.span(of: tensor)
            let expected = try Self.read(Self.gguf, offset: tensor.dataOffset, count: tensor.byteCount)
            #expect(Self.bytes(span) == expected, "\(tensor.name)")
            // The last third, as a worker would take it: the same bytes as the file's.
            let start = 2 * tensor.byteCount / 3
            let chunk = try span.chunk(at: start, count: tensor.byteCount - start)
            #expect(chunk.offset == tensor.dataOffset + start && chunk.tensor == tensor.name)
            #expect(Self.bytes(chunk) == Array(expected[start...]), "\(tensor.name) chunk")
        }
    }

    /// A partial download: tensors wholly inside the bytes that arrived read exactly; the one cut off is refused.
    /// The kilobytes of the process's pages mapped from the file at `path`: the `Rss` of every entry of
    /// /proc/self/smaps that maps it (advice given to part of a map splits its entry).
    static func residentKilobytes(of path: String) throws -> Int {
        let file = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        // Read to the end: /proc files report a size of 0.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inside = false, total = 0, entries = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), !first.hasSuffix(":") {
                inside = fields.count >= 6 && fields[5...].joined(separator: " ") == file
                if inside { entries += 1 }
            } else if inside, fields.first == "Rss:", fields.count >= 2, let kilobytes = Int(fields[1]) {
                total += kilobytes
            }
        }
        guard entries > 0 else { throw FormatError(file: "/proc/self/smaps", rule: .io, detail: "nothing maps \(file)") }
        return total
    }

    /// Released spans leave the page tables (their whole release units, pages or page-table entries: the file's
    /// resident size falls by at least the span less two units) and read the same bytes again afterwards.
    @Test func releasedSpansLeaveThePageTablesAndReadTheSameBytesAgain() throws {
        // A copy no other test maps while this one measures.
        let directory = try TemporaryDirectory()
        let path = try directory.write("copy.safetensors", [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.safetensors))))
        let map = try MappedTensorData(path: path)
        let span = try map.span("all", offset: 0, count: map.size)
        let before = Self.bytes(span)  // every page read, so mapped
        let mapped = try Self.residentKilobytes(of: path)
        #expect(mapped * 1024 >= map.size - 4096, "\(mapped) KiB of \(map.size) bytes mapped")
        let part = try span.chunk(at: 10_000, count: map.size / 2)
        part.release(since: part.offset)
        let left = try Self.residentKilobytes(of: path)
        #expect(
            (mapped - left) * 1024 >= part.count - 2 * map.releaseUnit,
            "\(mapped) KiB mapped, \(left) KiB after releasing \(part.count) bytes in units of \(map.releaseUnit)")
        #expect(Self.bytes(span) == before)
        #expect(before == (try Self.read(path, offset: 0, count: map.size)))
    }

    /// Chunks smaller than a release unit, each released from where the last release ended, drop as much as the run
    /// released at once: each drops what its predecessors left of a unit they shared.
    @Test func chunksReleasedFromTheirRunsStartDropTheWholeRun() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("copy.safetensors", [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.safetensors))))
        let map = try MappedTensorData(path: path)
        let span = try map.span("all", offset: 0, count: map.size)
        _ = Self.bytes(span)
        let mapped = try Self.residentKilobytes(of: path)
        let origin = 10_000, piece = map.releaseUnit / 3 + 1, pieces = (map.size / 2) / piece
        var unreleased = origin  // each release returns where the next one starts
        for k in 0..<pieces {
            let chunk = try span.chunk(at: origin + k * piece, count: piece)
            unreleased = chunk.release(since: unreleased)
            #expect(unreleased >= origin && unreleased <= chunk.offset + chunk.count)
        }
        let left = try Self.residentKilobytes(of: path)
        let run = pieces * piece
        #expect(
            (mapped - left) * 1024 >= run - 2 * map.releaseUnit,
            "\(mapped) KiB mapped, \(left) KiB after releasing \(pieces) chunks of \(piece) bytes in units of \(map.releaseUnit)")
        #expect((mapped - left) * 1024 <= run + 2 * 4096, "released past the run: \(mapped) KiB mapped, \(left) KiB left")
    }

    @Test func aTensorPastTheEndOfATruncatedFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let length = try MappedFile.size(of: Self.safetensors) / 2
        let path = try directory.copy(Self.safetensors, to: "m.safetensors", length: length)
        let file = try SafetensorsFile.read(path: path)
        #expect(!file.isComplete)
        let map = try MappedTensorData(path: path)
        #expect(map.size == length)
        let cut = try #require(file.tensors.first { $0.dataOffset < length && $0.dataEnd > length })
        let error = try #require(Self.error { () throws(FormatError) in try map.span(of: cut) })
        #expect(error.file == path && error.field == cut.name && error.offset == cut.dataOffset && error.rule == .truncated)
        #expect(error.description.contains("past the end of the file"))
        let beyond = try #require(file.tensors.first { $0.dataOffset >= length && $0.byteCount > 0 })
        #expect(Self.error { () throws(FormatError) in try map.span(of: beyond) }?.field == beyond.name)
        for tensor in file.tensors where tensor.dataEnd <= length {
            #expect(Self.bytes(try map.span(of: tensor)) == (try Self.read(path, offset: tensor.dataOffset, count: tensor.byteCount)))
        }
    }

    @Test func anOffsetThatOverflowsIsRefused() throws {
        let map = try MappedTensorData(path: Self.safetensors)
        let huge = TensorInfo(
            name: "huge.weight", shape: [4], storage: .safetensors(.f32), elementCount: 4, dataOffset: Int.max - 7, byteCount: 16,
            file: Self.safetensors)
        let error = try #require(Self.error { () throws(FormatError) in try map.span(of: huge) })
        #expect(error.field == "huge.weight" && error.offset == Int.max - 7 && error.rule == .truncated && error.file == Self.safetensors)
        #expect(error.detail.contains("overflows"))
        let negative = TensorInfo(
            name: "negative.weight", shape: [4], storage: .safetensors(.f32), elementCount: 4, dataOffset: -8, byteCount: 16,
            file: Self.safetensors)
        #expect(Self.error { () throws(FormatError) in try map.span(of: negative) }?.field == "negative.weight")
        let elsewhere = TensorInfo(
            name: "other.weight", shape: [4], storage: .safetensors(.f32), elementCount: 4, dataOffset: 0, byteCount: 16, file: Self.gguf)
        #expect(Self.error { () throws(FormatError) in try map.span(of: elsewhere) }?.field == "other.weight")
    }

    @Test func aChunkOutsideItsTensorIsRefused() throws {
        let file = try SafetensorsFile.read(path: Self.safetensors)
        let map = try MappedTensorData(path: Self.safetensors)
        // A tensor with another after it, so that reading past its end would still be inside the file.
        let tensor = try #require(file.tensors.first { $0.byteCount >= 16 && $0.dataEnd + 16 <= file.fileSize })
        let span = try map.span(of: tensor)
        let n = span.count
        let refused: [(start: Int, count: Int)] = [
            (n - 4, 8),  // runs past the tensor's end into the next one
            (n, 1),  // starts at its end
            (-4, 8),  // starts before it
            (0, n + 1),  // one byte too many
            (4, -1),  // a negative length
            (Int.max - 2, 4),  // the start overflows
            (8, Int.max - 4),  // the end overflows
        ]
        for (start, count) in refused {
            let error = try #require(Self.error { () throws(FormatError) in try span.chunk(at: start, count: count) }, "\(start), \(count)")
            #expect(error.field == tensor.name && error.file == Self.safetensors && error.rule == .truncated, "\(start), \(count)")
        }
        // Sub-chunks are checked against their chunk, not only the tensor.
        let chunk = try span.chunk(at: 4, count: 8)
        #expect(Self.error { () throws(FormatError) in try chunk.chunk(at: 4, count: 8) }?.field == tensor.name)
        #expect(Self.bytes(try chunk.chunk(at: 4, count: 4)) == (try Self.read(Self.safetensors, offset: tensor.dataOffset + 8, count: 4)))
        #expect(try span.chunk(at: n, count: 0).count == 0 && span.chunk(at: 0, count: n).count == n)
    }

    @Test func anEmptyFileHoldsOnlyEmptySpans() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("empty.bin", [])
        let map = try MappedTensorData(path: path)
        #expect(map.size == 0)
        #expect(try map.span("nothing", offset: 0, count: 0).withUnsafeBytes(\.count) == 0)
        #expect(Self.error { () throws(FormatError) in try map.span("one", offset: 0, count: 1) }?.field == "one")
        #expect(throws: FormatError.self) { try MappedTensorData(path: directory.path + "/missing.bin") }
        #expect(throws: FormatError.self) { try MappedTensorData(path: directory.path) }
    }
}
