import Foundation

/// The words of the email sent when a job ends: a subject that states the operation and the
/// outcome, the counts, and the summary link with its expiry date, as plain text and HTML.
public struct EmailComposer {
    public struct Content: Equatable, Sendable {
        public let subject: String
        public let text: String
        public let html: String
    }

    let configuration: Configuration
    /// How many failures the email lists; the summary has them all.
    public static let failuresShown = 10

    public init(configuration: Configuration) { self.configuration = configuration }

    public func compose(job: Job, failures: [JobStore.Failure]) -> Content {
        let operation = job.operationTitle
        let outcome = job.outcome?.words ?? "finished"
        let total = job.total ?? 0
        let dry = job.dryRun ? " (dry run)" : ""
        var subject = "\(operation)\(dry) \(outcome): \(job.fileName)"
        if job.outcome != .rejected && job.error == nil {
            subject += ", \(job.succeeded.grouped) of \(total.grouped) record\(total == 1 ? "" : "s") \(job.dryRun ? "valid" : "applied")"
        }
        let link = configuration.summaryURL(token: job.token)
        let expiry = job.expiresAt.map { String($0.prefix(10)) } ?? "in \(configuration.retentionDays) days"
        var lines = [
            "Hello \(job.userName),",
            "",
            "your \(operation) job for \(job.fileName) has \(outcome == "finished" ? "finished" : outcome).",
        ]
        if job.dryRun { lines.append("This was a dry run: every record was checked and nothing was changed.") }
        if let error = job.error {
            lines += ["", (job.outcome == .rejected ? "Why it was rejected: " : "Nothing was applied: ") + error]
        }
        lines += [
            "",
            "Records:   \(total.grouped)",
            "Succeeded: \(job.succeeded.grouped)",
            "Failed:    \(job.failed.grouped)",
        ]
        if !failures.isEmpty {
            lines += ["", "First failures:"]
            for failure in failures.prefix(Self.failuresShown) {
                lines.append("  line \(failure.line): \(failure.reference): \(failure.reason)")
            }
            if job.failed > Self.failuresShown { lines.append("  … and \((job.failed - Self.failuresShown).grouped) more in the summary") }
        }
        lines += [
            "",
            "The summary, with every failed record and its reason:",
            link,
            "It is available until \(expiry), then deleted.",
            "",
            "Job \(job.displayID) · Backdrop",
        ]
        let e = HTML.escape
        var failureRows = ""
        for failure in failures.prefix(Self.failuresShown) {
            failureRows += "<tr><td>\(failure.line)</td><td>\(e(failure.reference))</td><td>\(e(failure.reason))</td></tr>"
        }
        let html = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(e(subject))</title></head>
            <body style="font-family: sans-serif">
            <p>Hello \(e(job.userName)),</p>
            <p>your <strong>\(e(operation))</strong> job for <strong>\(e(job.fileName))</strong> has <strong>\(e(outcome))</strong>.</p>
            \(job.dryRun ? "<p>This was a dry run: every record was checked and nothing was changed.</p>" : "")
            \(job.error.map { "<p>\(job.outcome == .rejected ? "Why it was rejected" : "Nothing was applied"): \(e($0))</p>" } ?? "")
            <table>
            <tr><td>Records</td><td>\(total.grouped)</td></tr>
            <tr><td>Succeeded</td><td>\(job.succeeded.grouped)</td></tr>
            <tr><td>Failed</td><td>\(job.failed.grouped)</td></tr>
            </table>
            \(failureRows.isEmpty ? "" : "<p>First failures:</p><table><tr><th>Line</th><th>Reference</th><th>Reason</th></tr>\(failureRows)</table>")
            <p><a href="\(e(link))">Open the summary</a> (available until \(e(expiry)), then deleted).</p>
            <p><small>Job \(e(job.displayID)) · Backdrop</small></p>
            </body></html>
            """
        return Content(subject: subject, text: lines.joined(separator: "\n") + "\n", html: html)
    }
}
