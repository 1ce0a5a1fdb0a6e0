import Foundation

/// Everything that happens once a job has its outcome: the original moves to `var/archive/`
/// (or `var/rejected/` with a `.reason.json`), the summary folder and the `job.finished`
/// notification are written, and the email is queued. Each step can be repeated, so a job
/// that crashed half-way through publishing is simply published again at the next start.
public struct Publisher {
    let configuration: Configuration
    let store: JobStore

    public init(configuration: Configuration, store: JobStore) {
        self.configuration = configuration
        self.store = store
    }

    public func archivedPath(for job: Job) -> String { configuration.archiveFolder + "/\(job.id)-\(job.fileName)" }
    public func rejectedPath(for job: Job) -> String { configuration.rejectedFolder + "/\(job.id)-\(job.fileName)" }

    /// Refuses a job before it starts: the file goes to `var/rejected/` beside its reason, and
    /// the job is finished as `rejected` before the reason file appears (so whoever sees the
    /// reason file sees the finished job). A known, active user is told; `notify: false` (or an
    /// unknown user) only publishes the refusal.
    public func reject(_ job: Job, reason: String, notify: Bool = true) throws {
        let target = rejectedPath(for: job)
        try moveIfPresent(job.path.isEmpty ? job.inboxPath : job.path, to: target)
        try store.finish(job.id, outcome: .rejected, error: reason, path: target, retentionDays: configuration.retentionDays)
        guard let finished = try store.job(job.id) else { return }
        try publish(finished, tell: notify)
    }

    private func writeReason(_ job: Job) throws {
        let reasonFile = JSON.object([
            ("file", .string(job.fileName)),
            ("user", .string(job.userName)),
            ("operation", .string(job.operation)),
            ("job", .string(job.displayID)),
            ("reason", .string(job.error ?? "")),
            ("rejected_at", .string(job.finishedAt ?? Timestamp.now)),
        ])
        try AtomicFile.write(reasonFile.serialized(pretty: true) + "\n", to: rejectedPath(for: job) + ".reason.json")
    }

    /// Whether a user is there to be told: known and active.
    private func canTell(_ userName: String) throws -> Bool {
        try store.db.row("SELECT 1 FROM users WHERE user_name = ? AND active = 1", [userName]) != nil
    }

    /// Writes the summary and the notification and queues the email, then marks the job published.
    public func publish(_ job: Job, tell: Bool = true) throws {
        var job = job
        if job.outcome == .rejected {
            try writeReason(job)
            guard tell, try canTell(job.userName) else {
                try store.markPublished(job.id)
                return
            }
        } else {
            let archived = archivedPath(for: job)
            if job.path != archived {
                try moveIfPresent(job.path, to: archived)
                try store.db.execute("UPDATE jobs SET path = ? WHERE id = ?", [archived, job.id])
                job.path = archived
            }
        }
        try SummaryWriter(configuration: configuration).write(job: job, store: store)
        let failures = try store.failures(job.id, limit: EmailComposer.failuresShown + 1)
        try NotificationWriter(configuration: configuration).write(.finished, job: job)
        let email = EmailComposer(configuration: configuration).compose(job: job, failures: failures)
        try store.db.transaction {
            try MailOutbox(db: store.db, configuration: configuration).enqueue(job: job, content: email)
            try store.markPublished(job.id)
        }
    }

    private func moveIfPresent(_ source: String, to target: String) throws {
        let manager = FileManager.default
        // lstat, not stat: a symbolic link dropped in the inbox is moved aside too.
        guard !source.isEmpty, FileStatus(path: source) != nil else { return }
        try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if rename(source, target) != 0 {
            throw FileError.cannot("move \(source) to", target, errno)
        }
    }
}
