import Foundation
internal import HeftFormats
import HeftKit
import Hummingbird

/// The JSON API behind every page. Handlers call the same HeftKit functions as the CLI; nothing is computed here.
struct API: Sendable {
    let roots: ModelRoots
    /// Bytes a request body may have (config.json paste is the largest legitimate body).
    let maxBodyBytes: Int

    // MARK: - Models

    /// A model from a request: `model` (an id under the roots), `example` (a bundled config), or `params` with
    /// architecture fields.
    func profile(_ f: Fields) throws -> ModelProfile {
        let override = try f.int("params", range: 1...1_000_000_000_000_000)
        do {
            if let id = try f.string("model") {
                var profile = try ModelProfile.open(try roots.resolve(id), parameters: override)
                profile.name = id
                return profile
            }
            if let name = try f.string("example") {
                guard let example = ExampleConfigs.all.first(where: { $0.name == name }) else {
                    throw APIError(
                        status: 400, field: "example",
                        message: "unknown example '\(name)'; one of \(ExampleConfigs.all.map(\.name).joined(separator: ", "))")
                }
                guard case .object(let object) = try JSONParser.parse(Array(example.json.utf8)) else {
                    throw APIError(status: 400, field: "example", message: "the bundled example is not an object")
                }
                var profile = try ModelProfile.from(config: ConfigReader(path: "example:\(name)", root: object), parameters: override)
                profile.name = name
                return profile
            }
        } catch let error as FormatError {
            throw APIError(status: error.rule == .io ? 404 : 400, field: error.field ?? "model", message: error.description)
        }
        guard let count = override else {
            throw APIError(status: 400, field: "model", message: "give model (an id from /api/models), example (a bundled config) or params")
        }
        let architecture = Architecture.bare(
            layers: try f.int("layers", range: 1...4096), hidden: try f.int("hidden", range: 1...1_048_576),
            heads: try f.int("heads", range: 1...65_536), kvHeads: try f.int("kvHeads", range: 1...65_536),
            headDim: try f.int("headDim", range: 1...65_536), vocab: try f.int("vocab", range: 1...2_147_483_648),
            ffn: try f.int("ffn", range: 1...16_777_216), context: try f.int("maxContext", range: 1...67_108_864)
        )
        return ModelProfile.bare(parameters: count, architecture: architecture)
    }

    func hardware(_ f: Fields) throws -> HardwareSelection? {
        guard let name = try f.string("gpu"), !name.isEmpty else { return nil }
        do {
            return try HardwareCatalog.select(name)
        } catch {
            throw APIError(status: 400, field: "gpu", message: error.message)
        }
    }

    func size(_ f: Fields, _ key: String) throws -> Int? {
        guard let text = try f.string(key), !text.isEmpty else { return nil }
        guard let bytes = SizeParser.bytes(text) else {
            throw APIError(status: 400, field: key, message: "\(key) must be a size such as 6GB, 6GiB or 6e9")
        }
        return bytes
    }

    // MARK: - Endpoints

    func models() -> Data {
        struct Listing: Encodable {
            let models: [ListedModel]
            let roots: [String]
            let examples: [String]
            let distillExamples: [DistillationPair]
        }
        return encode(
            Listing(models: roots.list(), roots: roots.roots.map(\.name), examples: ExampleConfigs.all.map(\.name), distillExamples: Evidence.pairs))
    }

    func inspect(_ f: Fields) throws -> Data {
        guard let id = try f.string("model") else {
            throw APIError(status: 400, field: "model", message: "model is required (an id from /api/models)")
        }
        let path = try roots.resolve(id)
        do {
            var report = try InspectionReport.inspect(path)
            report.source = id
            return encode(report, charts: ["anatomy": Charts.anatomy(report)], hiding: path, as: id)
        } catch {
            throw APIError(status: 400, field: "model", message: error.description.replacingAll(path, with: id))
        }
    }

