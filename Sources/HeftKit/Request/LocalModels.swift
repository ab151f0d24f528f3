/// Opens models the way the command line names them: a path, a folder, `ORG/NAME` in the Hugging Face cache,
/// `ollama:NAME`, `lmstudio:NAME` (see ``ModelLocator``).
public struct LocalModels: ModelResolver {
    public init() {}

    public func profile(_ name: String, parameters: Int?) throws -> ModelProfile {
        try ModelProfile.open(name, parameters: parameters)
    }

    public func inspection(_ name: String, includeTensors: Bool) throws -> InspectionReport {
        try InspectionReport.inspect(name, includeTensors: includeTensors)
    }

    public func source(_ name: String) throws -> ModelSource { try ModelSource.open(name) }
}
