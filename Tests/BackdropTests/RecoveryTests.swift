import Foundation
import Testing
@testable import BackdropCore

/// What the daemon finds at start after a crash in the middle of taking or refusing a file.
@Suite struct RecoveryTests {
    func intake(_ workspace: Workspace) throws -> Intake {
        try Intake(configuration: workspace.configuration, log: Log(quiet: true), onQueued: {})
    }

    @Test func aRefusalInterruptedAfterTheFileMovedIsFinished() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let store = JobStore(db: workspace.db)
        let dropped = try workspace.folder.write("inbox/admin/create-training-records/notes.txt", "x")
        var job = try store.createClaiming(userName: "admin", operation: "create-training-records", fileName: "notes.txt",
                                           inboxPath: dropped, dryRun: false)
        try workspace.db.execute("UPDATE jobs SET error = 'notes.txt is neither a .csv nor an .xml file' WHERE id = ?", [job.id])
        job = try store.job(job.id)!
        let rejected = Publisher(configuration: workspace.configuration, store: store).rejectedPath(for: job)
        try FileManager.default.createDirectory(atPath: workspace.configuration.rejectedFolder, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: dropped, toPath: rejected)  // ... and the crash came here

        try intake(workspace).recoverClaims()
        let after = try #require(try store.job(job.id))
        #expect(after.state == .finished)
        #expect(after.outcome == .rejected)
        #expect(after.publishedAt != nil)
        #expect(FileManager.default.fileExists(atPath: rejected + ".reason.json"))
        #expect(FileManager.default.fileExists(atPath: workspace.configuration.notificationsFolder + "/admin/job-\(job.id)-finished.json"))
    }

    @Test(arguments: [true, false])
    func aClaimInterruptedBeforeOrAfterTheRenameIsSettled(_ renamed: Bool) throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let store = JobStore(db: workspace.db)
        let dropped = try workspace.folder.write("inbox/admin/create-training-records/r.csv", "PersonRef\nP001\n")
        let job = try store.createClaiming(userName: "admin", operation: "create-training-records", fileName: "r.csv",
                                           inboxPath: dropped, dryRun: false)
        let claimed = workspace.configuration.claimedFolder + "/\(job.id)-r.csv"
        if renamed {
            try FileManager.default.createDirectory(atPath: workspace.configuration.claimedFolder, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: dropped, toPath: claimed)
        }
        try intake(workspace).recoverClaims()
        if renamed {
            #expect(try store.job(job.id)?.state == .queued)
            #expect(try store.job(job.id)?.path == claimed)
        } else {
            // Forgotten: the file is still in the inbox, and the scan takes it again.
            #expect(try store.job(job.id) == nil)
            #expect(FileManager.default.fileExists(atPath: dropped))
        }
    }
}
