import ArgumentParser
import HeftWeb
import Hummingbird

extension Heft {
    /// `heft serve`: the calculators, quick examples and charts in the browser, over the JSON API.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract:
                "Run the local web app: a page for every command (inspect, stats, memory, context sweep, batch, compare, distill, quantize, prune, low-rank, LoRA, pipeline, advise) over a JSON API.",
            discussion:
                "Binds to 127.0.0.1 unless --host says otherwise. Only the --models folders are ever read; bundled example configs and the published evidence work without any model files."
        )

        @Option(help: "Address to bind (127.0.0.1 keeps the app on this machine).") var host = "127.0.0.1"
        @Option(parsing: .unconditional, help: "Port.") var port = 8080
        @Option(name: .customLong("models"), help: "A folder whose models the app may read (repeatable).", completion: .directory)
        var directories: [String] = []

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            for directory in directories {
                var isDirectory = false
                guard directoryExists(directory, &isDirectory), isDirectory else { throw ValidationError("--models: '\(directory)' is not a folder") }
            }
        }

        func run() async throws {
            var configuration = ServeConfiguration()
            configuration.host = host
            configuration.port = port
            configuration.modelDirectories = directories
            print(
                "heft serve: http://\(host):\(port)/  (models: \(directories.isEmpty ? "none; bundled examples only" : directories.joined(separator: ", ")))"
            )
            try await buildApplication(configuration).runService()
        }
    }
}
