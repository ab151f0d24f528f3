import HeftFormats
import HeftTestSupport
import Testing

/// Every malformed safetensors file gets a ``FormatError`` naming the rule it broke — never a trap.
@Suite struct SafetensorsMalformedTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    func rule(of bytes: [UInt8]) throws -> FormatError.Rule? {
        let path = try directory.write("t.safetensors", bytes)
        do {
            _ = try SafetensorsFile.read(path: path)
            return nil
        } catch {
            #expect(error.file == path, "the error names the file")
            return error.rule
        }
    }

    static func tensor(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    @Test func validFileReads() throws {
        let header = "{" + Self.tensor("a", "F32", [2, 2], 0, 16) + "," + Self.tensor("b", "F16", [4], 16, 24) + "}"
        let path = try directory.write("ok.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 24))
        let file = try SafetensorsFile.read(path: path)
        #expect(file.tensors.map(\.name) == ["a", "b"])
        #expect(file.tensors[1].dataOffset == 8 + header.utf8.count + 16)
    }

    @Test func emptyFile() throws { #expect(try rule(of: []) == .emptyFile) }
    @Test func shortPrefix() throws { #expect(try rule(of: [1, 0, 0]) == .headerTooSmall) }

    @Test func headerLongerThanTheFile() throws {
        #expect(try rule(of: SafetensorsBuilder.file(header: "{}", dataBytes: 0, declaredLength: 50)) == .headerLength)
    }

    @Test func headerAboveTheSpecLimit() throws {
        #expect(try rule(of: SafetensorsBuilder.file(header: "{}", dataBytes: 0, declaredLength: 100_000_001)) == .headerTooLarge)
        #expect(try rule(of: SafetensorsBuilder.file(header: "{}", dataBytes: 0, declaredLength: UInt64.max)) == .headerTooLarge)
    }

    @Test(arguments: ["[]", "\"x\"", "3", "null"])
    func headerNotAnObject(header: String) throws {
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 0)) == .headerSchema)
    }

    @Test func headerNotUTF8() throws {
        let bytes = Array("{\"".utf8) + [0xFF, 0xFE] + Array("\":1}".utf8)
        #expect(try rule(of: SafetensorsBuilder.file(headerBytes: bytes, dataBytes: 0)) == .headerUTF8)
    }

    @Test func headerNestedWithoutBound() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: deep, dataBytes: 0)) == .jsonDepth)
    }

    @Test func leadingAndTrailingWhitespaceIsAllowed() throws {
        let header = "  \n{" + Self.tensor("a", "U8", [4], 0, 4) + "}   "
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 4)) == nil)
    }

    @Test func overlappingOffsets() throws {
        let header = "{" + Self.tensor("a", "U8", [4], 0, 4) + "," + Self.tensor("b", "U8", [4], 2, 6) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 6)) == .tensorOffsets)
    }

    @Test func sameOffsetsSharedByTwoTensors() throws {
        // The reference's test_json_attack: tensors sharing [0,16].
        let header = "{" + Self.tensor("a", "F32", [4], 0, 16) + "," + Self.tensor("b", "F32", [4], 0, 16) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 16)) == .tensorOffsets)
    }

    @Test func reversedOffsets() throws {
        let header = "{" + Self.tensor("a", "U8", [0], 4, 0) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 4)) == .tensorOffsets)
    }

    @Test func gapBetweenTensors() throws {
        let header = "{" + Self.tensor("a", "U8", [4], 0, 4) + "," + Self.tensor("b", "U8", [4], 8, 12) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 12)) == .tensorOffsets)
    }

    @Test func outOfOrderInTheHeaderIsAllowed() throws {
        // The reference sorts by offsets before walking; document order does not matter.
        let header = "{" + Self.tensor("b", "U8", [4], 4, 8) + "," + Self.tensor("a", "U8", [4], 0, 4) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 8)) == nil)
    }

    @Test func trailingBytesAfterTheLastTensor() throws {
        let header = "{" + Self.tensor("a", "U8", [4], 0, 4) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 5)) == .trailingBytes)
    }

    @Test func dataPastTheEndIsAPartialDownload() throws {
        let header = "{" + Self.tensor("a", "U8", [4], 0, 4) + "," + Self.tensor("b", "U8", [4], 4, 8) + "}"
        let path = try directory.write("partial.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 5))
        let file = try SafetensorsFile.read(path: path)
        #expect(!file.isComplete)
        #expect(file.missingBytes == 3)
    }

    @Test func dtypeTimesShapeDiffersFromTheByteLength() throws {
        let header = "{" + Self.tensor("a", "F32", [2, 2], 0, 12) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 12)) == .tensorSize)
    }

    @Test func negativeDimension() throws {
        let header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,0]}}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 0)) == .headerSchema)
    }

    @Test func fractionalOffsets() throws {
        let header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1.0]}}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 1)) == .headerSchema)
    }

    @Test(arguments: [[2, Int.max - 1], [2, Int.max / 2 + 1], [1 << 32, 1 << 32]])
    func shapeProductOverflows(shape: [Int]) throws {
        let header = "{" + Self.tensor("a", "F32", shape, 0, 0) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 0)) == .shapeOverflow)
    }

    @Test func shapeAbove64Bits() throws {
        let header = "{\"a\":{\"dtype\":\"U8\",\"shape\":[18446744073709551616],\"data_offsets\":[0,0]}}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 0)) == .headerSchema)
    }

    @Test func subByteTensorNotEndingOnAByte() throws {
        let header = "{" + Self.tensor("a", "F4", [3], 0, 2) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 2)) == .misalignedSlice)
    }

    @Test func duplicateTensorNames() throws {
        let header = "{" + Self.tensor("a", "U8", [4], 0, 4) + "," + Self.tensor("a", "U8", [4], 4, 8) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 8)) == .jsonDuplicateKey)
    }

    @Test func unknownDType() throws {
        let header = "{" + Self.tensor("a", "F12", [4], 0, 4) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 4)) == .unknownDType)
    }

    @Test func metadataValuesMustBeStrings() throws {
        let header = "{\"__metadata__\":{\"x\":0}}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 0)) == .headerSchema)
    }

    @Test func tensorNamedMetadataIsRefused() throws {
        let header = "{" + Self.tensor("__metadata__", "U8", [4], 0, 4) + "}"
        #expect(try rule(of: SafetensorsBuilder.file(header: header, dataBytes: 4)) == .reservedName)
    }

    @Test(arguments: SafetensorsDType.allCases)
    func everyDTypeOfTheSpecReads(dtype: SafetensorsDType) throws {
        let bytes = 8 * dtype.bits / 8
        let header = "{" + Self.tensor("t", dtype.rawValue, [2, 4], 0, bytes) + "}"
        let path = try directory.write("\(dtype.rawValue).safetensors", SafetensorsBuilder.file(header: header, dataBytes: bytes))
        let file = try SafetensorsFile.read(path: path)
        #expect(file.tensors[0].byteCount == bytes)
        #expect(file.tensors[0].elementCount == 8)
    }

    @Test func errorMessageIsOneLineNamingFileOffsetFieldAndRule() throws {
        let header = "{" + Self.tensor("layer.weight", "F32", [2, 2], 0, 12) + "}"
        let path = try directory.write("msg.safetensors", SafetensorsBuilder.file(header: header, dataBytes: 12))
        let error = try #require(throws: FormatError.self) { try SafetensorsFile.read(path: path) }
        let message = error.description
        #expect(!message.contains("\n"))
        #expect(message.contains(path))
        #expect(message.contains("offset "))
        #expect(message.contains("'layer.weight'"))
        #expect(message.hasSuffix("[S11]"))
    }
}
