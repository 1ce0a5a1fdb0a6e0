import Foundation

/// `backdrop jobs` and `backdrop job ID`: what an admin needs without opening the database.
struct JobsReport {
    let configuration: Configuration
    let out: (String) -> Void

    private func open() throws -> Database {
        guard FileManager.default.fileExists(atPath: configuration.databasePath) else {
            throw CommandError.noInput("no database at \(configuration.databasePath); run 'backdrop serve' or 'backdrop load' first")
        }
        return try Store.open(configuration)
    }

    func json(_ job: Job, mail: MailOutbox.Entry?) -> JSON {
        guard case .object(var fields) = SummaryWriter(configuration: configuration).jobJSON(job) else { return .null }
        fields.append(("state", .string(job.state == .claiming ? "queued" : job.state.rawValue)))
        fields.append(("counts", .object([("total", job.total.map(JSON.int) ?? .null), ("succeeded", .int(job.succeeded)), ("failed", .int(job.failed))])))
        if job.state == .running {
            fields.append(("progress", .object([("done", .int(job.done)), ("total", job.total.map(JSON.int) ?? .null)])))
        }
        fields.append(("summary_url", job.publishedAt != nil && job.sweptAt == nil ? .string(configuration.summaryURL(token: job.token)) : .null))
        fields.append(("email", mail.map(emailJSON) ?? .null))
        return .object(fields)
    }

    func emailJSON(_ entry: MailOutbox.Entry) -> JSON {
        .object([
            ("state", .string(entry.state)),
            ("to", .string(entry.recipient)),
            ("message_id", .string(entry.messageID)),
            ("attempts", .int(entry.attempts)),
            ("sent_at", .optional(entry.sentAt)),
            ("next_attempt_at", entry.state == "retrying" || entry.state == "queued" ? .string(entry.nextAttemptAt) : .null),
            ("last_error", .optional(entry.lastError)),
        ])
    }

    func list(_ options: [String]) throws {
        let asJSON = options.contains("--json")
        if let extra = options.first(where: { $0 != "--json" }) { throw CommandError.usage("'jobs' takes no argument '\(extra)'") }
        let db = try open()
        let jobs = try JobStore(db: db).all()
        let outbox = MailOutbox(db: db, configuration: configuration)
        if asJSON {
            out(JSON.array(try jobs.map { json($0, mail: try outbox.entry(forJob: $0.id)) }).serialized(pretty: true) + "\n")
            return
        }
        if jobs.isEmpty {
            out("No jobs yet. Drop a file in \(configuration.inbox)/<user>/<operation>/.\n")
            return
        }
        var lines = [["ID", "STATE", "OUTCOME", "OPERATION", "USER", "FILE", "RECORDS"]]
        for job in jobs {
            let records: String
            switch job.state {
            case .running: records = "\(job.done.grouped) of \((job.total ?? 0).grouped) done"
            case .finished: records = "\(job.succeeded.grouped) ok, \(job.failed.grouped) failed"
            default: records = "-"
            }
            lines.append([job.displayID, job.state == .claiming ? "queued" : job.state.rawValue, job.outcome?.rawValue ?? "-",
                          job.operation.isEmpty ? "-" : job.operation + (job.dryRun ? " (dry run)" : ""), job.userName.isEmpty ? "-" : job.userName,
                          job.fileName, records])
        }
        out(table(lines))
    }

    func show(_ options: [String]) throws {
        let asJSON = options.contains("--json")
        let ids = options.filter { $0 != "--json" }
        guard ids.count == 1 else { throw CommandError.usage("job needs one job ID: backdrop job ID") }
        guard let id = Int64(ids[0]) else { throw CommandError.usage("'\(ids[0])' is not a job ID; 'backdrop jobs' lists them") }
        let db = try open()
        let store = JobStore(db: db)
        guard let job = try store.job(id) else { throw CommandError.noInput("no job \(id); 'backdrop jobs' lists them") }
        let mail = try MailOutbox(db: db, configuration: configuration).entry(forJob: id)
        let failures = try store.failures(id, limit: asJSON ? Int.max : 50)
        if asJSON {
            guard case .object(var fields) = json(job, mail: mail) else { return }
            fields.append(("ignored_columns", .array(job.ignoredColumns.map(JSON.string))))
            fields.append(("failures", .array(failures.map {
                .object([("line", .int($0.line)), ("reference", .string($0.reference)), ("reason", .string($0.reason))])
            })))
            out(JSON.object(fields).serialized(pretty: true) + "\n")
            return
        }
        var text = "Job \(job.id): \(job.operation)\(job.dryRun ? " (dry run)" : "") by \(job.userName.isEmpty ? "-" : job.userName)\n"
        text += "  File:       \(job.fileName)\n"
        text += "  State:      \(job.state == .claiming ? "queued" : job.state.rawValue)\n"
        text += "  Outcome:    \(job.outcome?.words ?? "-")\n"
        if let error = job.error { text += "  Error:      \(error)\n" }
        text += "  Received:   \(job.receivedAt)\n"
        text += "  Started:    \(job.startedAt ?? "-")\n"
        text += "  Finished:   \(job.finishedAt ?? "-")\n"
        if job.state == .running { text += "  Progress:   \(job.done.grouped) of \((job.total ?? 0).grouped)\n" }
        text += "  Records:    \((job.total ?? 0).grouped) (\(job.succeeded.grouped) succeeded, \(job.failed.grouped) failed)\n"
        if !job.ignoredColumns.isEmpty { text += "  Ignored:    \(job.ignoredColumns.joined(separator: ", "))\n" }
        if job.publishedAt != nil && job.sweptAt == nil {
            text += "  Summary:    \(configuration.summaryURL(token: job.token)) (until \(job.expiresAt ?? "-"))\n"
        }
        if let swept = job.sweptAt { text += "  Swept:      \(swept) (retention; counts kept)\n" }
        text += "  Email:      \(mail.map(emailLine) ?? "none yet")\n"
        if !failures.isEmpty {
            text += "  Failures:\n"
            for failure in failures.prefix(50) { text += "    line \(failure.line): \(failure.reference): \(failure.reason)\n" }
            if job.failed > 50 { text += "    … and \((job.failed - 50).grouped) more in the summary\n" }
        }
        out(text)
    }

    func emailLine(_ entry: MailOutbox.Entry) -> String {
        switch entry.state {
        case "sent": return "sent to \(entry.recipient) at \(entry.sentAt ?? "-")"
        case "queued": return "queued for \(entry.recipient)"
        case "retrying": return "retrying (attempt \(entry.attempts) failed: \(entry.lastError ?? "-")); next attempt at \(entry.nextAttemptAt)"
        case "failed": return "failed: \(entry.lastError ?? "-")"
        default: return entry.state
        }
    }

    private func table(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
