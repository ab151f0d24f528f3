// swift-tools-version: 6.2

import PackageDescription

/// Settings for Heft's own targets: Swift 6 mode plus the upcoming features Hummingbird uses.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "heft",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HeftFormats", targets: ["HeftFormats"]),
        .library(name: "HeftKit", targets: ["HeftKit"]),
        .executable(name: "heft", targets: ["HeftCLI"]),
        .executable(name: "heft-fuzz", targets: ["HeftFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The only module that reads untrusted bytes. No dependencies beyond the standard library, Glibc and the C
        // kernels below.
        .target(name: "HeftFormats", dependencies: ["HeftKernels"], swiftSettings: swiftSettings),
        // The C loops of heft stats (statistics, histogram cells, the common dequantizers): built for AVX-512, AVX2
        // and baseline x86-64, the best one chosen when the program loads. Plain C, no dependencies. Optimized as a
        // release build is (-O2) in every configuration, so that the tests run the machine code users run: the
        // compiler lowers vector code differently at -O0, and a baseline x86-64 histogram bug showed only at -O2.
        .target(name: "HeftKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // The commit a release binary was built from (Scripts/install.sh), for `heft --version`.
        .target(name: "HeftBuildInfo"),
        // Domain logic: inventory, classification, architecture, parameter formulas, reports.
        .target(name: "HeftKit", dependencies: ["HeftFormats", "HeftKernels"], swiftSettings: swiftSettings),
        // Models on the Hugging Face Hub, any HTTPS URL and the Ollama registry, read from their headers with HTTP
        // range requests (async-http-client at the edge only) into a header-only mirror the readers open as local.
        .target(
            name: "HeftRemote",
            dependencies: ["HeftKit", "HeftFormats", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
        // The web app: Hummingbird at the edge only, over the same HeftKit calls the CLI makes.
        .target(
            name: "HeftWeb",
            dependencies: ["HeftKit", "HeftRemote", .product(name: "Hummingbird", package: "hummingbird")],
            // The page, its script and its style sheet, embedded in the binary so that `heft` stays one file.
            resources: [.embedInCode("Assets/index.html"), .embedInCode("Assets/app.js"), .embedInCode("Assets/app.css")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "HeftCLI",
            dependencies: [
                "HeftKit",
                "HeftRemote",
                "HeftWeb",
                "HeftBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzz harnesses (README: Fuzzing). The library is shared with the tests, which replay the corpus.
        .target(name: "HeftFuzzing", dependencies: ["HeftKit"], swiftSettings: swiftSettings),
        .executableTarget(name: "HeftFuzz", dependencies: ["HeftFuzzing"], swiftSettings: swiftSettings),
        .target(
            name: "HeftTestSupport",
            dependencies: ["HeftFormats"],
            path: "Tests/HeftTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeftFormatsTests",
            dependencies: ["HeftFormats", "HeftTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeftKitTests",
            dependencies: ["HeftKit", "HeftTestSupport", "HeftFuzzing"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeftWebTests",
            dependencies: ["HeftWeb", "HeftKit", "HeftTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeftRemoteTests",
            dependencies: ["HeftRemote", "HeftKit", "HeftTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeftCLITests",
            dependencies: ["HeftCLI", "HeftTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
