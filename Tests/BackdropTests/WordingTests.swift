import Foundation
import Testing
@testable import BackdropCore

/// Titles and subjects a user reads, word for word.
@Suite struct WordingTests {
    @Test func aFileDroppedInTheWrongPlaceIsAFileRejected() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let store = JobStore(db: workspace.db)
        let path = try workspace.folder.write("inbox/admin/top.csv", "a\n1\n")
        let job = try store.createClaiming(userName: "admin", operation: "", fileName: "top.csv", inboxPath: path, dryRun: false)
        try Publisher(configuration: workspace.configuration, store: store).reject(job, reason: "top.csv was dropped directly in inbox/admin/")
        let notification = try workspace.readJSON(workspace.configuration.notificationsFolder + "/admin/job-\(job.id)-finished.json")
        #expect(notification["title"] as? String == "File rejected")
        #expect(notification["message"] as? String == "Rejected: top.csv was dropped directly in inbox/admin/")
        let content = EmailComposer(configuration: workspace.configuration).compose(job: try store.job(job.id)!, failures: [])
        #expect(content.subject == "File rejected: top.csv")
    }

    @Test(arguments: [
        ("PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-03-01\n", "Create Training Records succeeded: r.csv, 1 of 1 record applied"),
        ("PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-03-01\nP999,FIRE-101,2026-03-01\n", "Create Training Records partially succeeded: r.csv, 1 of 2 records applied"),
        ("PersonRef,CourseCode,CompletedOn\nP999,FIRE-101,2026-03-01\n", "Create Training Records failed: r.csv, 0 of 1 record applied"),
        ("PersonRef,CourseCode\nP001,FIRE-101\n", "Create Training Records failed: r.csv"),
    ])
    func subjectsStateTheOperationAndTheOutcome(_ csv: String, _ subject: String) throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run(csv, name: "r.csv")
        let content = EmailComposer(configuration: workspace.configuration).compose(job: job, failures: try workspace.failures(job))
        #expect(content.subject == subject)
    }
}
