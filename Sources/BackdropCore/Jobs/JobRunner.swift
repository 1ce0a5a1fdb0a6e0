import Foundation

/// Runs one job from its claimed file to its outcome.
///
/// 1. Refuse a duplicate (same user, operation and bytes as a job that applied records in the
///    last 24 hours) or a user who may no longer run the operation.
/// 2. Preflight: check the whole file; a whole-file problem fails the job with nothing applied.
/// 3. Write `job.started`, then apply the records in batches. Each batch, its per-record
///    failures and the job's progress commit in one transaction, so after a crash or a stop the
///    job resumes after the last committed record: none is applied twice, none is dropped.
///    A dry run applies every record in one transaction and rolls it back.
/// 4. Finish and publish (summary, `job.finished`, email).
public final class JobRunner {
    public enum Result: Equatable { case finished, interrupted }

    let configuration: Configuration
    let db: Database
    let store: JobStore
    let publisher: Publisher
    let shouldStop: () -> Bool
    let batchSize: Int
    let batchSeconds: Double
    let today: () -> Day
    let log: Log?

    /// A batch ends after `batchSize` records or `batchSeconds`, whichever comes first: few
    /// commits (each one writes the pages the batch changed) while a stop still waits at most
    /// about `batchSeconds`.
    public init(configuration: Configuration, db: Database, batchSize: Int = 500_000, batchSeconds: Double = 2, log: Log? = nil,
                today: @escaping () -> Day = { Day.today() }, shouldStop: @escaping () -> Bool = { false }) {
        self.log = log
        self.configuration = configuration
        self.db = db
        self.store = JobStore(db: db)
        self.publisher = Publisher(configuration: configuration, store: store)
        self.batchSize = batchSize
        self.batchSeconds = batchSeconds
        self.today = today
        self.shouldStop = shouldStop
    }

    public func run(_ job: Job) throws -> Result {
        guard FileManager.default.fileExists(atPath: job.path) else {
            return try fail(job, "the claimed file \(job.path) is missing; drop \(job.fileName) again")
        }
        let hash: String
        if let known = job.sha256 {
            hash = known
        } else {
            do {
                hash = try SHA256.hex(ofFile: job.path)
            } catch {
                return try fail(job, "\(job.fileName) cannot be read: \(error)")
            }
            try store.recordHash(job.id, sha256: hash)
        }
        if !job.dryRun, job.startedAt == nil, let earlier = try store.duplicate(of: job, sha256: hash) {
            try publisher.reject(job, reason: "duplicate of job \(earlier.id) (\(earlier.fileName), dropped at \(earlier.receivedAt)), which already applied \(earlier.succeeded.grouped) record\(earlier.succeeded == 1 ? "" : "s"); the same file is not applied twice within 24 hours")
            return .finished
        }
        guard let kind = job.operationKind else {
            return try fail(job, "\(job.operation) is not an operation")
        }
        let type = OperationRegistry.type(for: kind)
        guard let access = try UserAccess.load(db, userName: job.userName, operation: kind) else {
            try publisher.reject(job, reason: "user \(job.userName) is unknown or inactive", notify: false)
            return .finished
        }
        guard access.hasAnyGrant else {
            try publisher.reject(job, reason: "user \(job.userName) has no grant for \(kind.rawValue)")
            return .finished
        }

        var clock = Stopwatch()
        let preflight: Preflight.Result
        do {
            preflight = try Preflight.check(path: job.path, name: job.fileName, columns: type.columns)
        } catch {
            return try fail(job, "\(job.fileName) \(error.description)", header: nil)
        }
        log?.info("job \(job.id): checked \(preflight.total.grouped) records in \(clock.lap())")
        if job.startedAt == nil || job.total == nil {
            var started = job
            started.total = preflight.total
            try NotificationWriter(configuration: configuration).write(.started, job: started)
        }
        try store.markStarted(job.id, sha256: hash, total: preflight.total, header: preflight.header, ignored: preflight.map.ignored)

        // A dry run works on a private copy of the database, so it can see the effects of its
        // own earlier records without holding the shared write lock for the whole file.
        let workspace = job.dryRun ? try DryRunCopy(of: db, at: configuration.state + "/dryrun-\(job.id).db") : nil
        let workDB = workspace?.db ?? db
        let context = OperationContext(db: workDB, access: access, jobID: job.id, today: today(), dates: configuration.dateParser)
        let operation = try type.init(context: context, map: preflight.map)
        let reader: any RecordReader
        do {
            reader = PrefetchingReader(try RecordFiles.open(path: job.path, name: job.fileName, header: preflight.header))
        } catch {
            return try fail(job, "\(job.fileName) \(error.description)", header: preflight.header)
        }
        let applier = RecordApplier(operation: operation, savepoints: type.needsSavepoint, db: workDB,
                                    checkWidth: !RecordFiles.isXML(job.fileName), width: preflight.header.count)
        let interrupted: Bool
        if let workspace {
            // A dry run starts again from its first record: its copy does not outlive it.
            try db.transaction {
                try db.execute("DELETE FROM job_failures WHERE job_id = ?", [job.id])
                try store.recordProgress(job.id, done: 0, succeeded: 0, failed: 0)
            }
            try workspace.db.execute("BEGIN")
            interrupted = try apply(job, reader: reader, applier: applier, from: (0, 0, 0))
            workspace.discard()
        } else {
            interrupted = try apply(job, reader: reader, applier: applier, from: (job.done, job.succeeded, job.failed))
        }
        if interrupted { return .interrupted }
        log?.info("job \(job.id): applied in \(clock.lap())")

        guard let applied = try store.job(job.id) else { return .finished }
        let outcome: Job.Outcome = applied.failed == 0 ? .succeeded : applied.succeeded == 0 ? .failed : .partiallySucceeded
        try store.finish(job.id, outcome: outcome, error: nil, path: nil, retentionDays: configuration.retentionDays)
        try publisher.publish(try store.job(job.id)!)
        log?.info("job \(job.id): published in \(clock.lap())")
        return .finished
    }

