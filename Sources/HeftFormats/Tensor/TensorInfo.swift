/// How a tensor's elements are stored: a safetensors dtype or a ggml type.
public enum StorageType: Sendable, Hashable, CustomStringConvertible {
    case safetensors(SafetensorsDType)
    case ggml(GGMLType)

    /// The format's own name for the type (`BF16`, `Q4_K`, …).
    public var name: String {
        switch self {
        case .safetensors(let dtype): dtype.rawValue
        case .ggml(let type): type.name
        }
    }

    public var description: String { name }

    /// Whether the type holds floating-point or quantized values (rather than integers or booleans).
    public var isFloatingPoint: Bool {
        switch self {
        case .safetensors(let dtype): dtype.isFloatingPoint
        case .ggml(let type): !["I8", "I16", "I32", "I64"].contains(type.name)
        }
    }
}

/// One tensor as a file declares it: the common currency of every reader.
public struct TensorInfo: Sendable, Hashable {
    /// The tensor's name in the file.
    public let name: String
    /// Dimensions in row-major order, outermost first (PyTorch and NumPy order). GGUF stores `ne` innermost
    /// first; its readers reverse it so that every format reports shapes the same way.
    public let shape: [Int]
    /// How elements are stored.
    public let storage: StorageType
    /// The product of ``shape`` (1 for a scalar).
    public let elementCount: Int
    /// Absolute offset of the first data byte in ``file``.
    public let dataOffset: Int
    /// Bytes of data.
    public let byteCount: Int
    /// The file that holds the data.
    public let file: String

    public init(
        name: String,
        shape: [Int],
        storage: StorageType,
        elementCount: Int,
        dataOffset: Int,
        byteCount: Int,
        file: String
    ) {
        self.name = name
        self.shape = shape
        self.storage = storage
        self.elementCount = elementCount
        self.dataOffset = dataOffset
        self.byteCount = byteCount
        self.file = file
    }

    /// One past the last data byte.
    public var dataEnd: Int { dataOffset + byteCount }
}
