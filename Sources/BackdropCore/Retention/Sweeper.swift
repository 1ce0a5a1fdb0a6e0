import Foundation

/// Retention: `retention_days` after a job ends, its summary folder, its per-record outcomes,
/// its original (archived or rejected, with the `.reason.json`) and its email's body are
/// deleted; notifications older than that go too. The job row stays with its counts, outcome
/// and dates as an audit trail. A job is due once now >= finished + retention, so a sweep after
/// downtime catches up on everything that fell due meanwhile.
public struct Sweeper {
    public struct Report: Equatable, Sendable {
        public var jobs = 0
        public var notifications = 0
    }

    let configuration: Configuration
    let db: Database

    public init(configuration: Configuration, db: Database) {
        self.configuration = configuration
        self.db = db
    }

    @discardableResult
    public func sweep(now: Date = Date()) throws -> Report {
        var report = Report()
        let manager = FileManager.default
        // Due by the retention in force now, so shortening retention_days applies to old jobs too.
        let cutoff = Timestamp.string(now.addingTimeInterval(-Double(configuration.retentionDays) * 86_400))
        let due = try db.rows("""
            SELECT id, token, path FROM jobs WHERE state = 'finished' AND swept_at IS NULL AND finished_at <= ?
            """, [cutoff])
        for row in due {
            guard let id = row.int(0), let token = row.string(1) else { continue }
            if !token.isEmpty { try? manager.removeItem(atPath: configuration.summariesFolder + "/" + token) }
            if let path = row.string(2), !path.isEmpty,
               path.hasPrefix(configuration.archiveFolder + "/") || path.hasPrefix(configuration.rejectedFolder + "/") {
                try? manager.removeItem(atPath: path)
                try? manager.removeItem(atPath: path + ".reason.json")
            }
            try db.transaction {
                try db.execute("DELETE FROM job_failures WHERE job_id = ?", [id])
                try db.execute("""
                    UPDATE mail_outbox SET message = x'', subject = '', recipient = '', last_error = NULL
                    WHERE job_id = ? AND state IN ('sent', 'failed')
                    """, [id])
                try db.execute("""
                    UPDATE jobs SET swept_at = ?, error = NULL, header = NULL, ignored_columns = NULL, inbox_path = '', path = ''
                    WHERE id = ?
                    """, [Timestamp.string(now), id])
            }
            report.jobs += 1
        }
        report.notifications = sweepNotifications(olderThan: now.addingTimeInterval(-Double(configuration.retentionDays) * 86_400))
        return report
    }

    private func sweepNotifications(olderThan cutoff: Date) -> Int {
        let manager = FileManager.default
        let root = configuration.notificationsFolder
        var removed = 0
        for user in (try? manager.contentsOfDirectory(atPath: root)) ?? [] {
            let folder = root + "/" + user
            for file in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".json") {
                let path = folder + "/" + file
                guard let status = FileStatus(path: path), status.isRegular,
                      Date(timeIntervalSince1970: status.modified) <= cutoff else { continue }
                if (try? manager.removeItem(atPath: path)) != nil { removed += 1 }
            }
        }
        return removed
    }
}
