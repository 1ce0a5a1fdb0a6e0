import Foundation
import Testing
@testable import BackdropCore

/// Contract section 6: thirty days after a job ends, its summary, per-record outcomes and
/// original (archived or rejected, with its reason) go, and notifications older than that too;
/// the job's row stays with its counts and outcome.
@Suite(.serialized) struct RetentionTests {
    /// Three finished jobs: 1 partially succeeded (archived, with a failure), 2 a rejected
    /// duplicate of it, 3 another partial success.
    func deployment() throws -> (Workspace, [Job]) {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let a = "PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-05-01\nP999,FIRE-101,2026-05-01\n"
        let c = "PersonRef,CourseCode,CompletedOn\nP001,FA-300,2026-05-01\nP998,FA-300,2026-05-01\n"
        let jobs = [try workspace.run(a, name: "a.csv"), try workspace.run(a, name: "b.csv"), try workspace.run(c, name: "c.csv")]
        #expect(jobs.map(\.outcome) == [.partiallySucceeded, .rejected, .partiallySucceeded])
        return (workspace, jobs)
    }

    /// Pretends a job finished `days` ago, and its notifications were written then.
    func age(_ job: Job, days: Double, in workspace: Workspace) throws {
        let finished = Date().addingTimeInterval(-days * 86_400)
        let expires = finished.addingTimeInterval(Double(workspace.configuration.retentionDays) * 86_400)
        try workspace.db.execute("UPDATE jobs SET finished_at = ?, expires_at = ? WHERE id = ?",
                                 [Timestamp.string(finished), Timestamp.string(expires), job.id])
        for event in [NotificationWriter.Event.started, .finished] {
            let path = notification(job, event, in: workspace)
            if FileManager.default.fileExists(atPath: path) {
                try FileManager.default.setAttributes([.modificationDate: finished], ofItemAtPath: path)
            }
        }
    }

