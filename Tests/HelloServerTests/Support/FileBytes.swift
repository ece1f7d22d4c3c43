import Glibc
import TestSupport

/// A whole file's bytes, read with read(2) until EOF (files in /proc report size 0).
///
/// Not with Foundation's `Data(contentsOf:)` or `FileManager.contents(atPath:)`: for a file
/// whose size is 0 they read into a 4 KiB buffer, which leaks when the file is empty (as logs
/// are before the first line, and /proc/PID/cmdline is for a zombie); LeakSanitizer reports it.
func fileBytes(atPath path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw TestFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            bytes.append(contentsOf: chunk[0..<count])
        } else if count == 0 {
            return bytes
        } else if errno != EINTR {
            throw TestFailure("cannot read \(path): \(String(cString: strerror(errno)))")
        }
    }
}
