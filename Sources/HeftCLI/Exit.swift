import ArgumentParser
import Foundation
import HeftFormats
import HeftKit
import HeftRemote

/// How `heft` ends, for every command alike:
/// - 0: a report was printed;
/// - 64 (`EX_USAGE`): the command line asked for something it cannot mean — an unknown flag, GPU name or enum
///   value, a number out of bounds, a bad size, nothing to plan;
/// - 1: the input was refused — a file that breaks a format rule or is missing, a model that lacks what the
///   estimate needs;
/// - 70 (`EX_SOFTWARE`): a bug in Heft, never expected.
/// Each failure is one line on standard error that says what was wrong and what to do.
enum Exit {
    static let usage: Int32 = 64
    static let refused: Int32 = 1
    static let bug: Int32 = 70

    /// The message and exit code for an error thrown by a command; nil for ArgumentParser's own errors (help,
    /// version, parse errors, `ValidationError`), which it reports itself with the same codes.
    static func classify(_ error: any Error) -> (message: String, code: Int32)? {
        switch error {
        case let error as EstimateError: (error.description, error.isUsageError ? usage : refused)
        case let error as FormatError: (error.description, refused)
        // A name that is no model name is the command line's fault; a remote failure is a refusal.
        case let error as RemoteError: (error.description, error.kind == .badName ? usage : refused)
        case let error as CommandFailure: (error.message, error.isUsageError ? usage : refused)
        case is ValidationError, is CleanExit, is ExitCode: nil
        default:
            // ArgumentParser's parse errors are internal types: let it print them (exit 64). Anything else is a bug.
            String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") ? nil : ("internal error: \(error)", bug)
        }
    }
}

/// A failure the command line itself finds (a file it cannot write, a flag combination): one line, and exit 64
/// when the user's command line is at fault, 1 otherwise.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var isUsageError = false
    var description: String { message }
}

extension Heft {
    /// Parses and runs the command, ending every failure the same way (see ``Exit``).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if let (message, code) = Exit.classify(error) { fail(message, code) }
            // ArgumentParser's own: --help and --version print and exit 0; a command-line mistake is one line, 64.
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let oneLine = message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            fail(oneLine + " (see 'heft COMMAND --help')", code.rawValue)
        }
    }

    private static func fail(_ message: String, _ code: Int32) -> Never {
        FileHandle.standardError.write(Data("heft: error: \(message)\n".utf8))
        exit(withError: ExitCode(code))
    }
}
