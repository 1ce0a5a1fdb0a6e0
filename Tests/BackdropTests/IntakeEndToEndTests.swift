import Foundation
import Testing
@testable import BackdropCore

/// Contract sections 1 and 2 through the real `backdrop serve`: when a file is taken, what is
/// left alone, what is refused, and which folders are watched.
@Suite(.tags(.endToEnd), .serialized) struct IntakeEndToEndTests {
    let folder = IntakeDeployment.folder

    @Test func aFileAlreadyThereWhenTheDaemonStartsIsTaken() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 100}"#)
        try deployment.writeInPlace(folder + "early.csv", uniqueRecords(3))
        let daemon = try deployment.start()
        // Found only by the first scan: taken after the 5 seconds of the contract.
        let finished = try deployment.finished(1, timeout: 12, daemon)
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "succeeded")
        #expect(finished["counts"] as? [String: Int] == ["total": 3, "succeeded": 3, "failed": 0])
        #expect(!deployment.exists(folder + "early.csv"))
        #expect(deployment.exists("var/archive/1-early.csv"))
        #expect(daemon.stop() == 0)
    }

    @Test func aFileWrittenInPlaceIsTakenOnlyAfterItIsClosedAndSettled() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 300}"#)
        let daemon = try deployment.start()
        let target = deployment.path(folder + "inplace.csv")
        #expect(FileManager.default.createFile(atPath: target, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: target))
        let content = uniqueRecords(6)
        let half = content.index(content.startIndex, offsetBy: content.count / 2)
        try handle.write(contentsOf: Data(content[..<half].utf8))
        // Open and written: not complete, whatever the settle time says (here twice over).
        usleep(700_000)
        #expect(deployment.exists(folder + "inplace.csv"), "taken while still open: \(daemon.log)")
        try handle.write(contentsOf: Data(content[half...].utf8))
        usleep(700_000)
        #expect(deployment.exists(folder + "inplace.csv"), "taken while still open: \(daemon.log)")
        #expect(deployment.jobCount() == 0)
        try handle.close()
        let closedAt = Date()
        #expect(eventually(timeout: 4) { !deployment.exists(folder + "inplace.csv") }, "not taken after close: \(daemon.log)")
        #expect(Date().timeIntervalSince(closedAt) < 4.5, "taken by the 5-second scan rule, not by the close")
        let finished = try deployment.finished(1, daemon)
        // Both halves made it: the job saw the whole file.
        #expect(finished["counts"] as? [String: Int] == ["total": 6, "succeeded": 6, "failed": 0])
        #expect(daemon.stop() == 0)
    }

    @Test func inProgressNamesAreLeftAloneUntilRenamed() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 0, "rescan_seconds": 0.3}"#)
        let daemon = try deployment.start()
        let names = [".x.csv", "a.csv.tmp", "b.csv.part", "c.csv.partial", "d.csv.filepart", "e.csv.crdownload", "f.csv~",
                     "g.csv.PART", "h.xml.Tmp", "i.txt.part"]
        for (index, name) in names.enumerated() {
            try deployment.writeInPlace(folder + name, uniqueRecords(1, from: index))
        }
        // A file dropped after them is taken; by then they were seen (events come in order),
        // and a few rescans go by.
        try DaemonProcess.drop(uniqueRecords(1, from: 100), as: folder + "sentinel.csv", in: deployment.root)
        _ = try deployment.finished(1, daemon)
        usleep(1_000_000)
        for name in names { #expect(deployment.exists(folder + name), "\(name) was taken") }
        #expect(deployment.jobCount() == 1)
        #expect(deployment.rejections().isEmpty)

        // Renamed into place: taken.
        try FileManager.default.moveItem(atPath: deployment.path(folder + "b.csv.part"), toPath: deployment.path(folder + "b.csv"))
        try FileManager.default.moveItem(atPath: deployment.path(folder + ".x.csv"), toPath: deployment.path(folder + "x.csv"))
        let second = try deployment.finished(2, daemon)
        let third = try deployment.finished(3, daemon)
        let files = [second, third].compactMap { ($0["job"] as? [String: Any])?["file"] as? String }.sorted()
        #expect(files == ["b.csv", "x.csv"])
        #expect(!deployment.exists(folder + "b.csv") && !deployment.exists(folder + "x.csv"))
        #expect(deployment.jobCount() == 3)
        #expect(daemon.stop() == 0)
    }

    @Test func aSymbolicLinkOrAFifoIsRejectedAndTheTargetIsUntouched() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 100}"#)
        let daemon = try deployment.start()
        let secret = uniqueRecords(2)
        try deployment.writeInPlace("secret.csv", secret)
        #expect(symlink(deployment.path("secret.csv"), deployment.path(folder + "link.csv")) == 0)
        #expect(symlink(deployment.path("examples"), deployment.path(folder + "folder.csv")) == 0)
        #expect(mkfifo(deployment.path(folder + "pipe.csv"), 0o600) == 0)
        #expect(eventually(timeout: 8) { deployment.rejections().count == 3 }, "not rejected: \(daemon.log)")
        let reasons = deployment.rejections()
        let all = reasons.values.compactMap { $0["reason"] as? String }.sorted()
        #expect(all == ["folder.csv is a symbolic link; drop the file itself", "link.csv is a symbolic link; drop the file itself",
                        "pipe.csv is not a regular file"])
        // The link itself moved out of the inbox; what it pointed to is as it was.
        #expect(!deployment.exists(folder + "link.csv") && !deployment.exists(folder + "pipe.csv"))
        #expect(try String(contentsOfFile: deployment.path("secret.csv"), encoding: .utf8) == secret)
        #expect(deployment.files("examples").contains("create-training-records.csv"))
        let rejectedLink = try #require(deployment.files("var/rejected").first { $0.hasSuffix("-link.csv") })
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: deployment.path("var/rejected/" + rejectedLink)) == deployment.path("secret.csv"))
        // Nothing was applied, and jane.doe is told about each.
        #expect(try deployment.database().row("SELECT count(*) FROM training_records")?.int(0) == 0)
        #expect(eventually { deployment.files("outbox/notifications/jane.doe").count == 3 })
        #expect(deployment.files("outbox/notifications/jane.doe").allSatisfy { $0.hasSuffix("-finished.json") })
        #expect(daemon.stop() == 0)
    }

    @Test func anEmptyFileAndAFileOverTheLimitAreRejectedWithTheirSizes() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 50, "max_file_bytes": 1000}"#)
        let daemon = try deployment.start()
        try DaemonProcess.drop("", as: folder + "empty.csv", in: deployment.root)
        let big = uniqueRecords(60)
        let size = big.utf8.count
        #expect(size > 1000)
        try DaemonProcess.drop(big, as: folder + "big.csv", in: deployment.root)
        let justRight = String(decoding: uniqueRecords(40).utf8.prefix(1000), as: UTF8.self)
        let lines = justRight.split(separator: "\n")
        let exactly = lines.dropLast().joined(separator: "\n") + "\n"
        try DaemonProcess.drop(exactly, as: folder + "fits.csv", in: deployment.root)
        #expect(eventually { deployment.rejections().count == 2 && deployment.jobCount() == 3 }, "\(daemon.log)")
        let reasons = deployment.rejections().values.compactMap { $0["reason"] as? String }.sorted()
        #expect(reasons == ["big.csv is \(size.grouped) bytes; the limit is 1,000 bytes", "empty.csv is empty"])
        // Each rejection is a finished job with outcome rejected, a notification and an email.
        let db = try deployment.database()
        #expect(try db.row("SELECT count(*) FROM jobs WHERE outcome = 'rejected' AND started_at IS NULL")?.int(0) == 2)
        #expect(eventually { deployment.emails().filter { $0.contains("Subject: Create Training Records rejected") }.count == 2 },
                "no email for the rejections: \(daemon.log)")
        // A file within the limit is taken.
        #expect(eventually { (try? deployment.database().row("SELECT outcome FROM jobs WHERE file_name = 'fits.csv'")?.string(0)) == "succeeded" })
        #expect(daemon.stop() == 0)
    }

    @Test func filesInTheWrongPlaceOrOfAnInactiveUserAreRejected() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 50}"#)
        let daemon = try deployment.start()
        #expect(!deployment.exists("inbox/old.admin"), "an inactive user got inbox folders")
        let csv = uniqueRecords(1)
        try DaemonProcess.drop(csv, as: "inbox/top.csv", in: deployment.root)
        try DaemonProcess.drop(csv, as: "inbox/jane.doe/direct.csv", in: deployment.root)
        try DaemonProcess.drop(csv, as: "inbox/jane.doe/no-such-operation/unknown.csv", in: deployment.root)
        try DaemonProcess.drop(csv, as: folder + "sub/nested.csv", in: deployment.root)
        try DaemonProcess.drop(csv, as: "inbox/old.admin/create-training-records/retired.csv", in: deployment.root)
        #expect(eventually { deployment.rejections().count == 5 }, "not all rejected: \(daemon.log)")
        let reasons = Dictionary(uniqueKeysWithValues: deployment.rejections().map { name, json in
            (String(name.drop { $0 != "-" }.dropFirst()), json["reason"] as? String ?? "")
        })
        #expect(reasons["top.csv"]?.contains("directly in the inbox") == true)
        #expect(reasons["direct.csv"]?.contains("directly in inbox/jane.doe/") == true)
        #expect(reasons["unknown.csv"]?.contains("no-such-operation is not an operation") == true)
        #expect(reasons["nested.csv"]?.contains("subfolder") == true)
        #expect(reasons["retired.csv"] == "old.admin is not an active Backdrop user")
        for name in ["inbox/top.csv", "inbox/jane.doe/direct.csv", "inbox/jane.doe/no-such-operation/unknown.csv", folder + "sub/nested.csv"] {
            #expect(!deployment.exists(name), "\(name) left in the inbox")
        }
        // jane.doe is told about her three; the inactive user and nobody-in-particular are not.
        #expect(eventually { deployment.files("outbox/notifications/jane.doe").count == 3 })
        #expect(!deployment.exists("outbox/notifications/old.admin"))
        #expect(try deployment.database().row("SELECT count(*) FROM jobs WHERE outcome = 'rejected'")?.int(0) == 5)
        #expect(daemon.stop() == 0)
    }

    @Test func aUserLoadedWhileTheDaemonRunsGetsTheirFoldersWithinARescan() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 50, "rescan_seconds": 1}"#)
        let daemon = try deployment.start()
        try deployment.dir.write("users.csv", """
            UserName,Email,Grants
            new.user,new.user@example.com,create-training-records@Acme/UK;bulk-delete

            """)
        #expect(try runBackdrop(["load", "users", "users.csv"], in: deployment.root).code == 0)
        let loadedAt = Date()
        #expect(eventually(timeout: 5) { deployment.exists("inbox/new.user/create-training-records") && deployment.exists("inbox/new.user/bulk-delete") })
        #expect(Date().timeIntervalSince(loadedAt) < 2.5, "not within a rescan interval")
        #expect(deployment.files("inbox/new.user") == ["bulk-delete", "create-training-records"])
        // The new folders are watched: a file dropped there is taken at once.
        try DaemonProcess.drop(uniqueRecords(2), as: "inbox/new.user/create-training-records/first.csv", in: deployment.root)
        let finished = try deployment.finished(1, user: "new.user", timeout: 4, daemon)
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "succeeded")
        #expect(daemon.stop() == 0)
    }

    @Test func anOperationFolderCreatedByHandLaterIsWatched() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 50}"#)
        let daemon = try deployment.start()
        // A user loaded now gets folders only at the next rescan (30 s); an admin makes them by hand.
        try deployment.dir.write("users.csv", "UserName,Email,Grants\nhand.made,hand.made@example.com,*\n")
        #expect(try runBackdrop(["load", "users", "users.csv"], in: deployment.root).code == 0)
        try FileManager.default.createDirectory(atPath: deployment.path("inbox/hand.made/create-training-records"), withIntermediateDirectories: true)
        usleep(100_000)
        try DaemonProcess.drop(uniqueRecords(2), as: "inbox/hand.made/create-training-records/a.csv", in: deployment.root)
        _ = try deployment.finished(1, user: "hand.made", timeout: 4, daemon)

        // A watched folder deleted and made again is watched again.
        try FileManager.default.removeItem(atPath: deployment.path("inbox/jane.doe/bulk-delete"))
        usleep(100_000)
        try FileManager.default.createDirectory(atPath: deployment.path("inbox/jane.doe/bulk-delete"), withIntermediateDirectories: false)
        usleep(100_000)
        try DaemonProcess.drop("Module,Reference\nIncident,INC-404\n", as: "inbox/jane.doe/bulk-delete/b.csv", in: deployment.root)
        _ = try deployment.finished(2, timeout: 4, daemon)
        #expect(daemon.stop() == 0)
    }

    @Test func aFolderMovedAwayAndMadeAgainIsWatchedAgain() throws {
        // No rescan within the test: the new folder is watched because its creation was seen.
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 50}"#)
        let daemon = try deployment.start()
        // Moved out of the inbox (to a trash folder, say), then a new one made by hand.
        try FileManager.default.moveItem(atPath: deployment.path("inbox/jane.doe/bulk-delete"), toPath: deployment.path("trash-bulk-delete"))
        usleep(100_000)
        try FileManager.default.createDirectory(atPath: deployment.path("inbox/jane.doe/bulk-delete"), withIntermediateDirectories: false)
        usleep(100_000)
        try DaemonProcess.drop("Module,Reference\nIncident,INC-404\n", as: "inbox/jane.doe/bulk-delete/b.csv", in: deployment.root)
        _ = try deployment.finished(1, timeout: 3, daemon)
        // Nothing written in the moved-away folder is taken for the inbox.
        try DaemonProcess.drop(uniqueRecords(1), as: "trash-bulk-delete/c.csv", in: deployment.root)
        usleep(700_000)
        #expect(deployment.exists("trash-bulk-delete/c.csv"))
        #expect(deployment.jobCount() == 1)
        #expect(daemon.stop() == 0)
    }

    @Test func anInboxThatIsASymbolicLinkToAFolderIsWatched() throws {
        let dir = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: dir.path("data/inbox"), withIntermediateDirectories: true)
        #expect(symlink(dir.path("data/inbox"), dir.path("inbox")) == 0)
        try dir.write("backdrop.json", #"{"settle_ms": 50}"#)
        #expect(try runBackdrop(["demo"], in: dir.url.path).code == 0)
        let daemon = try DaemonProcess(folder: dir.url.path)
        try DaemonProcess.drop(uniqueRecords(2), as: folder + "linked.csv", in: dir.url.path)
        #expect(eventually(timeout: 3) { FileManager.default.fileExists(atPath: dir.path("outbox/notifications/jane.doe/job-1-finished.json")) },
                "not taken through the link: \(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("data/" + folder + "linked.csv")))
        #expect(daemon.stop() == 0)
    }

    @Test func theWholeInboxRemovedAndRecreatedIsWatchedAgain() throws {
        let deployment = try IntakeDeployment(settings: #"{"settle_ms": 50, "rescan_seconds": 0.5}"#)
        let daemon = try deployment.start()
        try FileManager.default.removeItem(atPath: deployment.path("inbox"))
        // The next rescan makes the folders again and watches them.
        #expect(eventually(timeout: 3) { deployment.exists(folder) }, "inbox not made again: \(daemon.log)")
        usleep(300_000)
        try DaemonProcess.drop(uniqueRecords(2), as: folder + "again.csv", in: deployment.root)
        // Within the settle time, not the 5 seconds of a file only a scan finds.
        _ = try deployment.finished(1, timeout: 3, daemon)

        // The inbox moved aside and a new one put in its place.
        try FileManager.default.moveItem(atPath: deployment.path("inbox"), toPath: deployment.path("inbox.old"))
        #expect(eventually(timeout: 3) { deployment.exists(folder) }, "inbox not made again: \(daemon.log)")
        usleep(300_000)
        try DaemonProcess.drop(uniqueRecords(2, from: 10), as: folder + "again2.csv", in: deployment.root)
        _ = try deployment.finished(2, timeout: 3, daemon)
        #expect(daemon.stop() == 0)
    }
}
