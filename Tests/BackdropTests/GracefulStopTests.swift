import Foundation
import Testing
@testable import BackdropCore

/// Contract section 7: SIGTERM stops `backdrop serve` gracefully: the running batch commits,
/// the daemon exits 0, and the job resumes at the next start, with no record applied twice and
/// none dropped.
@Suite(.tags(.endToEnd), .serialized) struct GracefulStopTests {
    @Test func sigtermDuringALargeJobExitsZeroAndTheJobResumesWithExactCounts() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 0, "batch_seconds": 0.2}"#)
        let root = deployment.root
        var people = "PersonRef,Forename,Surname,OrgUnit\n"
        for i in 1...3000 { people += "Q\(i),F\(i),S\(i),Acme/UK/South\n" }
        try deployment.dir.write("people.csv", people)
        #expect(try runBackdrop(["load", "people", "people.csv"], in: root).code == 0)
        let total = 150_000
        var records = "PersonRef,CourseCode,CompletedOn\n"
        var expectedFailures = 0
        let courses = ["FIRE-101", "MH-200", "FA-300", "IND-001"]
        for i in 0..<total {
            if i % 997 == 500 {
                records += "Q\(i % 3000 + 1),FIRE-101,2099-01-01\n"  // in the future: fails
                expectedFailures += 1
            } else {
                records += "Q\(i % 3000 + 1),\(courses[(i / 3000) % 4]),\(Day(iso: "2019-01-01")!.adding(days: i / 12_000).description)\n"
            }
        }
        let daemon = try deployment.start()
        try DaemonProcess.drop(records, as: IntakeDeployment.folder + "big.csv", in: root)
        // Stop while a batch is in progress: just after the first one committed.
        let db = root + "/var/backdrop.db"
        let progressed = eventually(timeout: 30) {
            guard let connection = try? Database(path: db, readOnly: true),
                  let done = try? connection.row("SELECT done FROM jobs WHERE id = 1")?.int(0) else { return false }
            return done > 0
        }
        #expect(progressed, "no progress: \(daemon.log)")
        let code = daemon.stop(SIGTERM, timeout: 60)
        #expect(code == 0, "exit status \(String(describing: code)): \(daemon.log)")
        #expect(daemon.log.contains("it resumes at the next start"), "\(daemon.log)")
        #expect(daemon.log.contains("backdrop stopped"))

        let stopped = try #require(try Database(path: db, readOnly: true).row("SELECT state, done, succeeded + failed, outcome FROM jobs WHERE id = 1"))
        #expect(stopped.string(0) == "queued")
        let done = stopped.int(1) ?? -1
        #expect(done > 0 && done < total, "done \(done): the stop did not land mid-job; the test proves nothing")
        #expect(stopped.int(2) == done)
        #expect(stopped.string(3) == nil)
        let applied = try Database(path: db, readOnly: true).row("SELECT count(*) FROM training_records WHERE job_id = 1")?.int(0) ?? -1
        let failedSoFar = try Database(path: db, readOnly: true).row("SELECT count(*) FROM job_failures WHERE job_id = 1")?.int(0) ?? -1
        #expect(applied + failedSoFar == done, "what was committed does not match the progress")
        #expect(!FileManager.default.fileExists(atPath: root + "/outbox/notifications/jane.doe/job-1-finished.json"))

        let second = try deployment.start()
        let finished = try deployment.finished(1, timeout: 90, second)
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "partially_succeeded")
        #expect(finished["counts"] as? [String: Int] == ["total": total, "succeeded": total - expectedFailures, "failed": expectedFailures])
        let check = try Database(path: db, readOnly: true)
        let job = try #require(try check.row("SELECT total, succeeded, failed, done FROM jobs WHERE id = 1"))
        #expect([job.int(0), job.int(1), job.int(2), job.int(3)] == [total, total - expectedFailures, expectedFailures, total])
        #expect(try check.row("SELECT count(*) FROM training_records WHERE job_id = 1")?.int(0) == total - expectedFailures)
        #expect(try check.row("SELECT count(*) FROM job_failures WHERE job_id = 1")?.int(0) == expectedFailures)
        #expect(try check.row("SELECT count(DISTINCT line) FROM job_failures WHERE job_id = 1")?.int(0) == expectedFailures)
        #expect(second.log.contains("running create-training-records"))
        #expect(second.stop() == 0)
    }
}
