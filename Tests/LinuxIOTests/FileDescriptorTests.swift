import Foundation
import Glibc
import LinuxIO
import TestSupport
import Testing

@Suite("FileDescriptor and resolvedPath", .timeLimit(.minutes(3)))
struct FileDescriptorTests {
    @Test("openReadOnly, regularFileSize and readAll read a file back", arguments: [0, 1, 4096, 100_000])
    func readsAFile(size: Int) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/file.bin"
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            let file = try FileDescriptor.openReadOnly(path)
            #expect(file.rawValue >= 0)
            #expect(try file.regularFileSize() == size)
            #expect(try file.readAll(size: size) == bytes)
            #expect(fcntl(file.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        }
    }

    @Test("readAll stops early when the file is shorter than asked")
    func readAllShortFile() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/short.txt"
            #expect(FileManager.default.createFile(atPath: path, contents: Data("Hello!".utf8)))
            let file = try FileDescriptor.openReadOnly(path)
            #expect(try file.readAll(size: 100) == Array("Hello!".utf8))
        }
    }

    @Test("regularFileSize is nil for a directory")
    func directoryHasNoSize() throws {
        try withTemporaryDirectory { directory in
            let fd = try FileDescriptor.openReadOnly(directory)
            #expect(try fd.regularFileSize() == nil)
        }
    }

    @Test("opening a missing file throws ENOENT from open")
    func missingFile() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: Errno(ENOENT, "open")) {
                _ = try FileDescriptor.openReadOnly(directory + "/missing")
            }
            do throws(Errno) {
                _ = try FileDescriptor.openReadOnly(directory + "/missing")
            } catch {
                #expect(error.call == "open")
                #expect(error.reason == "No such file or directory")
            }
        }
    }

    @Test("noFollow refuses a symbolic link with ELOOP")
    func noFollow() throws {
        try withTemporaryDirectory { directory in
            let target = directory + "/target.txt"
            let link = directory + "/link.txt"
            #expect(FileManager.default.createFile(atPath: target, contents: Data("x".utf8)))
            #expect(symlink(target, link) == 0)
            #expect(throws: Errno(ELOOP, "open")) {
                _ = try FileDescriptor.openReadOnly(link, noFollow: true)
            }
            let followed = try FileDescriptor.openReadOnly(link)
            #expect(try followed.regularFileSize() == 1)
        }
    }

    @Test("close closes the descriptor at once")
    func closeNow() throws {
        try withTemporaryDirectory { directory in
            let file = try FileDescriptor.openReadOnly(directory)
            let raw = file.rawValue
            #expect(fcntl(raw, F_GETFD) != -1)
            file.close()
            #expect(fcntl(raw, F_GETFD) == -1 && errno == EBADF)
        }
    }

    @Test("take gives the descriptor up without closing it; a new owner closes it")
    func takeReleasesOwnership() throws {
        try withTemporaryDirectory { directory in
            let file = try FileDescriptor.openReadOnly(directory)
            let raw = file.take()
            #expect(fcntl(raw, F_GETFD) != -1, "still open once its first owner is gone")
            FileDescriptor(owning: raw).close()
            #expect(fcntl(raw, F_GETFD) == -1 && errno == EBADF)
        }
    }

    @Test("resolvedPath resolves symbolic links, . and ..")
    func resolvedPaths() throws {
        try withTemporaryDirectory { directory in
            // The temporary directory itself may sit behind a link (/tmp on some systems).
            let real = try #require(resolvedPath(directory))
            #expect(real.hasPrefix("/"))
            #expect(mkdir(directory + "/sub", 0o755) == 0)
            #expect(FileManager.default.createFile(atPath: directory + "/sub/page.html", contents: Data()))
            #expect(symlink(directory + "/sub", directory + "/alias") == 0)

            #expect(resolvedPath(directory + "/sub/page.html") == real + "/sub/page.html")
            #expect(resolvedPath(directory + "/alias/page.html") == real + "/sub/page.html")
            #expect(resolvedPath(directory + "/sub/./../sub/page.html") == real + "/sub/page.html")
            #expect(resolvedPath(directory + "/sub/") == real + "/sub")
            #expect(resolvedPath(directory + "/missing") == nil)
            #expect(resolvedPath(directory + "/sub/missing/../page.html") == nil)
        }
        #expect(resolvedPath("/") == "/")
    }
}

@Suite("Errno and Signals", .timeLimit(.minutes(3)))
struct ErrnoAndSignalsTests {
    @Test("Errno describes the call and the C library's reason")
    func errnoText() {
        let error = Errno(ECONNRESET, "read")
        #expect(error.reason == "Connection reset by peer")
        #expect(error.description == "read: Connection reset by peer")
        #expect(Errno(EPIPE, "send").reason == "Broken pipe")
        #expect(Errno(EPIPE, "send") == Errno(EPIPE, "writev"))
        #expect(Errno(EPIPE, "send") != Errno(ECONNRESET, "send"))
    }

    @Test("a blocked signal is received by waitForNext")
    func blockAndWait() {
        // raise(3) directs the signal at this thread, where it is blocked, so it stays
        // pending until sigwait takes it: it is never delivered to a handler.
        Signals.block([SIGUSR2])
        defer { Signals.unblock([SIGUSR2]) }
        raise(SIGUSR2)
        #expect(Signals.waitForNext(of: [SIGUSR2]) == SIGUSR2)
    }
}
