import Foundation

/// A file seen in the inbox and not yet taken. It is taken once its size and modification time
/// have held still for the settle time after a close or rename was seen, or for 5 seconds when
/// it was only found by a scan.
struct Candidate {
    var size: Int64
    var modified: TimeInterval
    var stableSince: Date
    var completed: Bool

    static let scanSettle: TimeInterval = 5

    func due(now: Date, settle: TimeInterval) -> Date {
        stableSince.addingTimeInterval(completed ? settle : max(settle, Self.scanSettle))
    }
}

/// The size and modification time of a path, without following a symbolic link.
struct FileStatus: Equatable {
    let size: Int64
    let modified: TimeInterval
    let isRegular: Bool
    let isSymlink: Bool
    let isDirectory: Bool

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modified = TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
        let type = info.st_mode & S_IFMT
        isRegular = type == S_IFREG
        isSymlink = type == S_IFLNK
        isDirectory = type == S_IFDIR
    }
}
