import HeftFormats
import HeftTestSupport
import Testing

/// Every malformed GGUF file gets a ``FormatError`` naming the gguf.cpp rule it broke — never a trap, a hang,
/// or an allocation the file cannot justify.
@Suite struct GGUFMalformedTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func rule(of bytes: [UInt8]) throws -> FormatError.Rule? {
        let path = try directory.write("t.gguf", bytes)
        do {
            _ = try GGUFFile.read(path: path)
            return nil
        } catch {
            #expect(error.file == path)
            return error.rule
        }
    }

    /// A valid file: one KV, one F32 tensor of 32 elements.
    func valid(alignment: UInt32? = nil, tensorType: UInt32 = 0, ne: [UInt64] = [32], data: Int = 128) -> [UInt8] {
        var b = GGUFBuilder(tensorCount: 1, kvCount: alignment == nil ? 1 : 2)
        b.kvString("general.architecture", "llama")
        if let alignment { b.kvUInt32("general.alignment", alignment) }
        b.tensor("t", ne: ne, type: tensorType, offset: 0)
        b.pad(to: Int(alignment ?? 32))
        b.data(data)
        return b.bytes
    }

    @Test func validFileReads() throws {
        let path = try directory.write("ok.gguf", valid())
        let file = try GGUFFile.read(path: path)
        #expect(file.tensors.count == 1)
        #expect(file.tensors[0].byteCount == 128)
        #expect(file.dataOffset % 32 == 0)
        #expect(file.isComplete)
    }

    @Test func emptyFile() throws { #expect(try rule(of: []) == .emptyFile) }
    @Test func shortPrefix() throws { #expect(try rule(of: Array("GG".utf8)) == .truncated) }
    @Test func wrongMagic() throws { #expect(try rule(of: Array("GGML\u{3}\0\0\0".utf8)) == .ggufMagic) }

    @Test(arguments: [UInt32(0), 1, 4, 99])
    func unsupportedVersions(version: UInt32) throws {
        let b = GGUFBuilder(version: version, tensorCount: 0, kvCount: 0)
        #expect(try rule(of: b.bytes) == .ggufVersion)
    }

    @Test func versionOneMessageSaysItIsNoLongerSupported() throws {
        let path = try directory.write("v1.gguf", GGUFBuilder(version: 1, tensorCount: 0, kvCount: 0).bytes)
        let error = try #require(throws: FormatError.self) { try GGUFFile.read(path: path) }
        #expect(error.description.contains("v1 is no longer supported"))
    }

    @Test func versionTwoIsAccepted() throws {
        #expect(try rule(of: GGUFBuilder(version: 2, tensorCount: 0, kvCount: 0).bytes) == nil)
    }

    @Test func tensorCountOf2To62() throws {
        #expect(try rule(of: GGUFBuilder(tensorCount: 1 << 62, kvCount: 0).bytes) == .ggufTensorCount)
    }

    @Test func negativeTensorCount() throws {
        #expect(try rule(of: GGUFBuilder(tensorCount: UInt64.max, kvCount: 0).bytes) == .ggufTensorCount)
    }

    @Test func kvCountOf2To62() throws {
        #expect(try rule(of: GGUFBuilder(tensorCount: 0, kvCount: 1 << 62).bytes) == .ggufKVCount)
    }

    @Test func stringLengthBeyondTheFile() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.u64(1 << 40)
        b.raw(Array("key".utf8))
        b.data(32)
        #expect(try rule(of: b.bytes) == .ggufString)
    }

    /// A vocabulary longer than the decode limit is skipped on a fast path; a bad string in its middle is still
    /// found, at its own offset, with the string rule. A good one is skipped whole.
    @Test func badStringInsideALargeVocabulary() throws {
        func vocabulary(badAt bad: Int?) -> (bytes: [UInt8], badOffset: Int) {
            var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
            b.string("tokenizer.ggml.tokens")
            b.u32(9)  // an array…
            b.u32(8)  // …of strings
            let count = GGUFArray.decodeLimit + 10
            b.u64(UInt64(count))
            var badOffset = -1
            for index in 0..<count {
                if index == bad {
                    badOffset = b.bytes.count
                    b.u64(1 << 40)
                } else {
                    b.string("tok\(index)")
                }
            }
            return (b.bytes, badOffset)
        }
        let good = try directory.write("good.gguf", vocabulary(badAt: nil).bytes)
        let file = try GGUFFile.read(path: good)
        #expect(file.metadata.count == 1)
        let (bytes, badOffset) = vocabulary(badAt: 3_000)
        let path = try directory.write("bad.gguf", bytes)
        do {
            _ = try GGUFFile.read(path: path)
            Issue.record("a 2^40-byte string inside the vocabulary was accepted")
        } catch {
            #expect(error.rule == .ggufString)
            #expect(error.offset == badOffset)
        }
    }

    @Test func arrayLengthBeyondTheFile() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.string("tokenizer.ggml.tokens")
        b.u32(9)
        b.u32(8)  // strings
        b.u64(1_000_000)
        b.string("only one")
        #expect(try rule(of: b.bytes) == .ggufArray)
    }

    @Test func arrayLengthAboveTheLimit() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.string("a")
        b.u32(9)
        b.u32(0)
        b.u64(1 << 31)
        #expect(try rule(of: b.bytes) == .ggufArray)
    }

    @Test func nestedArrays() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.string("a")
        b.u32(9)
        b.u32(9)
        b.u64(1)
        #expect(try rule(of: b.bytes) == .ggufValueType)
    }

    @Test(arguments: [UInt32(13), 255, UInt32.max])
    func unknownValueType(type: UInt32) throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.string("a")
        b.u32(type)
        b.u32(0)
        #expect(try rule(of: b.bytes) == .ggufValueType)
    }

    @Test func everyValueTypeReads() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 13)
        let sizes: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
        for (type, size) in sizes.sorted(by: { $0.key < $1.key }) {
            b.string("k\(type)")
            b.u32(type)
            b.raw([UInt8](repeating: 1, count: size))
        }
        b.kvString("k8", "text")
        b.string("k9")
        b.u32(9)
        b.u32(5)
        b.u64(3)
        b.raw([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])
        let path = try directory.write("types.gguf", b.bytes)
        let file = try GGUFFile.read(path: path)
        #expect(Set(file.metadata.map(\.value.type)) == Set(GGUFValueType.allCases))
        #expect(file["k9"]?.arrayValue?.values?.compactMap(\.intValue) == [1, 2, 3])
        #expect(file["k4"]?.intValue == 0x0101_0101)
    }

    @Test func emptyKey() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.kvUInt32("", 1)
        #expect(try rule(of: b.bytes) == .ggufEmptyKey)
    }

    @Test func duplicateKey() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 2)
        b.kvUInt32("a.b", 1)
        b.kvUInt32("a.b", 2)
        #expect(try rule(of: b.bytes) == .ggufDuplicateKey)
    }

    @Test(arguments: [UInt32(0), 3, 48])
    func alignmentNotAPowerOfTwo(alignment: UInt32) throws {
        #expect(try rule(of: valid(alignment: alignment)) == .ggufAlignment)
    }

    @Test func alignmentOfTheWrongType() throws {
        var b = GGUFBuilder(tensorCount: 0, kvCount: 1)
        b.string("general.alignment")
        b.u32(10)  // UINT64
        b.u64(32)
        #expect(try rule(of: b.bytes) == .ggufAlignmentType)
    }

    @Test func customAlignmentIsHonoured() throws {
        let path = try directory.write("a64.gguf", valid(alignment: 64))
        #expect(try GGUFFile.read(path: path).dataOffset % 64 == 0)
    }

    @Test func tensorNameTooLong() throws {
        var b = GGUFBuilder(tensorCount: 1, kvCount: 0)
        b.tensor(String(repeating: "x", count: 64), ne: [32], type: 0, offset: 0)
        #expect(try rule(of: b.bytes) == .ggufTensorName)
    }

    @Test func duplicateTensorName() throws {
        var b = GGUFBuilder(tensorCount: 2, kvCount: 0)
        b.tensor("t", ne: [32], type: 0, offset: 0)
        b.tensor("t", ne: [32], type: 0, offset: 128)
        b.pad(to: 32)
        b.data(256)
        #expect(try rule(of: b.bytes) == .ggufDuplicateTensor)
    }

    @Test func moreThanFourDimensions() throws {
        #expect(try rule(of: valid(ne: [1, 1, 1, 1, 32])) == .ggufDimensions)
    }

    @Test func negativeDimension() throws {
        #expect(try rule(of: valid(ne: [32, UInt64(bitPattern: -2)])) == .ggufNegativeDimension)
    }

    @Test func elementCountOverflows() throws {
        #expect(try rule(of: valid(ne: [1 << 32, 1 << 32])) == .ggufElementOverflow)
    }

    @Test func zeroDimensionSkipsTheOverflowCheck() throws {
        #expect(try rule(of: valid(ne: [0, 1 << 62], data: 0)) == nil)
    }

    @Test(arguments: [UInt32(43), 1000, UInt32.max])
    func unknownTensorType(type: UInt32) throws {
        #expect(try rule(of: valid(tensorType: type)) == .ggufTensorType)
    }

    @Test(arguments: [UInt32(4), 5, 31, 32, 33, 36, 37, 38])
    func removedTensorType(type: UInt32) throws {
        #expect(try rule(of: valid(tensorType: type)) == .ggufBlockSize)
    }

    @Test func rowsNotAMultipleOfTheBlockSize() throws {
        #expect(try rule(of: valid(tensorType: 2, ne: [33, 2])) == .ggufBlockSize)  // Q4_0, 32 per block
    }

    @Test func byteSizeOverflows() throws {
        // 2^62 F32 elements: the element count fits, the 4-byte size does not.
        #expect(try rule(of: valid(ne: [1 << 31, 1 << 31])) == .ggufByteOverflow)
    }

    @Test func tensorOffsetsNotSequential() throws {
        var b = GGUFBuilder(tensorCount: 2, kvCount: 0)
        b.tensor("a", ne: [32], type: 0, offset: 0)
        b.tensor("b", ne: [32], type: 0, offset: 256)
        b.pad(to: 32)
        b.data(512)
        #expect(try rule(of: b.bytes) == .ggufTensorOffset)
    }

    @Test func tensorOffsetsOverlapping() throws {
        var b = GGUFBuilder(tensorCount: 2, kvCount: 0)
        b.tensor("a", ne: [32], type: 0, offset: 0)
        b.tensor("b", ne: [32], type: 0, offset: 64)
        b.pad(to: 32)
        b.data(256)
        #expect(try rule(of: b.bytes) == .ggufTensorOffset)
    }

    @Test func fileEndingInsideTheHeader() throws {
        let bytes = valid()
        #expect(try rule(of: Array(bytes.prefix(60))) == .truncated)
    }

    @Test func fileEndingBeforeTheAlignedDataSection() throws {
        var b = GGUFBuilder(tensorCount: 1, kvCount: 0)
        b.tensor("t", ne: [32], type: 0, offset: 0)
        #expect(b.bytes.count % 32 != 0)
        #expect(try rule(of: b.bytes) == .ggufDataOffset)
    }

    @Test func fileEndingInsideTheDataIsAPartialDownload() throws {
        let bytes = valid()
        let path = try directory.write("partial.gguf", Array(bytes.dropLast(100)))
        let file = try GGUFFile.read(path: path)
        #expect(!file.isComplete)
        #expect(file.missingBytes == 100)
    }

    @Test(arguments: GGMLType.all)
    func everyGGMLTypeIsSizedExactly(type: GGMLType) throws {
        let elements = 2 * type.blockSize
        let path = try directory.write(
            "\(type.name).gguf", valid(tensorType: UInt32(type.id), ne: [UInt64(type.blockSize), 2], data: 2 * type.bytesPerBlock))
        let file = try GGUFFile.read(path: path)
        #expect(file.tensors[0].elementCount == elements)
        #expect(file.tensors[0].byteCount == 2 * type.bytesPerBlock)
        #expect(file.isComplete)
    }
}
