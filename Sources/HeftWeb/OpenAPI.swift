import Foundation
import HeftKit

/// The OpenAPI 3.0 document of the API, generated from the request types' field tables, so that it cannot
/// drift from what the server decodes.
enum OpenAPI {
    static let document: Value = build()

    /// A JSON value with its keys in the order written.
    indirect enum Value: Encodable, Sendable {
        case object([(String, Value)])
        case array([Value])
        case string(String)
        case number(Double)
        case integer(Int)
        case bool(Bool)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .object(let members):
                var container = encoder.container(keyedBy: FieldName.self)
                for (key, value) in members { try container.encode(value, forKey: FieldName(key)) }
            case .array(let values):
                var container = encoder.unkeyedContainer()
                for value in values { try container.encode(value) }
            case .string(let text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case .number(let number):
                var container = encoder.singleValueContainer()
                try container.encode(number)
            case .integer(let number):
                var container = encoder.singleValueContainer()
                try container.encode(number)
            case .bool(let flag):
                var container = encoder.singleValueContainer()
                try container.encode(flag)
            }
        }
    }

    struct FieldName: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// The JSON schema of a field.
    /// What a model id under the served folders looks like: `ROOT/PATH`, no empty, `.` or `..` component.
    static let modelID = #"^(?!\.\.?(/|$))[^/\\\x00]+(/(?!\.\.?(/|$))[^/\\\x00]+)*$"#

    static func schema(_ field: FieldSchema, name: String = "", help: String, default value: FieldInput? = nil) -> Value {
        var members: [(String, Value)] = [("description", .string(help))]
        if name == "model" {
            return .object(members + [("type", .string("string")), ("pattern", .string(modelID)), ("maxLength", .integer(4096))])
        }
        switch value {
        case .number(let number)?:
            members.append(("default", number == number.rounded() && abs(number) < 9e15 ? .integer(Int(number)) : .number(number)))
        // An empty list (compare's models) has no default worth stating: an empty string is not a valid value.
        case .text(let text)?, .string(let text)?: if !text.isEmpty { members.append(("default", .string(text))) }
        case .flag(let flag)?: members.append(("default", .bool(flag)))
        case nil: break
        }
        switch field {
        case .integer(let range), .tokens(let range):
            let number: Value = .object([
                ("type", .string("integer")), ("minimum", .integer(range.lowerBound)), ("maximum", .integer(range.upperBound)),
            ])
            if let pattern = shortForm(range, tokens: field != .integer(range)) {
                members.append(("anyOf", .array([number, .object([("type", .string("string")), ("pattern", .string(pattern))])])))
            } else {
                members += [("type", .string("integer")), ("minimum", .integer(range.lowerBound)), ("maximum", .integer(range.upperBound))]
            }
        case .number(let lower, let upper, let lowerInclusive, let upperInclusive):
            members += [("type", .string("number")), ("minimum", .number(lower)), ("maximum", .number(upper))]
            if !lowerInclusive { members.append(("exclusiveMinimum", .bool(true))) }
            if !upperInclusive { members.append(("exclusiveMaximum", .bool(true))) }
        case .size:
            // A size with its unit, or a whole number of bytes.
            let text: Value = .object([
                ("type", .string("string")), ("pattern", .string(#"^[1-9][0-9]{0,3}(\.[0-9]{1,3})?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$"#)),
            ])
            let bytes: Value = .object([
                ("type", .string("integer")), ("minimum", .integer(1)), ("maximum", .integer(RequestField<MemoryQuery>.maximumSize)),
            ])
            members.append(("anyOf", .array([text, bytes])))
        case .choice(let names):
            members += [("type", .string("string")), ("enum", .array(names.map { .string($0) }))]
        case .text(let names, _) where !names.isEmpty:
            // The names are the usual values, not all of them (a GPU may be NAMExN): the enum keeps generated tests
            // to values that exist, and `x-open` tells the web form to accept typed text beside the suggestions.
            members += [("type", .string("string")), ("enum", .array(names.map { .string($0) })), ("x-open", .bool(true))]
        case .text(_, let maximumBytes):
            // maxLength counts characters, the server bytes: a string of multi-byte characters within it may still
            // be refused (422) for its size.
            members += [("type", .string("string")), ("minLength", .integer(1)), ("maxLength", .integer(maximumBytes))]
        case .pattern(let pattern):
            members += [("type", .string("string")), ("pattern", .string(pattern))]
        case .boolean:
            members += [("type", .string("boolean"))]
        }
        return .object(members)
    }

    /// The required groups as `allOf: [{anyOf: [{required: [a]}, …]}]` and the exclusive ones as `not`; a flag in a
    /// group counts when it is true.
    static func groups<Query: Calculator>(_: Query.Type) -> [(String, Value)] {
        func given(_ name: String) -> Value {
            let isFlag = Query.fields.first { $0.name == name }?.schema == .boolean
            return .object(
                [("required", .array([.string(name)]))]
                    + (isFlag ? [("properties", .object([(name, .object([("enum", .array([.bool(true)]))]))]))] : []))
        }
        var members: [(String, Value)] = []
        let required = Query.requiredGroups.map { group in Value.object([("anyOf", .array(group.map(given)))]) }
        if !required.isEmpty { members.append(("allOf", .array(required))) }
        let exclusive = Query.exclusiveGroups.map { group in Value.object([("required", .array(group.map { .string($0) }))]) }
        if !exclusive.isEmpty { members.append(("not", .object([("anyOf", .array(exclusive))]))) }
        return members
    }

    /// The pattern of the short forms of a whole number in `range` written as a string (`"4096"`, `"32k"`, `"7B"`),
    /// bounded so that every string it matches lies in the range; nil when the range has no room for them.
    static func shortForm(_ range: ClosedRange<Int>, tokens: Bool) -> String? {
        guard range.lowerBound <= 1 else { return nil }
        let upper = Double(range.upperBound)
        func digits(below limit: Double) -> Int { max(0, Int(log10(limit + 1).rounded(.down))) }
        var forms: [String] = []
        let plain = digits(below: upper)
        if plain >= 1 { forms.append("[1-9][0-9]{0,\(plain - 1)}") }
        let suffixes: [(String, Double)] = tokens ? [("k", 1024), ("M", 1_048_576)] : [("K", 1e3), ("M", 1e6), ("B", 1e9), ("T", 1e12)]
        for (suffix, scale) in suffixes {
            let count = digits(below: upper / scale)
            if count >= 1 { forms.append("[1-9][0-9]{0,\(count - 1)}\(suffix)") }
        }
        return forms.count > 1 ? "^(" + forms.joined(separator: "|") + ")$" : nil
    }

    static func errorResponse(_ description: String) -> Value {
        .object([
            ("description", .string(description)),
            ("content", .object([("application/json", .object([("schema", .object([("$ref", .string("#/components/schemas/Error"))]))]))])),
        ])
    }

    static let answer: Value = .object([
        ("description", .string("The answer: the document `heft … --json` prints, plus `charts` (SVG by name) where the answer has charts.")),
        ("content", .object([("application/json", .object([("schema", .object([("type", .string("object"))]))]))])),
    ])

    static func operation<Query: Calculator>(_: Query.Type, post: Bool) -> Value {
        let fields = Query.fields
        let defaults = Query()
        var members: [(String, Value)] = [("summary", .string(Query.summary)), ("operationId", .string((post ? "post-" : "get-") + Query.name))]
        if post {
            let properties = fields.map { ($0.name, schema($0.schema, name: $0.name, help: $0.help, default: $0.value(in: defaults))) }
            members.append(
                (
                    "requestBody",
                    .object([
                        ("required", .bool(true)),
                        (
                            "content",
                            .object([
                                (
                                    "application/json",
                                    .object([
                                        (
                                            "schema",
                                            .object(
                                                [
                                                    ("type", .string("object")), ("properties", .object(properties)),
                                                    ("additionalProperties", .bool(false)),
                                                ] + groups(Query.self))
                                        )
                                    ])
                                )
                            ])
                        ),
                    ])
                ))
        } else {
            members.append(
                (
                    "parameters",
                    .array(
                        fields.map { field in
                            .object([
                                ("name", .string(field.name)), ("in", .string("query")),
                                ("required", .bool(Query.requiredGroups.contains([field.name]))),
                                ("schema", schema(field.schema, name: field.name, help: field.help, default: field.value(in: defaults))),
                            ])
                        })
                ))
        }
        members.append(
            (
                "responses",
                .object([
                    ("200", answer), ("400", errorResponse("A field out of bounds, unknown, or missing: `field` names it.")),
                    ("403", errorResponse("The model id leads outside the served folders.")),
                    ("404", errorResponse("No model with that id.")), ("413", errorResponse("The body is larger than the server accepts.")),
                    (
                        "422",
                        errorResponse(
                            "The model cannot support the request (a file that breaks its format's rules, a missing architecture, a Hub name with a bad :QUANT or @REVISION)."
                        )
                    ),
                ])
            ))
        return .object(members)
    }

    static func build() -> Value {
        var paths: [(String, Value)] = []
        for calculator in Calculators.all {
            func add<Query: Calculator>(_ type: Query.Type) {
                let get: [(String, Value)] = queryStringCalculators.contains(Query.name) ? [("get", operation(type, post: false))] : []
                paths.append(("/api/\(Query.name)", .object(get + [("post", operation(type, post: true))])))
            }
            add(calculator)
        }
        let listing: [(String, String, String)] = [
            ("/api/models", "Models under the served folders, the bundled example configs and the published distillation pairs.", "object"),
            ("/api/hardware", "The hardware catalog: memory, bandwidth and peak FLOP/s of each device.", "array"),
            ("/api/openapi.json", "This document.", "object"),
        ]
        for (path, summary, type) in listing {
            paths.append(
                (
                    path,
                    .object([
                        (
                            "get",
                            .object([
                                ("summary", .string(summary)), ("operationId", .string("get-" + path.dropFirst(5).replacing(".", with: "-"))),
                                (
                                    "responses",
                                    .object([
                                        (
                                            "200",
                                            .object([
                                                ("description", .string(summary)),
                                                (
                                                    "content",
                                                    .object([("application/json", .object([("schema", .object([("type", .string(type))]))]))])
                                                ),
                                            ])
                                        )
                                    ])
                                ),
                            ])
                        )
                    ])
                ))
        }
        paths.append(
            (
                "/api/inspect/config",
                .object([
                    (
                        "post",
                        .object([
                            ("summary", .string("Inspect a pasted config.json (the object itself, or {\"config\": {…}}).")),
                            ("operationId", .string("post-inspect-config")),
                            (
                                "requestBody",
                                .object([
                                    ("required", .bool(true)),
                                    ("content", .object([("application/json", .object([("schema", .object([("type", .string("object"))]))]))])),
                                ])
                            ),
                            (
                                "responses",
                                .object([
                                    ("200", answer), ("400", errorResponse("Not a JSON object.")), ("413", errorResponse("Too large.")),
                                    ("422", errorResponse("A config value breaks its rule.")),
                                ])
                            ),
                        ])
                    )
                ])
            ))
        return .object([
            ("openapi", .string("3.0.3")),
            (
                "info",
                .object([
                    ("title", .string("Heft")), ("version", .string("0.2.0")),
                    (
                        "description",
                        .string("What a model weighs, and how to make it lighter: the calculators of the heft command line as a JSON API.")
                    ),
                ])
            ),
            ("paths", .object(paths)),
            (
                "components",
                .object([
                    (
                        "schemas",
                        .object([
                            (
                                "Error",
                                .object([
                                    ("type", .string("object")), ("required", .array([.string("error")])),
                                    (
                                        "properties",
                                        .object([
                                            ("error", .object([("type", .string("string"))])), ("field", .object([("type", .string("string"))])),
                                        ])
                                    ),
                                ])
                            )
                        ])
                    )
                ])
            ),
        ])
    }
}
