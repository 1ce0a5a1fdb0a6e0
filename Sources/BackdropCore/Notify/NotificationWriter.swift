import Foundation

/// Toast notifications: one JSON file per event in `outbox/notifications/<user>/`, written
/// atomically. A job's notification has a fixed name (`job-42-started.json`), so writing it
/// again after a crash replaces it rather than adding a second one.
public struct NotificationWriter {
    public enum Event: String { case started = "job.started", finished = "job.finished" }

    let folder: String
    let configuration: Configuration

    public init(configuration: Configuration) {
        self.folder = configuration.notificationsFolder
        self.configuration = configuration
    }

    public static func fileName(job: Int64, event: Event) -> String {
        "job-\(job)-\(event == .started ? "started" : "finished").json"
    }

    @discardableResult
    public func write(_ event: Event, job: Job, now: Date = Date()) throws -> String {
        let title = job.operationTitle + (job.dryRun ? " (dry run)" : "")
        let severity: String
        let heading: String
        let message: String
        let total = job.total ?? 0
        switch event {
        case .started:
            severity = "info"
            heading = "\(title) started"
            message = (job.total == nil ? "Processing \(job.fileName)" : "Processing \(total.grouped) record\(total == 1 ? "" : "s") from \(job.fileName)")
                + (job.dryRun ? " as a dry run: nothing will be changed" : "")
        case .finished:
            switch job.outcome {
            case .succeeded:
                severity = "success"
                heading = "\(title) succeeded"
                message = "\(job.succeeded.grouped) of \(total.grouped) record\(total == 1 ? "" : "s") from \(job.fileName) \(job.dryRun ? "would be applied" : "applied")"
            case .partiallySucceeded:
                severity = "warning"
                heading = "\(title) partially succeeded"
                message = "\(job.succeeded.grouped) of \(total.grouped) records from \(job.fileName) \(job.dryRun ? "would be applied" : "applied"); \(job.failed.grouped) failed"
            case .failed:
                severity = "error"
                heading = "\(title) failed"
                if let error = job.error {
                    message = "Nothing was applied: \(error)"
                } else {
                    message = "None of the \(total.grouped) record\(total == 1 ? "" : "s") from \(job.fileName) \(job.dryRun ? "would be applied" : "could be applied")"
                }
            case .rejected, nil:
                severity = "error"
                heading = "\(title) rejected"
                let reason = job.error ?? "not accepted"
                // Most reasons name the file already; say it once.
                message = reason.hasPrefix(job.fileName) ? "Rejected: \(reason)" : "\(job.fileName) was rejected: \(reason)"
            }
        }
        let finished = event == .finished
        let json = JSON.object([
            ("schema", .string("backdrop.notification/1")),
            ("id", .string("job-\(job.id)-\(finished ? "finished" : "started")")),
            ("event", .string(event.rawValue)),
            ("user", .string(job.userName)),
            ("created_at", .string(Timestamp.string(now))),
            ("severity", .string(severity)),
            ("title", .string(heading)),
            ("message", .string(message)),
            ("job", .object([
                ("id", .string(job.displayID)),
                ("operation", .string(job.operation)),
                ("file", .string(job.fileName)),
                ("outcome", finished ? .optional(job.outcome?.rawValue) : .null),
                ("dry_run", .bool(job.dryRun)),
            ])),
            ("counts", .object([
                ("total", .int(total)),
                ("succeeded", .int(finished ? job.succeeded : 0)),
                ("failed", .int(finished ? job.failed : 0)),
            ])),
            ("summary_url", finished ? .string(configuration.summaryURL(token: job.token)) : .null),
            ("expires_at", finished ? .optional(job.expiresAt) : .null),
        ])
        let path = folder + "/" + job.userName + "/" + Self.fileName(job: job.id, event: event)
        try AtomicFile.write(json.serialized(pretty: true) + "\n", to: path)
        return path
    }
}
