import Foundation

/// The durable job queue and every change of a job's state, as SQL on one connection.
/// A job moves claiming → queued → running → finished; progress (`done`, counts) is committed
/// in the same transaction as the records it counts, so a crash never loses or repeats one.
public struct JobStore {
    public let db: Database

    public init(db: Database) { self.db = db }

    public func job(_ id: Int64) throws -> Job? {
        try db.row("SELECT \(Job.columns) FROM jobs WHERE id = ?", [id]).map(Job.init(row:))
    }

    public func all(limit: Int = 1000) throws -> [Job] {
        try db.rows("SELECT \(Job.columns) FROM jobs ORDER BY id DESC LIMIT ?", [limit]).map(Job.init(row:))
    }

    /// Records a file about to be claimed; the rename follows, then `markQueued`.
    public func createClaiming(userName: String, operation: String, fileName: String, inboxPath: String,
                               dryRun: Bool) throws -> Job {
        try db.execute("""
            INSERT INTO jobs(user_name, operation, file_name, inbox_path, path, dry_run, state, token, received_at)
            VALUES (?, ?, ?, ?, '', ?, 'claiming', ?, ?)
            """, [userName, operation, fileName, inboxPath, dryRun, Token.make(), Timestamp.now])
        return try job(db.lastInsertRowID)!
    }

    public func markQueued(_ id: Int64, path: String) throws {
        try db.execute("UPDATE jobs SET state = 'queued', path = ? WHERE id = ?", [path, id])
    }

    public func delete(_ id: Int64) throws {
        try db.execute("DELETE FROM jobs WHERE id = ?", [id])
    }

    /// Takes the oldest queued job whose user has no other job of the same operation running,
    /// and marks it running. Nil when there is none.
    public func takeNext() throws -> Job? {
        try db.transaction {
            guard let row = try db.row("""
                SELECT id FROM jobs q WHERE state = 'queued' AND NOT EXISTS (
                    SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.user_name = q.user_name AND r.operation = q.operation)
                ORDER BY id LIMIT 1
                """), let id = row.int(0) else { return nil }
            try db.execute("UPDATE jobs SET state = 'running' WHERE id = ?", [id])
            return try job(Int64(id))
        }
    }

    /// After a crash or a stop, jobs that were running go back to the queue: they resume after
    /// the last record they committed (`done`).
    public func requeueInterrupted() throws {
        try db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'")
    }

    /// Claims a crash interrupted between recording the job and moving its file.
    public func unfinishedClaims() throws -> [Job] {
        try db.rows("SELECT \(Job.columns) FROM jobs WHERE state = 'claiming'").map(Job.init(row:))
    }

    public func markStarted(_ id: Int64, sha256: String, total: Int, header: [String], ignored: [String]) throws {
        try db.execute("""
            UPDATE jobs SET sha256 = ?, total = ?, header = ?, ignored_columns = ?, started_at = COALESCE(started_at, ?)
            WHERE id = ?
            """, [sha256, total, JSON.encode(header), JSON.encode(ignored), Timestamp.now, id])
    }

    public func recordHash(_ id: Int64, sha256: String) throws {
        try db.execute("UPDATE jobs SET sha256 = ? WHERE id = ?", [sha256, id])
    }

    /// The earlier job that makes this file a duplicate: same user, operation and bytes, within
    /// the last 24 hours, not a dry run, and at least one record applied.
    public func duplicate(of job: Job, sha256: String, now: Date = Date()) throws -> Job? {
        let since = Timestamp.string(now.addingTimeInterval(-24 * 3600))
        return try db.row("""
            SELECT \(Job.columns) FROM jobs WHERE id <> ? AND user_name = ? AND operation = ? AND sha256 = ? AND dry_run = 0
              AND state = 'finished' AND succeeded > 0 AND received_at >= ? ORDER BY id DESC LIMIT 1
            """, [job.id, job.userName, job.operation, sha256, since]).map(Job.init(row:))
    }

    /// Progress of a batch, written inside the batch's transaction.
    public func recordProgress(_ id: Int64, done: Int, succeeded: Int, failed: Int) throws {
        try db.execute("UPDATE jobs SET done = ?, succeeded = ?, failed = ? WHERE id = ?", [done, succeeded, failed, id])
    }

    public func recordFailure(_ id: Int64, line: Int, reference: String, reason: String, fields: [String]) throws {
        try db.execute("INSERT INTO job_failures(job_id, line, reference, reason, fields) VALUES (?, ?, ?, ?, ?)",
                       [id, line, reference, reason, JSON.encode(fields)])
    }

    public struct Failure: Sendable, Equatable {
        public let line: Int
        public let reference: String
        public let reason: String
        public let fields: [String]
    }

    public func failures(_ id: Int64, limit: Int = Int.max) throws -> [Failure] {
        var all: [Failure] = []
        try eachFailure(id, limit: limit) { all.append($0) }
        return all
    }

    /// The job's failures in file order, one at a time (a job may have a million of them).
    /// Without `withFields`, `fields` is left empty (decoding the stored row is the slow part).
    public func eachFailure(_ id: Int64, limit: Int = Int.max, withFields: Bool = true, _ body: (Failure) throws -> Void) throws {
        let statement = try db.statement("SELECT line, reference, reason, fields FROM job_failures WHERE job_id = ?1 ORDER BY line, rowid LIMIT ?2")
        statement.reset()
        statement.bind(id, at: 1)
        statement.bind(Int64(min(limit, Int(Int64.max))), at: 2)
        defer { statement.reset() }
        while try statement.step() {
            try body(Failure(line: Int(statement.int64(at: 0)), reference: statement.text(at: 1) ?? "",
                             reason: statement.text(at: 2) ?? "", fields: withFields ? JSON.stringArray(from: statement.text(at: 3)) : []))
        }
    }

    /// Ends a job: its outcome, counts and expiry. `path` is where the original now lives.
    public func finish(_ id: Int64, outcome: Job.Outcome, error: String?, path: String?, retentionDays: Int, now: Date = Date()) throws {
        let expires = now.addingTimeInterval(Double(retentionDays) * 86_400)
        try db.execute("""
            UPDATE jobs SET state = 'finished', outcome = ?, error = ?, path = COALESCE(?, path),
                started_at = started_at, finished_at = ?, expires_at = ?, total = COALESCE(total, done)
            WHERE id = ?
            """, [outcome.rawValue, error, path, Timestamp.string(now), Timestamp.string(expires), id])
    }

    public func markPublished(_ id: Int64) throws {
        try db.execute("UPDATE jobs SET published_at = ? WHERE id = ?", [Timestamp.now, id])
    }

    public func unpublished() throws -> [Job] {
        try db.rows("SELECT \(Job.columns) FROM jobs WHERE state = 'finished' AND published_at IS NULL ORDER BY id").map(Job.init(row:))
    }
}
