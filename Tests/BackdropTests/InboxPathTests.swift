import Foundation
import Testing
@testable import BackdropCore

/// Section 2 of the contract, row by row: what a path relative to the inbox means by its place
/// and name alone.
@Suite struct InboxPathTests {
    enum Expected: CustomStringConvertible {
        case inProgress
        case take(String, OperationKind, dryRun: Bool)
        /// Refused; the reason contains every fragment.
        case refuse(user: String?, operation: String, containing: [String])

        var description: String {
            switch self {
            case .inProgress: "in progress"
            case .take(let user, let kind, let dryRun): "take \(user) \(kind.rawValue)\(dryRun ? " dry run" : "")"
            case .refuse(let user, let operation, let fragments): "refuse \(user ?? "-") \(operation) \(fragments)"
            }
        }
    }

    static let folder = "jane.doe/create-training-records/"

    static let rows: [(String, Expected)] = [
        // In-progress uploads are left alone, whatever the letter case and whatever the folder.
        (folder + ".x.csv", .inProgress),
        (folder + ".hidden", .inProgress),
        (folder + "a.csv.tmp", .inProgress),
        (folder + "a.csv.TMP", .inProgress),
        (folder + "a.csv.part", .inProgress),
        (folder + "a.csv.Part", .inProgress),
        (folder + "a.csv.partial", .inProgress),
        (folder + "a.csv.PARTIAL", .inProgress),
        (folder + "a.csv.filepart", .inProgress),
        (folder + "a.csv.FilePart", .inProgress),
        (folder + "a.csv.crdownload", .inProgress),
        (folder + "a.csv.CRDOWNLOAD", .inProgress),
        (folder + "a.csv~", .inProgress),
        (folder + "a.txt.part", .inProgress),
        ("a.csv.part", .inProgress),
        (".a.csv", .inProgress),
        ("jane.doe/.a.csv", .inProgress),
        ("jane.doe/nope/a.csv.tmp", .inProgress),
        (folder + "sub/a.csv.part", .inProgress),
        // Taken: .csv and .xml in any letter case.
        (folder + "march.csv", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "march.CSV", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "march.Csv", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "feed.xml", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "feed.Xml", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "feed.XML", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "a.b.c.csv", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        ("hr.sync/auto-archive-training/leavers.xml", .take("hr.sync", .autoArchiveTraining, dryRun: false)),
        ("jane.doe/bulk-delete/x.csv", .take("jane.doe", .bulkDelete, dryRun: false)),
        // Dry runs.
        (folder + "march.dryrun.csv", .take("jane.doe", .createTrainingRecords, dryRun: true)),
        (folder + "march.DryRun.CSV", .take("jane.doe", .createTrainingRecords, dryRun: true)),
        (folder + "feed.dryrun.xml", .take("jane.doe", .createTrainingRecords, dryRun: true)),
        (folder + "feed.DRYRUN.Xml", .take("jane.doe", .createTrainingRecords, dryRun: true)),
        (folder + "dryrun.csv", .take("jane.doe", .createTrainingRecords, dryRun: false)),
        (folder + "march.dryrun.txt", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["neither a .csv nor an .xml"])),
        // Neither .csv nor .xml (and not in progress): refused.
        (folder + "notes.txt", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["notes.txt is neither a .csv nor an .xml file"])),
        (folder + "march.csv.gz", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["neither a .csv nor an .xml"])),
        (folder + "README", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["neither a .csv nor an .xml"])),
        (folder + "march.xlsx", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["neither a .csv nor an .xml"])),
        // In the wrong place.
        ("a.csv", .refuse(user: nil, operation: "", containing: ["directly in the inbox"])),
        ("a.XML", .refuse(user: nil, operation: "", containing: ["directly in the inbox"])),
        ("jane.doe/a.csv", .refuse(user: "jane.doe", operation: "", containing: ["directly in inbox/jane.doe/", "create-training-records"])),
        ("jane.doe/no-such-operation/a.csv", .refuse(user: "jane.doe", operation: "no-such-operation", containing: ["no-such-operation is not an operation", "bulk-delete", "create-training-records"])),
        ("jane.doe/Create-Training-Records/a.csv", .refuse(user: "jane.doe", operation: "Create-Training-Records", containing: ["is not an operation"])),
        (folder + "sub/a.csv", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["subfolder of inbox/jane.doe/create-training-records/"])),
        (folder + "sub/deeper/a.xml", .refuse(user: "jane.doe", operation: "create-training-records", containing: ["subfolder"])),
        // An unknown user is only known to be unknown later (the database), not by the path.
        ("ghost/create-training-records/a.csv", .take("ghost", .createTrainingRecords, dryRun: false)),
    ]

    @Test(arguments: rows)
    func classify(_ path: String, _ expected: Expected) {
        let verdict = InboxPath.classify(path)
        switch expected {
        case .inProgress:
            #expect(verdict == .inProgress, "\(path)")
        case .take(let user, let kind, let dryRun):
            #expect(verdict == .take(user: user, operation: kind, dryRun: dryRun), "\(path)")
        case .refuse(let user, let operation, let fragments):
            guard case let .refuse(gotUser, gotOperation, reason) = verdict else {
                Issue.record("\(path): expected a refusal, got \(verdict)")
                return
            }
            #expect(gotUser == user, "\(path)")
            #expect(gotOperation == operation, "\(path)")
            for fragment in fragments { #expect(reason.contains(fragment), "\(path): \(reason)") }
        }
    }

    @Test func everyOperationFolderIsTaken() {
        for kind in OperationKind.allCases {
            #expect(InboxPath.classify("jane.doe/\(kind.rawValue)/x.csv") == .take(user: "jane.doe", operation: kind, dryRun: false))
        }
    }

    @Test func inProgressAndDryRunNamesIgnoreLetterCase() {
        for suffix in InboxPath.inProgressSuffixes where suffix != "~" {
            #expect(InboxPath.isInProgress("a" + suffix.uppercased()))
            #expect(InboxPath.isInProgress("a.csv" + suffix))
        }
        #expect(!InboxPath.isInProgress("a.csv"))
        #expect(!InboxPath.isInProgress("part.csv"))
        #expect(!InboxPath.isInProgress("tmp.xml"))
        #expect(InboxPath.isDryRun("x.DRYRUN.CSV"))
        #expect(!InboxPath.isDryRun("x.dryrun"))
        #expect(!InboxPath.isDryRun("x.csv"))
    }
}