    /// Applies the records in batches after the ones already committed. True when a stop was
    /// requested between two batches. In a dry run the records go to the copy, whose one
    /// transaction is never committed, while failures and progress go to the real database.
    private func apply(_ job: Job, reader: any RecordReader, applier: RecordApplier,
                       from start: (done: Int, succeeded: Int, failed: Int)) throws -> Bool {
        var done = 0, succeeded = start.succeeded, failed = start.failed
        while done < start.done {
            guard try nextRecord(reader, job) != nil else { break }
            done += 1
        }
        var atEnd = false
        while !atEnd {
            if shouldStop() { return true }
            try db.transaction {
                applier.operation.beginBatch()
                var count = 0
                let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(batchSeconds * 1e9)
                while count < batchSize {
                    if count % 1024 == 1023, DispatchTime.now().uptimeNanoseconds > deadline { break }
                    guard let record = try nextRecord(reader, job) else {
                        atEnd = true
                        break
                    }
                    count += 1
                    done += 1
                    if let failure = try applier.apply(record) {
                        failed += 1
                        try store.recordFailure(job.id, line: record.line, reference: failure.reference, reason: failure.reason, fields: record.values)
                    } else {
                        succeeded += 1
                    }
                }
                try store.recordProgress(job.id, done: done, succeeded: succeeded, failed: failed)
            }
        }
        return false
    }

    private func nextRecord(_ reader: any RecordReader, _ job: Job) throws -> RawRecord? {
        do {
            return try reader.next()
        } catch {
            // The preflight read this file whole; it can only fail now if it changed under us.
            throw FileError("\(job.fileName) could not be read again after its check: \(error.description)")
        }
    }

    /// Ends a job that ran but could apply nothing (a whole-file problem). The user still gets
    /// `job.started` before `job.finished`: the job did start, it just stopped at the check.
    private func fail(_ job: Job, _ error: String, header: [String]? = nil) throws -> Result {
        if job.startedAt == nil {
            var started = job
            started.total = nil
            try NotificationWriter(configuration: configuration).write(.started, job: started)
        }
        try store.db.execute("UPDATE jobs SET started_at = COALESCE(started_at, ?), header = COALESCE(?, header) WHERE id = ?",
                             [Timestamp.now, header.map(JSON.encode), job.id])
        try store.finish(job.id, outcome: .failed, error: error, path: nil, retentionDays: configuration.retentionDays)
        try publisher.publish(try store.job(job.id)!)
        return .finished
    }
}

/// Applies one record through an operation and turns its refusal into a failure to report.
final class RecordApplier {
    struct Failure { let reference: String; let reason: String }

    let operation: any BulkOperation
    let savepoints: Bool
    let db: Database
    let checkWidth: Bool
    let width: Int

    init(operation: any BulkOperation, savepoints: Bool, db: Database, checkWidth: Bool, width: Int) {
        self.operation = operation
        self.savepoints = savepoints
        self.db = db
        self.checkWidth = checkWidth
        self.width = width
    }

    func apply(_ record: RawRecord) throws -> Failure? {
        if checkWidth && record.values.count != width {
            return Failure(reference: operation.reference(record.values),
                           reason: "Row has \(record.values.count) fields, the header has \(width)")
        }
        do {
            if savepoints {
                try db.savepoint { try operation.apply(record.values, line: record.line) }
            } else {
                try operation.apply(record.values, line: record.line)
            }
            return nil
        } catch let failure as RecordFailure {
            return Failure(reference: operation.reference(record.values), reason: failure.reason)
        } catch let error as DatabaseError where savepoints && error.isConstraintViolation {
            return Failure(reference: operation.reference(record.values), reason: "could not be applied: \(error.message)")
        }
    }
}
