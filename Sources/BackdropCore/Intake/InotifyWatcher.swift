import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Linux inotify on a folder tree: every folder below the root is watched, folders created
/// later too. `wait` returns the events that arrived within a timeout. The file descriptor is
/// owned here and closed in `deinit`; use from one thread only.
///
/// A watch follows an inode, not a path: a folder moved away keeps its watch under its old
/// name. So each watch remembers the inode it was added for; a folder moved away is forgotten
/// (`IN_MOVE_SELF`), and `watchTree` watches a path again whenever the folder there is not the
/// one it watched (deleted or moved away and made again).
final class InotifyWatcher {
    enum Event: Equatable {
        /// A file was closed after writing, or renamed into a watched folder: it is complete.
        case completed(String)
        /// A file was created or written to: it is being written (again), whatever was seen before.
        case changed(String)
        /// A file's attributes changed (`touch`, `chmod`, a copy setting the time after closing).
        case attributes(String)
        /// A folder appeared (created or moved in): its contents need a look.
        case folder(String)
        /// The kernel's queue overflowed: some events were lost, so rescan everything.
        case overflow
    }

    private let fd: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private struct Watch { let wd: Int32; let device: UInt64; let inode: UInt64 }
    private var paths: [Int32: String] = [:]
    private var watched: [String: Watch] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init() throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw FileError.cannot("start inotify:", "", errno) }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw FileError.cannot("create a pipe:", "", errno) }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
    }

    deinit {
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Watches `folder` and every folder below it; returns the folders newly watched.
    @discardableResult
    func watchTree(_ folder: String) -> [String] {
        var added: [String] = []
        var stack = [folder]
        while let current = stack.popLast() {
            guard let identity = Self.identity(current) else { continue }
            if let known = watched[current], known.device == identity.device, known.inode == identity.inode {
                // Watched already, and still the same folder.
            } else {
                let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF
                                  | IN_ONLYDIR)
                let wd = inotify_add_watch(fd, current, mask)
                if wd >= 0 {
                    if let stale = watched[current], stale.wd != wd { forget(stale.wd, remove: true) }
                    // The same folder seen under another name (moved within the tree): the new name wins.
                    if let previous = paths[wd], previous != current { watched.removeValue(forKey: previous) }
                    paths[wd] = current
                    watched[current] = Watch(wd: wd, device: identity.device, inode: identity.inode)
                    added.append(current)
                }
            }
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: current) else { continue }
            for entry in entries {
                let path = current + "/" + entry
                var info = stat()
                if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { stack.append(path) }
            }
        }
        return added
    }

    /// The device and inode of a folder; nil for anything else. Follows a symbolic link, as
    /// `inotify_add_watch` does: the inbox itself may be one. (Folders below it are only ever
    /// real folders: the walk below skips links.)
    private static func identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Drops a watch from the books (and from the kernel when `remove`).
    private func forget(_ wd: Int32, remove: Bool) {
        if let path = paths.removeValue(forKey: wd), watched[path]?.wd == wd { watched.removeValue(forKey: path) }
        if remove { _ = inotify_rm_watch(fd, wd) }
    }

    /// A watched folder moved: unless it is already watched under its new name, forget it and
    /// every watch below it that no longer is what its path names.
    private func moved(_ wd: Int32) {
        guard let path = paths[wd] else { return }
        if let watch = watched[path], watch.wd == wd, let identity = Self.identity(path),
           identity.device == watch.device, identity.inode == watch.inode {
            return
        }
        forget(wd, remove: true)
        for (below, watch) in watched where below.hasPrefix(path + "/") {
            if let identity = Self.identity(below), identity.device == watch.device, identity.inode == watch.inode { continue }
            forget(watch.wd, remove: true)
        }
    }

    /// Makes a `wait` in progress return at once (safe from any thread).
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Waits up to `timeout` seconds for events.
    func wait(timeout: TimeInterval) -> [Event] {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        let ready = poll(&fds, 2, milliseconds)
        guard ready > 0 else { return [] }
        if fds[1].revents != 0 {
            var sink = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &sink, sink.count) > 0 {}
        }
        var events: [Event] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            events += parse(count)
        }
        return events
    }

    private func parse(_ count: Int) -> [Event] {
        var events: [Event] = []
        var offset = 0
        let headerSize = MemoryLayout<inotify_event>.size
        buffer.withUnsafeBytes { raw in
            while offset + headerSize <= count {
                let wd = raw.load(fromByteOffset: offset, as: Int32.self)
                let mask = raw.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self))
                let nameBytes = raw[(offset + headerSize)..<(offset + headerSize + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                offset += headerSize + length
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    events.append(.overflow)
                    continue
                }
                if mask & UInt32(IN_IGNORED) != 0 || mask & UInt32(IN_DELETE_SELF) != 0 {
                    forget(wd, remove: false)
                    continue
                }
                if mask & UInt32(IN_MOVE_SELF) != 0 {
                    moved(wd)
                    continue
                }
                guard let folder = paths[wd], !name.isEmpty else { continue }
                let path = folder + "/" + name
                if mask & UInt32(IN_ISDIR) != 0 {
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { events.append(.folder(path)) }
                } else if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
                    events.append(.completed(path))
                } else if mask & UInt32(IN_CREATE | IN_MODIFY) != 0 {
                    events.append(.changed(path))
                } else {
                    events.append(.attributes(path))
                }
            }
        }
        return events
    }
}
