// swift-tools-version:6.1
// Not a benchmark suite (package-benchmark would try to run any executable of the Benchmarks
// package): one operation run N times, counted by ../instructions.sh under callgrind.
import PackageDescription

let package = Package(
    name: "instructions",
    dependencies: [.package(name: "hello-server", path: "../..")],
    targets: [
        .executableTarget(
            name: "Instructions",
            dependencies: [.product(name: "HTTP1", package: "hello-server")],
            path: "Sources"
        ),
    ],
    swiftLanguageModes: [.v6]
)
