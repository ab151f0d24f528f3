import Foundation
import HeftKit
import HeftTestSupport
import HeftWeb
import Hummingbird
import HummingbirdTesting
import Testing

/// The command line and the web app answer the same input with the same JSON: every bundled example through
/// every calculator that takes a model, every published pair through distillation, and advice, each run once as
/// `heft … --json` and once as a POST to the API with the same fields (charts aside). Failures must agree too.
@Suite struct ParityTests {
    /// (command words, flags as the command line takes them)
    static var cases: [([String], [String])] {
        var cases: [([String], [String])] = []
        for example in ExampleConfigs.names {
            cases.append((["memory"], ["--example", example]))
            cases.append((["memory"], ["--example", example, "--context", "32k", "--gpu", "rtx-4090", "--weights", "Q4_K_M"]))
            cases.append((["memory"], ["--example", example, "--train", "--lora-rank", "16", "--gpu", "a100-80gb"]))
            cases.append((["plan", "quantize"], ["--example", example, "--budget", "6GiB"]))
            cases.append((["plan", "distill"], ["--example", example, "--ratio", "4"]))
            cases.append((["plan", "prune"], ["--example", example, "--drop-layers", "2"]))
            cases.append((["plan", "lowrank"], ["--example", example, "--rank", "64"]))
            cases.append((["plan", "lora"], ["--example", example, "--rank", "16", "--targets", "all"]))
            cases.append((["plan", "pipeline"], ["--example", example, "--distill", "2", "--target-memory", "4GB"]))
        }
        for pair in Evidence.pairAliases.map(\.alias) { cases.append((["plan", "distill"], ["--pair", pair])) }
        cases.append((["plan", "distill"], ["--params", "7B", "--ratio", "0.5"]))
        cases.append((["memory"], ["--params", "7e9", "--layers", "32", "--hidden", "4096", "--heads", "32", "--context", "1M"]))
        cases.append((["advise"], ["--task", "complex", "--memory", "24GB", "--gpu", "rtx-4090"]))
        return cases
    }

    static func schemas<Query: Calculator>(_: Query.Type) -> [String: FieldSchema] {
        Dictionary(uniqueKeysWithValues: Query.fields.map { ($0.name, $0.schema) })
    }

    /// The first place where two JSON values differ, or nil.
    static func difference(_ a: Any?, _ b: Any?, at path: String = "") -> String? {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            for key in Set(x.keys).union(y.keys).sorted() {
                if let found = difference(x[key], y[key], at: path + "." + key) { return found }
            }
            return nil
        case (let x as [Any], let y as [Any]):
            guard x.count == y.count else { return "\(path): \(x.count) vs \(y.count) elements" }
            for (index, pair) in zip(x, y).enumerated() {
                if let found = difference(pair.0, pair.1, at: path + "[\(index)]") { return found }
            }
            return nil
        case (let x as NSObject, let y as NSObject): return x.isEqual(y) ? nil : "\(path): \(x) vs \(y)"
        case (nil, nil): return nil
        default: return "\(path): \(String(describing: a)) vs \(String(describing: b))"
        }
    }

    /// `--lora-rank 16` → `"loraRank": "16"` as a JSON string (the short forms the API reads from strings), a real
    /// number as a JSON number (`"ratio": 4`), a flag without a value → `true`.
    static func body(_ flags: [String], schemas: [String: FieldSchema]) -> [String: Any] {
        var body: [String: Any] = [:]
        var index = 0
        while index < flags.count {
            let words = flags[index].dropFirst(2).split(separator: "-")
            let name = String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            if index + 1 < flags.count, !flags[index + 1].hasPrefix("--") {
                if case .number = schemas[name], let value = Double(flags[index + 1]) {
                    body[name] = value
                } else {
                    body[name] = flags[index + 1]
                }
                index += 2
            } else {
                body[name] = true
                index += 1
            }
        }
        return body
    }

    @Test(arguments: cases.indices) func commandLineAndWebAgree(index: Int) async throws {
        let (command, flags) = Self.cases[index]
        let cli = try HeftBinary.run(command + flags + ["--json"])
        let path = "/api/" + command.joined(separator: "/")
        let calculator = try #require(Calculators.all.first { "/api/" + $0.name == path })
        let body = try JSONSerialization.data(withJSONObject: Self.body(flags, schemas: Self.schemas(calculator)))
        try await APITests.app(models: []).test(.router) { client in
            let response = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body))
            var web = try APITests.object(response)
            if cli.status == 0 {
                #expect(response.status == .ok, "\(command + flags): \(web)")
                web["charts"] = nil
                let printed = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])
                let difference = Self.difference(printed, web)
                #expect(difference == nil, "\(command + flags): \(difference ?? "")")
            } else {
                // The same refusal with the same message: a field that cannot be read is a 400 on the web and a
                // usage error (64) here; anything refused after the fields are read is a 422 there, 64 or 1 here.
                let expected: Set<UInt> = cli.status == 64 ? [400, 422] : [422]
                #expect(expected.contains(UInt(response.status.code)), "\(command + flags): \(cli.stderr)")
                let message = try #require(web["error"] as? String)
                #expect(cli.stderr.contains(message), "\(command + flags): \(cli.stderr) vs \(message)")
            }
        }
    }
}
