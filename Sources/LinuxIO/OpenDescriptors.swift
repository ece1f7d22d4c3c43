import Glibc

/// The descriptors this process has open, as /proc/self/fd lists them.
///
/// Invariant: the list never includes the descriptor that reading the directory opens.
public enum OpenDescriptors {
    /// Every open descriptor, or `nil` when /proc/self/fd cannot be read.
    public static func list() -> [Int32]? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        // A dirent is only as long as its name, so loading `entry.pointee` whole would read past
        // the last record of readdir's buffer: the name is read in place, up to its NUL.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if let fd = Int32(name), fd != dirfd(directory) { descriptors.append(fd) }
        }
        return descriptors
    }
}
