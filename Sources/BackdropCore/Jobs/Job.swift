import Foundation

/// One file's job, as stored in the `jobs` table.
public struct Job: Sendable {
    public enum State: String, Sendable { case claiming, queued, running, finished }
    public enum Outcome: String, Sendable {
        case succeeded, partiallySucceeded = "partially_succeeded", failed, rejected

        /// "partially succeeded": the words subjects and messages use.
        public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    }

    public var id: Int64
    public var userName: String
    public var operation: String
    public var fileName: String
    public var inboxPath: String
    public var path: String
    public var dryRun: Bool
    public var sha256: String?
    public var state: State
    public var outcome: Outcome?
    public var error: String?
    public var header: [String]
    public var ignoredColumns: [String]
    public var total: Int?
    public var done: Int
    public var succeeded: Int
    public var failed: Int
    public var token: String
    public var receivedAt: String
    public var startedAt: String?
    public var finishedAt: String?
    public var expiresAt: String?
    public var publishedAt: String?
    public var sweptAt: String?

    public var operationKind: OperationKind? { OperationKind(rawValue: operation) }
    /// "Create Training Records"; "File" for a file refused before it had an operation (dropped
    /// in the wrong folder), so titles read "File rejected".
    public var operationTitle: String { operationKind?.title ?? "File" }
    public var displayID: String { String(id) }

    static let columns = """
        id, user_name, operation, file_name, inbox_path, path, dry_run, sha256, state, outcome, error, header,
        ignored_columns, total, done, succeeded, failed, token, received_at, started_at, finished_at, expires_at,
        published_at, swept_at
        """

    init(row: Row) {
        id = Int64(row.int(0)!)
        userName = row.string(1) ?? ""
        operation = row.string(2) ?? ""
        fileName = row.string(3) ?? ""
        inboxPath = row.string(4) ?? ""
        path = row.string(5) ?? ""
        dryRun = row.bool(6)
        sha256 = row.string(7)
        state = State(rawValue: row.string(8) ?? "") ?? .queued
        outcome = row.string(9).flatMap(Outcome.init(rawValue:))
        error = row.string(10)
        header = JSON.stringArray(from: row.string(11))
        ignoredColumns = JSON.stringArray(from: row.string(12))
        total = row.int(13)
        done = row.int(14) ?? 0
        succeeded = row.int(15) ?? 0
        failed = row.int(16) ?? 0
        token = row.string(17) ?? ""
        receivedAt = row.string(18) ?? ""
        startedAt = row.string(19)
        finishedAt = row.string(20)
        expiresAt = row.string(21)
        publishedAt = row.string(22)
        sweptAt = row.string(23)
    }
}

/// Timestamps as the files and the database hold them: UTC, to the second, `2026-12-04T19:30:00Z`.
public enum Timestamp {
    public static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    public static var now: String { string(Date()) }
}

/// Unguessable tokens for summary folders: 128 random bits from the system's secure generator.
public enum Token {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }
}
