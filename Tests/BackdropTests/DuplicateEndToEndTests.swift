import Foundation
import Testing
@testable import BackdropCore

/// Contract section 2, duplicates, through the real daemon: the same bytes from the same user
/// for the same operation within 24 hours, after a job that applied at least one record.
@Suite(.tags(.endToEnd), .serialized) struct DuplicateEndToEndTests {
    func outcome(_ finished: [String: Any]) -> String? { (finished["job"] as? [String: Any])?["outcome"] as? String }

    @Test func theSameBytesTwiceAreRejectedNamingTheEarlierJob() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 0}"#)
        let daemon = try deployment.start()
        let folder = IntakeDeployment.folder
        let example = try String(contentsOfFile: deployment.path("examples/create-training-records.csv"), encoding: .utf8)

        try DaemonProcess.drop(example, as: folder + "march.csv", in: deployment.root)
        #expect(outcome(try deployment.finished(1, daemon)) == "partially_succeeded")

        // The same bytes under another name: rejected, naming job 1.
        try DaemonProcess.drop(example, as: folder + "march-again.csv", in: deployment.root)
        let rejected = try deployment.finished(2, daemon)
        #expect(outcome(rejected) == "rejected")
        #expect((rejected["severity"] as? String) == "error")
        let message = try #require(rejected["message"] as? String)
        #expect(message.contains("duplicate of job 1"), "\(message)")
        #expect(message.contains("march.csv"))
        #expect(rejected["counts"] as? [String: Int] == ["total": 0, "succeeded": 0, "failed": 0])
        // Only job.finished: it never started.
        #expect(!deployment.exists("outbox/notifications/jane.doe/job-2-started.json"))
        // A summary and an email, like every rejection of a known user.
        let url = try #require((rejected["summary_url"] as? String).flatMap(URL.init(string:)))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: url.deletingLastPathComponent().appendingPathComponent("summary.json"))) as! [String: Any]
        let job = try #require(summary["job"] as? [String: Any])
        #expect(job["outcome"] as? String == "rejected")
        #expect((job["error"] as? String)?.contains("duplicate of job 1") == true)
        #expect(eventually { deployment.emails().contains { $0.contains("Subject: Create Training Records rejected") } }, "no email: \(daemon.log)")
        // The file left the inbox for var/rejected/ beside its reason; nothing more was applied.
        #expect(!deployment.exists(folder + "march-again.csv"))
        #expect(deployment.exists("var/rejected/2-march-again.csv"))
        let reason = try deployment.json("var/rejected/2-march-again.csv.reason.json")
        #expect((reason["reason"] as? String)?.contains("duplicate of job 1") == true)
        #expect(reason["job"] as? String == "2")
        let db = try deployment.database()
        #expect(try db.row("SELECT count(*) FROM training_records")?.int(0) == 4)
        #expect(try db.row("SELECT started_at IS NULL, succeeded, failed FROM jobs WHERE id = 2").map { [$0.int(0), $0.int(1), $0.int(2)] } == [1, 0, 0])

        // A third time still names the job that applied the records, not the rejection.
        try DaemonProcess.drop(example, as: folder + "march-3.csv", in: deployment.root)
        let third = try deployment.finished(3, daemon)
        #expect(outcome(third) == "rejected")
        #expect((third["message"] as? String)?.contains("duplicate of job 1") == true)

        // A dry run of the same bytes is never a duplicate.
        try DaemonProcess.drop(example, as: folder + "march.dryrun.csv", in: deployment.root)
        let dryRun = try deployment.finished(4, daemon)
        // (Every record fails now: the four good ones were applied by job 1.)
        #expect(outcome(dryRun) == "failed")
        #expect(dryRun["counts"] as? [String: Int] == ["total": 10, "succeeded": 0, "failed": 10])
        #expect((dryRun["job"] as? [String: Any])?["dry_run"] as? Bool == true)
        #expect(daemon.stop() == 0)
    }

    @Test func dryRunsJobsThatAppliedNothingOtherUsersAndOtherOperationsDoNotCount() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 0}"#)
        let daemon = try deployment.start()
        let folder = IntakeDeployment.folder

        // A dry run first: it does not count, so the real run of the same bytes is applied.
        let fresh = "PersonRef,CourseCode,CompletedOn\nP0000001,IND-001,2026-05-01\n"
        try DaemonProcess.drop(fresh, as: folder + "fresh.dryrun.csv", in: deployment.root)
        #expect(outcome(try deployment.finished(1, daemon)) == "succeeded")
        try DaemonProcess.drop(fresh, as: folder + "fresh.csv", in: deployment.root)
        let real = try deployment.finished(2, daemon)
        #expect(outcome(real) == "succeeded")
        #expect(real["counts"] as? [String: Int] == ["total": 1, "succeeded": 1, "failed": 0])

        // A job that applied nothing does not count: the same bytes run again (and fail again).
        let hopeless = "PersonRef,CourseCode,CompletedOn\nP0000099,IND-001,2026-05-01\n"
        try DaemonProcess.drop(hopeless, as: folder + "hopeless.csv", in: deployment.root)
        #expect(outcome(try deployment.finished(3, daemon)) == "failed")
        try DaemonProcess.drop(hopeless, as: folder + "hopeless-again.csv", in: deployment.root)
        let again = try deployment.finished(4, daemon)
        #expect(outcome(again) == "failed")
        #expect(again["counts"] as? [String: Int] == ["total": 1, "succeeded": 0, "failed": 1])

        // Another user with the same bytes: not a duplicate (the record itself is one, and fails as such).
        try DaemonProcess.drop(fresh, as: "inbox/north.trainer/create-training-records/fresh.csv", in: deployment.root)
        let other = try deployment.finished(5, user: "north.trainer", daemon)
        #expect(outcome(other) == "failed")
        #expect((other["message"] as? String)?.contains("duplicate of job") == false)

        // Another operation with the same bytes: not a duplicate either.
        try DaemonProcess.drop(fresh, as: "inbox/jane.doe/training-bulk-update/fresh.csv", in: deployment.root)
        let update = try deployment.finished(6, daemon)
        #expect(outcome(update) != "rejected", "\(update)")

        // And the dry run of bytes that were applied is still not a duplicate.
        try DaemonProcess.drop(fresh, as: folder + "fresh-2.dryrun.csv", in: deployment.root)
        let dry = try deployment.finished(7, daemon)
        #expect(outcome(dry) == "failed")  // the record exists now: it would fail as a duplicate record
        #expect((dry["message"] as? String)?.contains("duplicate of job") == false)

        // The real one again: now it is a duplicate of job 2, the one that applied it.
        try DaemonProcess.drop(fresh, as: folder + "fresh-3.csv", in: deployment.root)
        let duplicate = try deployment.finished(8, daemon)
        #expect(outcome(duplicate) == "rejected")
        #expect((duplicate["message"] as? String)?.contains("duplicate of job 2") == true)
        let db = try deployment.database()
        #expect(try db.row("SELECT count(*) FROM training_records")?.int(0) == 1)
        #expect(daemon.stop() == 0)
    }
}

@Suite struct DuplicateWindowTests {
    @Test func anEarlierJobOlderThan24HoursDoesNotCount() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let content = "PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-05-01\n"
        let first = try workspace.run(content)
        #expect(first.outcome == .succeeded)
        // Received 25 hours ago: the window has passed. The record itself is now a duplicate.
        let old = Timestamp.string(Date().addingTimeInterval(-25 * 3600))
        try workspace.db.execute("UPDATE jobs SET received_at = ? WHERE id = ?", [old, first.id])
        let second = try workspace.run(content, name: "again.csv")
        #expect(second.outcome == .failed)
        #expect(second.error == nil)
        // Within 24 hours it is.
        try workspace.db.execute("UPDATE jobs SET received_at = ? WHERE id = ?", [Timestamp.string(Date().addingTimeInterval(-23 * 3600)), first.id])
        let third = try workspace.run(content, name: "third.csv")
        #expect(third.outcome == .rejected)
        #expect(third.error?.contains("duplicate of job \(first.id)") == true)
    }
}
