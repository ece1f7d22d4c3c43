// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "hello-server",
    products: [
        .executable(name: "hello-server", targets: ["hello-server"]),
        .library(name: "ThreadPool", targets: ["ThreadPool"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
        .library(name: "HelloServer", targets: ["HelloServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The Linux calls Glibc's module does not export (epoll, eventfd, accept4, ...).
        .target(name: "CLinux"),
        // Every syscall and the errno policy; owns file descriptors.
        .target(name: "LinuxIO", dependencies: ["CLinux"]),
        // The book's thread pool, on LinuxIO's locks.
        .target(name: "ThreadPool", dependencies: ["LinuxIO", .product(name: "Logging", package: "swift-log")]),
        // HTTP/1.x bytes in, values out; no I/O.
        .target(name: "HTTP1"),
        // The application: routes, pages and the server modes.
        .target(
            name: "HelloServer",
            dependencies: ["LinuxIO", "ThreadPool", "HTTP1", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "hello-server",
            dependencies: [
                "HelloServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What every test target shares: TestFailure, bounded waits, threads, sockets, and the
        // bad-input table.
        .target(name: "TestSupport", dependencies: ["LinuxIO", "ThreadPool", "HTTP1"], path: "Tests/TestSupport"),
        .testTarget(name: "LinuxIOTests", dependencies: ["LinuxIO", "ThreadPool", "TestSupport"]),
        .testTarget(name: "ThreadPoolTests", dependencies: ["ThreadPool", "LinuxIO", "TestSupport"]),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport"]),
        .testTarget(
            name: "HelloServerTests",
            dependencies: [
                "HelloServer", "HTTP1", "LinuxIO", "ThreadPool", "TestSupport", "hello-server",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
