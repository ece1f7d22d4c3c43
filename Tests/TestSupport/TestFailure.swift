/// A test step that could not happen (a bounded wait ran out, a call returned something
/// impossible); thrown so the test fails instead of hanging.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
