import Foundation

/// Writes a file in large chunks, so that a summary with a million failures never has to be
/// held in memory whole. `finish` flushes and fsyncs; the caller renames the file into place.
final class StreamingFile {
    private let handle: FileHandle
    private var pending: [UInt8] = []
    let path: String

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw FileError("cannot create \(path)")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FileError("cannot write \(path)") }
        self.handle = handle
        self.path = path
        pending.reserveCapacity(1 << 16)
    }

    func write(_ text: String) throws {
        pending.append(contentsOf: text.utf8)
        if pending.count >= 1 << 16 { try flush() }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        do {
            try handle.write(contentsOf: pending)
        } catch {
            throw FileError("cannot write \(path): \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw FileError("cannot finish \(path): \(error.localizedDescription)")
        }
    }
}
