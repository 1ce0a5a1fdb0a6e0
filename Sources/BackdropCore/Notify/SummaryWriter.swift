import Foundation

/// A job's summary folder, `outbox/summaries/<token>/`: a self-contained `index.html`,
/// `summary.json` and `failures.csv`. The folder is built beside its final place and renamed in,
/// so a reader never sees half of it; writing it again replaces it.
public struct SummaryWriter {
    let configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    public func folder(for job: Job) -> String { configuration.summariesFolder + "/" + job.token }

    /// Writes the folder, reading the failures from the store as it goes.
    @discardableResult
    public func write(job: Job, store: JobStore) throws -> String {
        try write(job: job, failures: FailureSource { withFields, body in try store.eachFailure(job.id, withFields: withFields, body) })
    }

    /// Writes the folder from a list of failures already in memory.
    @discardableResult
    public func write(job: Job, failures: [JobStore.Failure]) throws -> String {
        try write(job: job, failures: FailureSource { _, body in try failures.forEach(body) })
    }

    /// A job's failures, in file order, read once per file written.
    struct FailureSource {
        /// Calls `body` once per failure; `withFields` says whether the rows as written are needed.
        let each: (_ withFields: Bool, _ body: (JobStore.Failure) throws -> Void) throws -> Void
    }

