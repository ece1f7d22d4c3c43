import Glibc
import LinuxIO
import Testing

@Suite("OpenDescriptors", .timeLimit(.minutes(3)))
struct OpenDescriptorsTests {
    /// Enough descriptors that /proc/self/fd fills readdir's 32 KiB buffer (24-byte records), so
    /// the last record of a full buffer ends at the buffer's end: reading a dirent whole there
    /// (its 256-byte name) is a heap overflow that AddressSanitizer reports.
    @Test("list names every descriptor, through a directory that fills readdir's buffer, and not a closed one")
    func listsEveryDescriptor() throws {
        _ = OpenFileLimit.raise(toAtLeast: 4096)
        let wanted = min(3000, (OpenFileLimit.current ?? 1024) - 200)
        let opened = (0..<wanted).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
        defer { for fd in opened.dropLast() where fd >= 0 { close(fd) } }
        #expect(opened.allSatisfy { $0 >= 0 })
        #expect(wanted > 1400, "the soft limit leaves too few descriptors to fill readdir's buffer")
        let closed = opened.last!
        close(closed)
        let listed = Set(try #require(OpenDescriptors.list()))
        #expect(opened.dropLast().allSatisfy(listed.contains))
        #expect(!listed.contains(closed))
        #expect(listed.contains(STDERR_FILENO))
        #expect(try #require(ProcessUsage.openDescriptors) >= wanted - 1)
    }
}
