import Foundation
import Glibc
import LinuxIO
import TestSupport
import Testing

/// `AppendOnlyFile`, the logs' destination, and the pid file's helpers.
@Suite("AppendOnlyFile")
struct AppendOnlyFileTests {
    private static func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test("appends go to the file it opened until reopen, then to a new file at the path (logrotate's way)")
    func reopenAfterRename() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/server.log"
            let file = try AppendOnlyFile(path: path)
            #expect(file.path == path)
            file.append(Array("one\n".utf8))
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            file.append(Array("two\n".utf8))
            try file.reopen()
            file.append(Array("three\n".utf8))
            #expect(Self.text(path + ".1") == "one\ntwo\n")
            #expect(Self.text(path) == "three\n")
        }
    }

    @Test("an existing file is appended to, never truncated")
    func appendsToAnExistingFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/access.log"
            try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
            try AppendOnlyFile(path: path).append(Array("new\n".utf8))
            #expect(Self.text(path) == "old\nnew\n")
        }
    }

    @Test("a path that cannot be opened is thrown, with its errno; a failed reopen keeps the old file")
    func openFailures() throws {
        #expect(throws: Errno.self) { try AppendOnlyFile(path: "/nonexistent-directory/log") }
        try withTemporaryDirectory { directory in
            let subdirectory = directory + "/logs"
            try FileManager.default.createDirectory(atPath: subdirectory, withIntermediateDirectories: false)
            let path = subdirectory + "/server.log"
            let file = try AppendOnlyFile(path: path)
            try FileManager.default.moveItem(atPath: path, toPath: directory + "/server.log.1")
            try FileManager.default.removeItem(atPath: subdirectory)
            #expect(throws: Errno.self) { try file.reopen() }
            file.append(Array("still here\n".utf8))
            #expect(Self.text(directory + "/server.log.1") == "still here\n")
        }
    }

    @Test("a standard stream is written to and reopen leaves it alone")
    func standardStream() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let stream = AppendOnlyFile(standardStream: fds[1])
        #expect(stream.path == nil)
        try stream.reopen()
        stream.append(Array("line\n".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = read(fds[0], &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "line\n")
        #expect(fcntl(fds[1], F_GETFD) != -1, "not closed")
    }

    @Test("replaceFile writes the whole content over what was there; removeFile says whether it removed")
    func pidFileHelpers() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/server.pid"
            try replaceFile(at: path, with: Array("123456789\n".utf8))
            try replaceFile(at: path, with: Array("42\n".utf8))
            #expect(Self.text(path) == "42\n")
            #expect(removeFile(at: path))
            #expect(!removeFile(at: path))
        }
    }
}
