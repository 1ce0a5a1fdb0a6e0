import Foundation
import Testing
@testable import BackdropCore

@Suite(.tags(.endToEnd), .serialized) struct EndToEndTests {
    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    @Test func aDroppedFileGoesFromInboxToSummaryNotificationsAndEmail() throws {
        let dir = try TemporaryFolder()
        let root = dir.url.path
        try dir.write("backdrop.json", #"{"settle_ms": 100, "summary_base_url": "https://backdrop.example.com/s/"}"#)
        #expect(try runBackdrop(["demo"], in: root).code == 0)
        let daemon = try DaemonProcess(folder: root)
        try DaemonProcess.drop(String(contentsOfFile: root + "/examples/create-training-records.csv", encoding: .utf8),
                               as: "inbox/jane.doe/create-training-records/march.csv", in: root)
        let finishedPath = root + "/outbox/notifications/jane.doe/job-1-finished.json"
        #expect(eventually { FileManager.default.fileExists(atPath: finishedPath) }, "no job.finished: \(daemon.log)")

        let started = try json(root + "/outbox/notifications/jane.doe/job-1-started.json")
        #expect(started["event"] as? String == "job.started")
        #expect(started["message"] as? String == "Processing 10 records from march.csv")
        let finished = try json(finishedPath)
        #expect(finished["schema"] as? String == "backdrop.notification/1")
        #expect(finished["severity"] as? String == "warning")
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "partially_succeeded")
        #expect(finished["counts"] as? [String: Int] == ["total": 10, "succeeded": 4, "failed": 6])
        let url = try #require(finished["summary_url"] as? String)
        #expect(url.hasPrefix("https://backdrop.example.com/s/"))
        let token = String(url.dropFirst("https://backdrop.example.com/s/".count))
        #expect(token.count == 32)

        let summaryFolder = root + "/outbox/summaries/" + token
        let summary = try json(summaryFolder + "/summary.json")
        let failures = try #require(summary["failures"] as? [[String: Any]])
        #expect(failures.map { $0["line"] as? Int } == [6, 7, 8, 9, 10, 11])
        #expect(failures.first?["reason"] as? String == "Person P0000099 not found")
        let html = try String(contentsOfFile: summaryFolder + "/index.html", encoding: .utf8)
        #expect(html.contains("Person P0000099 not found"))
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("<link"))
        let csv = try String(contentsOfFile: summaryFolder + "/failures.csv", encoding: .utf8)
        #expect(csv.hasPrefix("PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments,Line,Reason\r\n"))

        // The email is sent by the delivery loop just after the job is published.
        var mails: [String] = []
        #expect(eventually {
            mails = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/outbox/mail")) ?? []).filter { $0.hasSuffix(".eml") }
            return !mails.isEmpty
        })
        #expect(mails.count == 1)
        let eml = try String(contentsOfFile: root + "/outbox/mail/" + mails[0], encoding: .utf8)
        #expect(eml.contains("To: \"jane.doe\" <jane.doe@example.com>"))
        #expect(eml.contains("Subject: Create Training Records partially succeeded"))
        #expect(eml.contains("multipart/alternative"))
        #expect(eml.replacingOccurrences(of: "=\r\n", with: "").contains(token))

        // The original left the inbox for the archive.
        #expect(!FileManager.default.fileExists(atPath: root + "/inbox/jane.doe/create-training-records/march.csv"))
        #expect(FileManager.default.fileExists(atPath: root + "/var/archive/1-march.csv"))
        #expect(daemon.stop(SIGTERM) == 0)
    }

    @Test func rejectedFilesMoveOutWithTheirReason() throws {
        let dir = try TemporaryFolder()
        let root = dir.url.path
        try dir.write("backdrop.json", #"{"settle_ms": 50}"#)
        #expect(try runBackdrop(["demo"], in: root).code == 0)
        let daemon = try DaemonProcess(folder: root)
        try DaemonProcess.drop("x", as: "inbox/jane.doe/create-training-records/notes.txt", in: root)
        try DaemonProcess.drop("PersonRef\n", as: "inbox/ghost/create-training-records/a.csv", in: root)
        try DaemonProcess.drop("RoleRef\nR1\n", as: "inbox/north.trainer/update-roles/roles.csv", in: root)
        #expect(eventually { ((try? FileManager.default.contentsOfDirectory(atPath: root + "/var/rejected")) ?? []).filter { $0.hasSuffix(".reason.json") }.count == 3 },
                "not all rejected: \(daemon.log)")
        let reasons = try FileManager.default.contentsOfDirectory(atPath: root + "/var/rejected").filter { $0.hasSuffix(".reason.json") }
            .map { try json(root + "/var/rejected/" + $0)["reason"] as? String ?? "" }.sorted()
        #expect(reasons == ["ghost is not an active Backdrop user", "notes.txt is neither a .csv nor an .xml file", "user north.trainer has no grant for update-roles"])
        // Known users are told; the unknown one is not.
        #expect(eventually { FileManager.default.fileExists(atPath: root + "/outbox/notifications/north.trainer") })
        let told = try FileManager.default.contentsOfDirectory(atPath: root + "/outbox/notifications/north.trainer")
        #expect(told.count == 1 && told[0].hasSuffix("-finished.json"))
        #expect(!FileManager.default.fileExists(atPath: root + "/outbox/notifications/ghost"))
        #expect(daemon.stop() == 0)
    }

    @Test func aDaemonKilledMidJobResumesWithoutApplyingARecordTwiceOrDroppingOne() throws {
        let dir = try TemporaryFolder()
        let root = dir.url.path
        try dir.write("backdrop.json", #"{"settle_ms": 0, "batch_seconds": 0.2}"#)
        #expect(try runBackdrop(["demo"], in: root).code == 0)
        var people = "PersonRef,Forename,Surname,OrgUnit\n"
        for i in 1...2000 { people += "Q\(i),F\(i),S\(i),Acme/UK/North\n" }
        try dir.write("people.csv", people)
        #expect(try runBackdrop(["load", "people", "people.csv"], in: root).code == 0)
        var records = "PersonRef,CourseCode,CompletedOn\n"
        var expectedFailures = 0
        let courses = ["FIRE-101", "MH-200", "FA-300", "IND-001"]
        // Large enough that the first batch (0.2 s) commits well before the end.
        let rows = 150_000
        for i in 0..<rows {
            if i % 1000 == 999 {
                records += "Q\(i % 2000 + 1),NOPE,2026-01-01\n"
                expectedFailures += 1
            } else {
                records += "Q\(i % 2000 + 1),\(courses[(i / 2000) % 4]),\(Day(iso: "2020-01-01")!.adding(days: i / 8000).description)\n"
            }
        }
        let daemon = try DaemonProcess(folder: root)
        try DaemonProcess.drop(records, as: "inbox/jane.doe/create-training-records/big.csv", in: root)
        let db = root + "/var/backdrop.db"
        let progressed = eventually(timeout: 30) {
            guard let connection = try? Database(path: db, readOnly: true),
                  let done = try? connection.row("SELECT done FROM jobs WHERE id = 1")?.int(0) else { return false }
            return done > 0
        }
        #expect(progressed, "no progress: \(daemon.log)")
        daemon.stop(SIGKILL)
        let doneAtKill = try Database(path: db, readOnly: true).row("SELECT done, state FROM jobs WHERE id = 1")
        #expect(doneAtKill?.int(0) ?? 0 < rows, "the job finished before the kill; the test proves nothing")

        let second = try DaemonProcess(folder: root)
        #expect(eventually(timeout: 60) { FileManager.default.fileExists(atPath: root + "/outbox/notifications/jane.doe/job-1-finished.json") },
                "no job.finished after restart: \(second.log)")
        let check = try Database(path: db, readOnly: true)
        let job = try #require(try check.row("SELECT total, succeeded, failed, done FROM jobs WHERE id = 1"))
        #expect(job.int(0) == rows)
        #expect(job.int(1) == rows - expectedFailures)
        #expect(job.int(2) == expectedFailures)
        #expect(try check.row("SELECT count(*) FROM training_records WHERE job_id = 1")?.int(0) == rows - expectedFailures)
        #expect(try check.row("SELECT count(*) FROM job_failures WHERE job_id = 1")?.int(0) == expectedFailures)
        #expect(second.stop() == 0)
    }
}

