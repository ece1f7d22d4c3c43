// swift-tools-version:6.1
// The benchmarks are a package of their own, so `swift test` at the root never builds
// package-benchmark. Run them from this folder: `swift package benchmark`.
import PackageDescription

let benchmarkTarget: (String) -> Target = { name in
    .executableTarget(
        name: name,
        dependencies: [
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "HTTP1", package: "hello-server"),
            .product(name: "ThreadPool", package: "hello-server"),
            .product(name: "HelloServer", package: "hello-server"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "hello-server-benchmarks",
    dependencies: [
        .package(name: "hello-server", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: ["Parser", "Response", "Pool", "RoundTrip"].map(benchmarkTarget),
    swiftLanguageModes: [.v6]
)
