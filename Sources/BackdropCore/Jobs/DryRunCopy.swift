import Foundation

/// A private copy of the database for one dry run (`VACUUM INTO`), deleted when the run ends
/// or the value goes away. Nobody else writes to it, so a dry run can keep one transaction open
/// for a whole file without keeping the daemon's other connections waiting.
final class DryRunCopy {
    let db: Database
    let path: String

    init(of source: Database, at path: String) throws {
        self.path = path
        Self.remove(path)
        try source.execute("VACUUM INTO '\(path.replacingOccurrences(of: "'", with: "''"))'")
        db = try Database(path: path, scratch: true)
    }

    /// Throws the copy away (its transaction is never committed).
    func discard() {
        try? db.execute("ROLLBACK")
    }

    deinit {
        discard()
        Self.remove(path)
    }

    private static func remove(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
