extension StringProtocol {
    /// Whether `pattern` occurs in the text, compared byte by byte in UTF-8.
    ///
    /// Tensor names are matched against dozens of short ASCII patterns each; the standard library's general
    /// substring search sets up a searcher (with hashing) per call, which made classifying the tensors of a small
    /// model take most of `heft inspect`'s time.
    func includes(_ pattern: StaticString) -> Bool {
        let needle = UnsafeRawBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)
        guard let first = needle.first else { return true }
        return utf8.withContiguousStorageIfAvailable { haystack -> Bool in
            guard haystack.count >= needle.count else { return false }
            for start in 0...(haystack.count - needle.count) where haystack[start] == first {
                var index = 1
                while index < needle.count, haystack[start + index] == needle[index] { index += 1 }
                if index == needle.count { return true }
            }
            return false
        } ?? String(self).includes(pattern)
    }
}
