/// Overflow-checked arithmetic for sizes computed from untrusted bytes.
///
/// Swift traps on overflow, which would turn a crafted file into a crash. Every product or sum of values read
/// from a file goes through these helpers, which return `nil` instead of trapping, so the caller can throw a
/// ``FormatError`` that names the field.
public enum Checked {
    /// `a × b`, or `nil` on overflow.
    @inlinable
    public static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : value
    }

    /// `value` rounded to the nearest integer, or `nil` when it is not finite or lies outside `Int`'s range.
    @inlinable
    public static func integer(_ value: Double) -> Int? {
        let rounded = value.rounded()
        guard rounded.isFinite, rounded > -9.2e18, rounded < 9.2e18 else { return nil }
        return Int(rounded)
    }

    /// `a + b`, or `nil` on overflow.
    @inlinable
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (value, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : value
    }

    /// The product of all `values` (1 for none), or `nil` on overflow.
    @inlinable
    public static func product(_ values: [Int]) -> Int? {
        var result = 1
        for value in values {
            guard let next = multiply(result, value) else { return nil }
            result = next
        }
        return result
    }

    /// The sum of all `values`, or `nil` on overflow.
    @inlinable
    public static func sum(_ values: some Sequence<Int>) -> Int? {
        var result = 0
        for value in values {
            guard let next = add(result, value) else { return nil }
            result = next
        }
        return result
    }

    /// `value` rounded up to a multiple of `alignment` (a power of two), or `nil` on overflow.
    @inlinable
    public static func alignUp(_ value: Int, to alignment: Int) -> Int? {
        let remainder = value % alignment
        return remainder == 0 ? value : add(value, alignment - remainder)
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for bodies that throw ``FormatError`` (the standard one rethrows untyped errors).
    public func withFormatBytes<R>(_ body: (UnsafeRawBufferPointer) throws(FormatError) -> R) throws(FormatError) -> R {
        let result: Result<R, FormatError> = withUnsafeBytes { raw in
            Result { () throws(FormatError) in try body(raw) }
        }
        return try result.get()
    }
}
