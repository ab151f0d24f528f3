import ArgumentParser
import Foundation
import HeftFormats
import HeftKit

extension Heft {
    /// `heft inspect SOURCE`: read headers, explain every parameter.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a checkpoint's headers and explain every parameter.",
            discussion: """
                SOURCE is a .safetensors file, a model.safetensors.index.json, a .gguf file (any shard of a split
                model), a config.json, or a directory holding them. Only headers are read.
                """
        )

        @Argument(help: "The model file or directory.", completion: .file())
        var source: String

        @Flag(help: "Print the report as JSON (the schema is in the README).")
        var json = false

        @Flag(help: "List every tensor instead of folding repeated blocks (adds `tensors` to --json).")
        var allTensors = false

        @Option(help: "Also write the parameter-anatomy chart as an SVG file.", completion: .file())
        var svg: String?

        func run() throws {
            let report = try InspectionReport.inspect(source, includeTensors: allTensors || !json)
            if let svg { try writeText(Charts.anatomy(report) + "\n", to: svg) }
            if json {
                print(try JSONOutput.encode(report))
            } else {
                print(TextReport(report, allTensors: allTensors).render())
            }
        }
    }
}

/// JSON output: sorted keys so that documents diff cleanly and stay stable.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
