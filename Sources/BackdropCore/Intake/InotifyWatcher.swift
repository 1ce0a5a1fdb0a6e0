import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Linux inotify on a folder tree: every folder below the root is watched, folders created
/// later too. `wait` returns the events that arrived within a timeout. The file descriptor is
/// owned here and closed in `deinit`; use from one thread only.
final class InotifyWatcher {
    enum Event: Equatable {
        /// A file was closed after writing, or renamed into a watched folder: it is complete.
        case completed(String)
        /// A file was created or written to: it may still be growing.
        case changed(String)
        /// A folder appeared (created or moved in): its contents need a look.
        case folder(String)
        /// The kernel's queue overflowed: some events were lost, so rescan everything.
        case overflow
    }

    private let fd: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var paths: [Int32: String] = [:]
    private var watched: Set<String> = []
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
            if !watched.contains(current) {
                let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_ONLYDIR)
                let wd = inotify_add_watch(fd, current, mask)
                if wd >= 0 {
                    paths[wd] = current
                    watched.insert(current)
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
                    if let path = paths.removeValue(forKey: wd) { watched.remove(path) }
                    continue
                }
                guard let folder = paths[wd], !name.isEmpty else { continue }
                let path = folder + "/" + name
                if mask & UInt32(IN_ISDIR) != 0 {
                    if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { events.append(.folder(path)) }
                } else if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
                    events.append(.completed(path))
                } else {
                    events.append(.changed(path))
                }
            }
        }
        return events
    }
}