    /// A pasted config.json: `{"config": {…}}` or the config object itself.
    func inspectConfig(_ bytes: [UInt8]) throws -> Data {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw APIError(status: 400, field: "config", message: "not valid JSON: \(error.detail)")
        }
        guard case .object(var object) = document else { throw APIError(status: 400, field: "config", message: "the body must be a JSON object") }
        if case .object(let inner)? = object["config"] { object = inner }
        let reader = ConfigReader(path: "pasted config.json", root: object)
        do {
            let report = try InspectionReport(source: ModelSource.config(reader, name: "pasted config.json"), includeTensors: false)
            return encode(report, charts: ["anatomy": Charts.anatomy(report)])
        } catch {
            throw APIError(status: 400, field: error.field ?? "config", message: error.description)
        }
    }

    func memory(_ f: Fields) throws -> Data {
        let profile = try profile(f)
        var request = MemoryRequest()
        if let context = try f.int("context", range: 1...67_108_864) { request.contexts = [context] }
        request.batch = try f.int("batch", range: 1...65_536) ?? 1
        if let weights = try f.string("weights"), !weights.isEmpty {
            guard let precision = WeightPrecision(weights) else {
                throw APIError(status: 400, field: "weights", message: "unknown precision '\(weights)'")
            }
            request.weights = precision
        }
        if let cache = try f.string("kvCache"), !cache.isEmpty {
            guard let type = CacheType(rawValue: cache.lowercased()) else {
                throw APIError(
                    status: 400, field: "kvCache", message: "kvCache must be one of \(CacheType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            request.kvCache = type
        }
        request.hardware = try hardware(f)
        request.computeEfficiency = try f.double("mfu", range: 0.01...1) ?? 0.5
        request.bandwidthEfficiency = try f.double("mbu", range: 0.01...1) ?? 0.7
        if try f.bool("train") {
            var training = TrainingRequest()
            if let precision = try f.string("precision"), !precision.isEmpty {
                guard let p = TrainingRequest.Precision(rawValue: precision) else {
                    throw APIError(status: 400, field: "precision", message: "precision must be fp32, bf16-mixed, fp16-mixed or bf16")
                }
                training.precision = p
            }
            if let optimizer = try f.string("optimizer"), !optimizer.isEmpty {
                guard let o = TrainingRequest.Optimizer(rawValue: optimizer) else {
                    throw APIError(status: 400, field: "optimizer", message: "unknown optimizer '\(optimizer)'")
                }
                training.optimizer = o
            }
            training.loraRank = try f.int("loraRank", range: 1...65_536)
            request.training = training
        }
        let estimate = try MemoryEstimate(profile: profile, request: request)
        return encode(MemoryJSON(estimate), charts: ["memory": Charts.memory(estimate)])
    }

    func distill(_ f: Fields) throws -> Data {
        var teacher = try f.int("teacherParameters", range: 1...1_000_000_000_000_000)
        var student = try f.int("studentParameters", range: 1...1_000_000_000_000_000)
        let ratio = try f.double("ratio", range: 1e-6...1e9)
        var lambda = try f.double("lambda", range: -5...20)
        var config: ConfigReader?
        if let name = try f.string("example"), !name.isEmpty {
            guard let pair = Evidence.pairs.first(where: { $0.id == name }) else {
                throw APIError(status: 400, field: "example", message: "unknown example '\(name)'")
            }
            teacher = teacher ?? pair.teacherParameters
            if ratio == nil { student = student ?? pair.studentParameters }
            lambda = lambda ?? pair.impliedLambda
        }
        if f.has("model") || f.has("teacherExample") {
            let profile = try profile(
                Fields(query: [("model", try f.string("model") ?? ""), ("example", try f.string("teacherExample") ?? "")].filter { !$0.1.isEmpty }))
            teacher = teacher ?? profile.parameters
            config = profile.config
        }
        guard let teacher else {
            throw APIError(status: 400, field: "teacherParameters", message: "teacherParameters is required (or an example or model)")
        }
        guard ratio != nil || student != nil else { throw APIError(status: 400, field: "ratio", message: "give ratio or studentParameters") }
        var request = DistillRequest(teacherParameters: teacher)
        request.ratio = ratio
        request.studentParameters = ratio == nil ? student : nil
        request.lambda = lambda ?? 1
        request.baseTokens = try f.double("baseTokens", range: 1...1e16) ?? 1e9
        request.temperature = try f.double("temperature", range: 0.01...100) ?? 2
        if let method = try f.string("method"), !method.isEmpty {
            guard let m = DistillRequest.Method(rawValue: method) else {
                throw APIError(status: 400, field: "method", message: "method must be logit, feature or attention")
            }
            request.method = m
        }
        request.hardware = try hardware(f)
        request.utilization = try f.double("utilization", range: 0.01...1) ?? 0.4
        request.teacherConfig = config
        let plan = try DistillPlan(request)
        return encode(plan, charts: ["teacherStudent": Charts.teacherStudent(plan), "accuracy": Charts.accuracyCurve(plan)])
    }

    func quantize(_ f: Fields) throws -> Data {
        let profile = try profile(f)
        let plan = try QuantizePlan(
            profile: profile,
            context: try f.int("context", range: 1...67_108_864) ?? 4096,
            hardware: try hardware(f),
            budgetBytes: try size(f, "budget"),
            groupSize: try f.int("groupSize", range: 8...1_048_576) ?? 128
        )
        return encode(plan, charts: ["quantization": Charts.quantization(plan)])
    }

    func pipeline(_ f: Fields) throws -> Data {
        let profile = try profile(f)
        let plan = try PipelinePlan(
            profile: profile,
            context: try f.int("context", range: 1...67_108_864) ?? 4096,
            distillRatio: try f.double("distill", range: 1.000001...1e6),
            lambda: try f.double("lambda", range: -5...20) ?? 1,
            scheme: try f.string("quantize") ?? "Q4_K_M",
            sparsity24: try f.bool("twoFour"),
            targetBytes: try size(f, "targetMemory"),
            hardware: try hardware(f)
        )
        return encode(plan)
    }

    func hardwareList() -> Data { encode(HardwareCatalog.all) }

    // MARK: - Encoding

    /// `value` as JSON with sorted keys, plus a `charts` object of SVG strings; `hiding` replaces a server path.
    func encode(_ value: some Encodable, charts: [String: String] = [:], hiding path: String? = nil, as id: String = "") -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(value) else { return Data("{}".utf8) }
        if !charts.isEmpty, var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            object["charts"] = charts
            data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? data
        }
        if let path, let text = String(data: data, encoding: .utf8) { data = Data(text.replacingAll(path, with: id).utf8) }
        return data
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
