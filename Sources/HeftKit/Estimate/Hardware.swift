internal import HeftFormats

/// One accelerator or machine from the catalog.
public struct Hardware: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    /// Nominal memory in bytes.
    public let memoryBytes: Int
    /// The fraction of memory one process can use (1 for discrete GPUs).
    public let usableFraction: Double
    /// Bytes per second.
    public let bandwidth: Double
    /// Peak dense throughput in FLOP/s by precision.
    public let flops: [ComputePrecision: Double]
    public let source: String

    /// Peak FLOP/s for `precision`, falling back to the nearest wider type the device has.
    public func peakFlops(_ precision: ComputePrecision) -> (value: Double, precision: ComputePrecision) {
        for candidate in [precision, .bf16, .fp16, .fp32] {
            if let value = flops[candidate] { return (value, candidate) }
        }
        return (0, precision)
    }
}

/// A precision a device's peak throughput is quoted in (the catalog's `tflops` keys).
public enum ComputePrecision: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    case fp32, tf32, bf16, fp16, fp8, int8
}

/// A choice of `count` identical devices (`--gpu h100-sxm x4`).
public struct HardwareSelection: Sendable, Hashable, Codable {
    public let hardware: Hardware
    public let count: Int
    /// Memory one model can use across the devices.
    public var usableBytes: Int { Int(Double(hardware.memoryBytes) * hardware.usableFraction) * count }
}

/// The catalog: lookup by id or name, with suggestions for unknown names.
public enum HardwareCatalog {
    public static let all: [Hardware] = {
        guard let values = try? JSONParser.parse(Array(hardwareCatalogJSON.utf8)).arrayValue else { return [] }
        return values.compactMap { value -> Hardware? in
            guard let entry = value.objectValue, let id = entry["id"]?.stringValue, let name = entry["name"]?.stringValue,
                let gib = entry["memoryGiB"]?.numberValue?.double, let bandwidth = entry["bandwidth"]?.numberValue?.double,
                let tflops = entry["tflops"]?.objectValue, let source = entry["source"]?.stringValue
            else { return nil }
            var flops: [ComputePrecision: Double] = [:]
            for member in tflops.members {
                guard let precision = ComputePrecision(rawValue: member.key) else { return nil }
                flops[precision] = (member.value.numberValue?.double ?? 0) * 1e12
            }
            return Hardware(
                id: id,
                name: name,
                memoryBytes: Int(gib * 1_073_741_824),
                usableFraction: entry["usable"]?.numberValue?.double ?? 1,
                bandwidth: bandwidth,
                flops: flops,
                source: source
            )
        }
    }()

    /// Parses `NAME` or `NAMExN` / `NAME*N` / `N*NAME`; throws with the nearest names when unknown.
    public static func select(_ text: String) throws(EstimateError) -> HardwareSelection {
        var name = String(text.lowercased().filter { $0 != " " })
        var count = 1
        if let separator = name.lastIndex(where: { "x*×".contains($0) }), let n = Int(name[name.index(after: separator)...]), n >= 1 {
            count = n
            name = String(name[..<separator])
        }
        guard count <= 100_000 else { throw EstimateError(field: "gpu", "\(count) devices is implausible") }
        let normalized = String(name.map { $0 == "_" ? "-" : $0 })
        if let match = all.first(where: { $0.id == normalized || $0.name.lowercased() == name }) {
            return HardwareSelection(hardware: match, count: count)
        }
        let suggestions = all.sorted { distance($0.id, normalized) < distance($1.id, normalized) }.prefix(3).map(\.id)
        throw EstimateError(
            field: "gpu",
            "unknown hardware '\(text)'; nearest: \(suggestions.joined(separator: ", ")) (all: \(all.map(\.id).joined(separator: ", ")))")
    }

    /// Levenshtein distance, for suggestions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + [Int](repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