    private func write(job: Job, failures: FailureSource) throws -> String {
        let final = folder(for: job)
        let staging = configuration.summariesFolder + "/.staging-" + job.token + "-" + Token.make().prefix(8)
        let manager = FileManager.default
        try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? manager.removeItem(atPath: staging) }
        try writeJSON(job: job, failures: failures, to: try StreamingFile(path: staging + "/summary.json"))
        try writeCSV(job: job, failures: failures, to: try StreamingFile(path: staging + "/failures.csv"))
        try writeHTML(job: job, failures: failures, to: try StreamingFile(path: staging + "/index.html"))
        AtomicFile.syncFolder(staging)
        // Replacing an earlier version: move it aside first, so the link is never dead for
        // longer than between two renames.
        if manager.fileExists(atPath: final) {
            let old = staging + ".old"
            try manager.moveItem(atPath: final, toPath: old)
            defer { try? manager.removeItem(atPath: old) }
            try manager.moveItem(atPath: staging, toPath: final)
        } else {
            try manager.moveItem(atPath: staging, toPath: final)
        }
        AtomicFile.syncFolder(configuration.summariesFolder)
        return final
    }

    func jobJSON(_ job: Job) -> JSON {
        .object([
            ("id", .string(job.displayID)),
            ("operation", .string(job.operation)),
            ("file", .string(job.fileName)),
            ("user", .string(job.userName)),
            ("dry_run", .bool(job.dryRun)),
            ("outcome", .optional(job.outcome?.rawValue)),
            ("error", .optional(job.error)),
            ("started_at", .optional(job.startedAt)),
            ("finished_at", .optional(job.finishedAt)),
            ("expires_at", .optional(job.expiresAt)),
        ])
    }

    /// `summary.json`: the job, its counts, the ignored columns, then every failure.
    func writeJSON(job: Job, failures: FailureSource, to file: StreamingFile) throws {
        let head = JSON.object([
            ("schema", .string("backdrop.summary/1")),
            ("job", jobJSON(job)),
            ("counts", .object([("total", .int(job.total ?? 0)), ("succeeded", .int(job.succeeded)), ("failed", .int(job.failed))])),
            ("ignored_columns", .array(job.ignoredColumns.map(JSON.string))),
        ]).serialized(pretty: true)
        try file.write(String(head.dropLast(2)) + ",\n  \"failures\": [")
        var first = true
        try failures.each(false) { failure in
            let item = JSON.object([("line", .int(failure.line)), ("reference", .string(failure.reference)), ("reason", .string(failure.reason))])
            try file.write((first ? "\n    " : ",\n    ") + item.serialized())
            first = false
        }
        try file.write(first ? "]\n}\n" : "\n  ]\n}\n")
        try file.finish()
    }

    /// The failed rows as they were in the file, then `Line` and `Reason`: fix them and drop the
    /// file again (the two extra columns are ignored on the way back in).
    func writeCSV(job: Job, failures: FailureSource, to file: StreamingFile) throws {
        let writer = CSVWriter()
        let width = job.header.count
        try file.write(writer.line(job.header + ["Line", "Reason"]))
        try failures.each(true) { failure in
            var fields = failure.fields
            if fields.count < width { fields += Array(repeating: "", count: width - fields.count) }
            if fields.count > width { fields = Array(fields[0..<width]) }
            try file.write(writer.line(fields + [String(failure.line), failure.reason]))
        }
        try file.finish()
    }

    func writeHTML(job: Job, failures: FailureSource, to file: StreamingFile) throws {
        let e = HTML.escape
        let title = job.operationTitle + (job.dryRun ? " (dry run)" : "")
        let outcome = job.outcome?.words ?? "in progress"
        let ignored = job.ignoredColumns.isEmpty ? "" :
            "<p>Columns ignored (not used by this operation): \(job.ignoredColumns.map(e).joined(separator: ", ")).</p>\n"
        let error = job.error.map { "<p class=\"error\"><strong>\(job.outcome == .rejected ? "Rejected" : "Nothing was applied"):</strong> \(e($0))</p>\n" } ?? ""
        let dryRun = job.dryRun ? "<p class=\"note\">This was a dry run: every record was checked, nothing was changed.</p>\n" : ""
        try file.write("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex">
            <title>\(e(title)): \(e(outcome)) — \(e(job.fileName))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d1d1f; max-width: 70rem; }
            h1 { font-size: 1.4rem; }
            dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; }
            dt { font-weight: 600; }
            table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
            th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
            th { background: #f3f3f3; }
            td.num { text-align: right; }
            .outcome-succeeded { color: #11722b; } .outcome-partially_succeeded { color: #9a5b00; }
            .outcome-failed, .outcome-rejected, .error { color: #b00020; }
            .note { background: #eef4ff; padding: .5rem; }
            </style>
            </head>
            <body>
            <h1>\(e(title)): <span class="outcome-\(e(job.outcome?.rawValue ?? ""))">\(e(outcome))</span></h1>
            \(dryRun)\(error)<dl>
            <dt>Operation</dt><dd>\(e(job.operationTitle))</dd>
            <dt>File</dt><dd>\(e(job.fileName))</dd>
            <dt>Initiated by</dt><dd>\(e(job.userName))</dd>
            <dt>Started</dt><dd>\(e(job.startedAt ?? "did not start"))</dd>
            <dt>Finished</dt><dd>\(e(job.finishedAt ?? "—"))</dd>
            <dt>Outcome</dt><dd>\(e(outcome))</dd>
            <dt>Records</dt><dd>\((job.total ?? 0).grouped)</dd>
            <dt>Succeeded</dt><dd>\(job.succeeded.grouped)</dd>
            <dt>Failed</dt><dd>\(job.failed.grouped)</dd>
            <dt>Job</dt><dd>\(e(job.displayID))</dd>
            </dl>
            \(ignored)<h2>Failed records</h2>

            """)
        var any = false
        try failures.each(false) { failure in
            if !any {
                try file.write("<table>\n<thead><tr><th>Line</th><th>Reference</th><th>Reason</th></tr></thead>\n<tbody>\n")
                any = true
            }
            try file.write("<tr><td class=\"num\">\(failure.line)</td><td>\(e(failure.reference))</td><td>\(e(failure.reason))</td></tr>\n")
        }
        if any {
            try file.write("""
                </tbody>
                </table>
                <p>The failed rows, with their line and reason, are in <a href="failures.csv">failures.csv</a>: fix them and drop that file again.</p>

                """)
        } else {
            try file.write("<p>No record failed.</p>\n")
        }
        try file.write("""
            <p><small>This page is deleted on \(e(job.expiresAt ?? "—")).</small></p>
            </body>
            </html>

            """)
        try file.finish()
    }
}
