// swift-tools-version:6.1
// A SwiftNIO peer for Benchmarks/load.sh: a package of its own, so hello-server never depends
// on NIO. load.sh builds it with `swift build -c release --package-path Benchmarks/NIOPeer`.
import PackageDescription

let package = Package(
    name: "nio-peer",
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "nio-hello",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
