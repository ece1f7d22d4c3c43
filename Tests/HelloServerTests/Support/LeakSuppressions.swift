/// LeakSanitizer's built-in suppressions for this test binary (every test target links into
/// it), read when a build with `--sanitize=address` checks for leaks at exit.
///
/// Only XCTest's own: its runner keeps the `XCTestSuiteRun` of the (here empty) XCTest pass
/// when it exits, 144 bytes in two objects, reported for any `swift test --sanitize=address`
/// with this toolchain whatever the tests do, which fails the run. Nothing of this package's
/// code is suppressed.
@_cdecl("__lsan_default_suppressions")
public func lsanDefaultSuppressions() -> UnsafePointer<CChar> {
    let suppressions: StaticString = "leak:libXCTest.so\n"
    return UnsafeRawPointer(suppressions.utf8Start).assumingMemoryBound(to: CChar.self)
}