    func notification(_ job: Job, _ event: NotificationWriter.Event, in workspace: Workspace) -> String {
        workspace.configuration.notificationsFolder + "/admin/" + NotificationWriter.fileName(job: job.id, event: event)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    @Test func aJobFinished31DaysAgoIsSweptAndOneFinished29DaysAgoIsNot() throws {
        let (workspace, jobs) = try deployment()
        let configuration = workspace.configuration
        let root = workspace.folder.url.path
        let summary = { (job: Job) in configuration.summariesFolder + "/" + job.token }
        let publisher = Publisher(configuration: configuration, store: JobStore(db: workspace.db))
        // What there is before.
        #expect(jobs.allSatisfy { exists(summary($0) + "/summary.json") })
        #expect(exists(publisher.archivedPath(for: jobs[0])) && exists(publisher.archivedPath(for: jobs[2])))
        #expect(exists(publisher.rejectedPath(for: jobs[1])) && exists(publisher.rejectedPath(for: jobs[1]) + ".reason.json"))
        #expect(try workspace.count("SELECT count(*) FROM job_failures") == 2)
        #expect(exists(notification(jobs[0], .started, in: workspace)) && exists(notification(jobs[1], .finished, in: workspace)))

        try age(jobs[0], days: 31, in: workspace)
        try age(jobs[1], days: 31, in: workspace)
        try age(jobs[2], days: 29, in: workspace)
        let sweep = try runBackdrop(["sweep"], in: root)
        #expect(sweep.code == 0, "\(sweep.err)")
        #expect(sweep.out.hasPrefix("swept 2 jobs and 3 notifications as of "), "\(sweep.out)")

        // Jobs 1 and 2: their summary, failures, original and reason are gone...
        for job in jobs[0...1] { #expect(!exists(summary(job)), "summary of job \(job.id) kept") }
        #expect(!exists(publisher.archivedPath(for: jobs[0])))
        #expect(!exists(publisher.rejectedPath(for: jobs[1])))
        #expect(!exists(publisher.rejectedPath(for: jobs[1]) + ".reason.json"))
        #expect(try workspace.count("SELECT count(*) FROM job_failures WHERE job_id IN (1, 2)") == 0)
        #expect(!exists(notification(jobs[0], .started, in: workspace)))
        #expect(!exists(notification(jobs[0], .finished, in: workspace)))
        #expect(!exists(notification(jobs[1], .finished, in: workspace)))
        // ...and their rows stay, with counts and outcome, without the personal data.
        let store = JobStore(db: workspace.db)
        let first = try #require(try store.job(jobs[0].id))
        #expect(first.outcome == .partiallySucceeded)
        #expect([first.total, first.succeeded, first.failed] == [2, 1, 1])
        #expect(first.sweptAt != nil && first.path.isEmpty && first.header.isEmpty)
        let second = try #require(try store.job(jobs[1].id))
        #expect(second.outcome == .rejected && second.error == nil && second.sweptAt != nil)

        // Job 3 (29 days) is untouched.
        #expect(exists(summary(jobs[2]) + "/summary.json") && exists(summary(jobs[2]) + "/failures.csv"))
        #expect(exists(publisher.archivedPath(for: jobs[2])))
        #expect(try workspace.count("SELECT count(*) FROM job_failures WHERE job_id = 3") == 1)
        #expect(exists(notification(jobs[2], .started, in: workspace)) && exists(notification(jobs[2], .finished, in: workspace)))
        #expect(try store.job(jobs[2].id)?.sweptAt == nil)

        // `backdrop jobs` still lists all three with their counts.
        let list = try runBackdrop(["jobs"], in: root)
        #expect(list.code == 0)
        let lines = list.out.split(separator: "\n")
        #expect(lines.count == 4, "\(list.out)")
        #expect(lines.contains { $0.hasPrefix("1 ") && $0.contains("partially_succeeded") && $0.hasSuffix("1 ok, 1 failed") }, "\(list.out)")
        #expect(lines.contains { $0.hasPrefix("2 ") && $0.contains("rejected") }, "\(list.out)")
        let listed = try JSONSerialization.jsonObject(with: Data(try runBackdrop(["jobs", "--json"], in: root).out.utf8)) as! [[String: Any]]
        let one = try #require(listed.first { $0["id"] as? String == "1" })
        #expect(one["outcome"] as? String == "partially_succeeded")
        #expect(one["counts"] as? [String: Int] == ["total": 2, "succeeded": 1, "failed": 1])
        #expect(one["summary_url"] is NSNull)
        let shown = try runBackdrop(["job", "1"], in: root)
        #expect(shown.code == 0 && shown.out.contains("Swept:") && !shown.out.contains("Failures:"), "\(shown.out)")

        // A second sweep is harmless.
        let again = try runBackdrop(["sweep"], in: root)
        #expect(again.code == 0)
        #expect(again.out.hasPrefix("swept 0 jobs and 0 notifications"), "\(again.out)")
        #expect(exists(summary(jobs[2]) + "/summary.json"))
        #expect(try store.job(jobs[0].id)?.succeeded == 1)
    }

    @Test func sweepAsOfADayAheadSweepsWhatFallsDueByThen() throws {
        let (workspace, jobs) = try deployment()
        let root = workspace.folder.url.path
        let today = Day.today()
        let early = try runBackdrop(["sweep", "--as-of", today.adding(days: 29).description], in: root)
        #expect(early.code == 0)
        #expect(early.out.hasPrefix("swept 0 jobs and 0 notifications"), "\(early.out)")
        #expect(jobs.allSatisfy { exists(workspace.configuration.summariesFolder + "/" + $0.token) })
        let due = try runBackdrop(["sweep", "--as-of", today.adding(days: 31).description], in: root)
        #expect(due.code == 0)
        #expect(due.out.hasPrefix("swept 3 jobs and 5 notifications"), "\(due.out)")
        #expect(jobs.allSatisfy { !exists(workspace.configuration.summariesFolder + "/" + $0.token) })
        #expect(try workspace.count("SELECT count(*) FROM jobs WHERE swept_at IS NOT NULL") == 3)
        #expect(try workspace.count("SELECT count(*) FROM job_failures") == 0)
        #expect(try workspace.count("SELECT count(*) FROM jobs WHERE total = 2") == 2)
    }

    @Test(.tags(.endToEnd)) func theDaemonSweepsWhenItStarts() throws {
        let (workspace, jobs) = try deployment()
        try age(jobs[0], days: 31, in: workspace)
        let summary = workspace.configuration.summariesFolder + "/" + jobs[0].token
        #expect(exists(summary))
        let daemon = try DaemonProcess(folder: workspace.folder.url.path)
        #expect(eventually(timeout: 5) { !exists(summary) }, "not swept at start: \(daemon.log)")
        #expect(exists(workspace.configuration.summariesFolder + "/" + jobs[2].token))
        #expect(try workspace.count("SELECT count(*) FROM jobs WHERE swept_at IS NOT NULL") == 1)
        #expect(daemon.stop() == 0)
    }
}