@Suite(.tags(.endToEnd)) struct DemoExampleTests {
    /// What each example is expected to do on the demo data: succeeded and failed counts.
    static let expected: [OperationKind: (succeeded: Int, failed: Int)] = [
        .createTrainingRecords: (4, 6), .trainingBulkUpdate: (2, 1), .createRolesAndTraining: (1, 1),
        .addCoursesToRoles: (1, 2), .updateRoles: (2, 1), .autoArchiveTraining: (1, 1), .bulkDelete: (2, 2),
    ]

    @Test func everyDemoExampleRunsInOrderWithItsFailures() throws {
        let dir = try TemporaryFolder()
        let root = dir.url.path
        try dir.write("backdrop.json", #"{"settle_ms": 0}"#)
        #expect(try runBackdrop(["demo"], in: root).code == 0)
        let daemon = try DaemonProcess(folder: root)
        for (index, (kind, _)) in DemoExamples.files.enumerated() {
            let text = try String(contentsOfFile: root + "/examples/\(kind.rawValue).csv", encoding: .utf8)
            try DaemonProcess.drop(text, as: "inbox/jane.doe/\(kind.rawValue)/\(kind.rawValue).csv", in: root)
            let finished = root + "/outbox/notifications/jane.doe/job-\(index + 1)-finished.json"
            #expect(eventually { FileManager.default.fileExists(atPath: finished) }, "\(kind.rawValue): \(daemon.log)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: finished))) as? [String: Any]
            let counts = json?["counts"] as? [String: Int]
            let want = try #require(Self.expected[kind])
            #expect(counts?["succeeded"] == want.succeeded && counts?["failed"] == want.failed, "\(kind.rawValue): \(String(describing: counts))")
        }
        #expect(daemon.stop() == 0)
    }
}
