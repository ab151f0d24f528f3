extension InspectionReport {
    /// The same report with every file path renamed by `rename` (the web app names files by their id under the
    /// folders it serves, never by their path on the server).
    public func renamingPaths(_ rename: (String) -> String) -> InspectionReport {
        var copy = self
        copy.files = files.map { FileFacts(path: rename($0.path), bytes: $0.bytes, expectedBytes: $0.expectedBytes) }
        copy.tensors = tensors?.map { row in
            TensorRow(
                name: row.name, shape: row.shape, storage: row.storage, elements: row.elements, parameters: row.parameters, role: row.role,
                kind: row.kind, location: row.location, block: row.block, file: rename(row.file), offset: row.offset, bytes: row.bytes,
                complete: row.complete)
        }
        return copy
    }
}
