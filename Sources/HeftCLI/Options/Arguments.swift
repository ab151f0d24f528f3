public import ArgumentParser
public import HeftKit

/// Option values in the syntax every request accepts (the same parsers as the web app's), so that `--context 32k`,
/// `--params 7B` and `--budget 6GiB` mean here what they mean in a JSON body. Bounds are checked by the request;
/// these only read the syntax, and say what it should be when it is wrong.
enum Value {
    /// A whole number: 4096, 32k, 7B, 1e9.
    static func whole(_ text: String) throws -> Int { try read(text, Quantity.count, "a whole number; write it as 4096, 32k, 7B or 1e9") }

    /// A length in tokens: 4096, 32k (= 32,768), 1M.
    static func tokens(_ text: String) throws -> Int { try read(text, Quantity.tokens, "a number of tokens; write it as 4096, 32k or 1M") }

    /// A real number: 0.5, 1e-3.
    static func real(_ text: String) throws -> Double { try read(text, Quantity.real, "a finite number") }

    /// A size in bytes: 6GB, 6GiB, 6e9.
    static func size(_ text: String) throws -> Int { try read(text, Quantity.bytes, "a size; write it as 6GB, 6GiB, 512MiB or 6e9") }

    private static func read<Result>(_ text: String, _ parse: (String) -> Result?, _ expected: String) throws -> Result {
        guard let value = parse(text) else { throw ValidationError("'\(text)' is not \(expected)") }
        return value
    }
}

extension CacheType: ExpressibleByArgument {}
extension Engine: ExpressibleByArgument {}
extension LlamaCppSettings.Tool: ExpressibleByArgument {}
extension LlamaCppSettings.SplitMode: ExpressibleByArgument {}
extension TrainingRequest.Precision: ExpressibleByArgument {}
extension TrainingRequest.Optimizer: ExpressibleByArgument {}
extension TrainingRequest.Checkpointing: ExpressibleByArgument {}
extension DistillRequest.Method: ExpressibleByArgument {}
extension Advice.Task: ExpressibleByArgument {}
