import Foundation
import Testing
@testable import BackdropCore

@Suite struct AutoArchiveTrainingTests {
    static let header = "PersonRef,LeaveDate\n"

    /// The standard data plus training records TR-0000001 (P001 FIRE-101 Passed), TR-0000002
    /// (P001 FA-300 Failed), TR-0000003 (P002 FIRE-101), TR-0000004 (P004 FA-300); needs of P001
    /// for FIRE-101 (Met by TR-0000001), FA-300 (Open) and OLD-999 (Removed), and an open one
    /// each for P002 and P004; actions on those records in every state. P004 left on 2026-11-30.
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.load(.trainingRecords, """
            RecordRef,PersonRef,CourseCode,CompletedOn,Result
            ,P001,FIRE-101,2026-03-01,Passed
            ,P001,FA-300,2026-04-01,Failed
            ,P002,FIRE-101,2026-03-01,Passed
            ,P004,FA-300,2026-03-01,Passed

            """)
        try workspace.db.execute("""
            INSERT INTO training_needs(person_id, course_id, status, met_by_record_id, met_on)
            SELECT p.id, c.id, n.status, n.record, n.met_on FROM (
                SELECT 'P001' AS person, 'FIRE-101' AS course, 'Met' AS status, 1 AS record, '2026-03-01' AS met_on
                UNION ALL SELECT 'P001', 'FA-300', 'Open', NULL, NULL
                UNION ALL SELECT 'P001', 'OLD-999', 'Removed', NULL, NULL
                UNION ALL SELECT 'P002', 'FA-300', 'Open', NULL, NULL
                UNION ALL SELECT 'P004', 'FIRE-101', 'Open', NULL, NULL) n
            JOIN people p ON p.person_ref = n.person JOIN courses c ON c.course_code = n.course
            """)
        try workspace.load(.actions, """
            Reference,Parent,Status
            ACT-1,TR-0000001,Draft
            ACT-2,TR-0000002,InProgress
            ACT-3,TR-0000001,Completed
            ACT-4,tr-0000002,NotStarted
            ACT-5,TR-0000003,NotStarted
            ACT-6,TR-0000004,Draft

            """)
        try workspace.db.execute("UPDATE people SET current = 0, leaver = 1, left_on = '2026-11-30' WHERE person_ref = 'P004'")
        return workspace
    }

    /// One row each; the expected reason, or nil when the row succeeds. User `admin` unless given.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("P001,2026-11-30", "admin", nil),
        ("P001,", "north", nil),
        ("P001,2027-01-31", "admin", nil),
        ("P003,2026-06-30", "admin", nil),
        (",2026-11-30", "admin", "PersonRef is required"),
        ("P999,2026-11-30", "admin", "Person P999 not found"),
        ("P002,2026-11-30", "north", "You may not archive training in org unit Acme/UK/South"),
        ("P004,2026-12-01", "admin", "Person P004 is already archived (left on 2026-11-30)"),
        ("P001,30/11/2026", "admin", "LeaveDate 30/11/2026 is not a date (YYYY-MM-DD)"),
        ("P001,2026-02-30", "admin", "LeaveDate 2026-02-30 is not a date (YYYY-MM-DD)"),
        ("P001,2026-11-30,extra", "admin", "Row has 3 fields, the header has 2"),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValue(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Self.workspace()
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .autoArchiveTraining, reason: reason)
        guard reason == nil else { return }
        let person = String(row.prefix(4))
        #expect(try workspace.count("SELECT leaver FROM people WHERE person_ref = ?", [person]) == 1)
        #expect(try workspace.count("SELECT current FROM people WHERE person_ref = ?", [person]) == 0)
    }

    @Test func aLeaverIsArchivedWithTheirNeedsRecordsAndOpenActions() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "P001,2026-11-30\n", operation: .autoArchiveTraining)
        #expect(job.outcome == .succeeded)
        let person = try #require(try workspace.db.row("SELECT current, leaver, left_on FROM people WHERE person_ref = 'P001'"))
        #expect(person.int(0) == 0 && person.int(1) == 1 && person.string(2) == "2026-11-30")

        let needs = try workspace.db.rows("""
            SELECT p.person_ref, c.course_code, n.status, n.met_by_record_id FROM training_needs n
            JOIN people p ON p.id = n.person_id JOIN courses c ON c.id = n.course_id ORDER BY n.id
            """).map { "\($0.string(0)!) \($0.string(1)!) \($0.string(2)!) \($0.string(3) ?? "-")" }
        #expect(needs == ["P001 FIRE-101 Archived 1", "P001 FA-300 Archived -", "P001 OLD-999 Removed -",
                          "P002 FA-300 Open -", "P004 FIRE-101 Open -"])

        let records = try workspace.db.rows("SELECT id, archived FROM training_records ORDER BY id").map { "\($0.int(0)!):\($0.int(1)!)" }
        #expect(records == ["1:1", "2:1", "3:0", "4:0"])

        let actions = try workspace.db.rows("SELECT reference, status FROM actions ORDER BY reference").map { "\($0.string(0)!) \($0.string(1)!)" }
        #expect(actions == ["ACT-1 Removed", "ACT-2 Removed", "ACT-3 Completed", "ACT-4 Removed", "ACT-5 NotStarted", "ACT-6 Draft"])
    }

    @Test func theLeaveDateDefaultsToTodayAndASecondArchiveFails() throws {
        let workspace = try Self.workspace()
        let first = try workspace.run(Self.header + "P001,\n", operation: .autoArchiveTraining, today: "2026-12-04")
        #expect(first.outcome == .succeeded)
        #expect(try workspace.db.row("SELECT left_on FROM people WHERE person_ref = 'P001'")?.string(0) == "2026-12-04")

        let before = try workspace.domainSnapshot()
        let second = try workspace.run(Self.header + "P001,2026-12-10\n", operation: .autoArchiveTraining, name: "again.csv")
        #expect(second.outcome == .failed)
        #expect(try workspace.failures(second).map(\.reason) == ["Person P001 is already archived (left on 2026-12-04)"])
        #expect(try workspace.domainSnapshot() == before)
    }

    @Test func theSamePersonTwiceInOneFileFailsTheSecondTime() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "P001,2026-11-30\nP001,2026-12-01\n", operation: .autoArchiveTraining)
        #expect(job.outcome == .partiallySucceeded)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reference) == ["P001"])
        #expect(failures.map(\.reason) == ["Person P001 is already archived (left on 2026-11-30)"])
    }

    @Test func aUserWhoseGrantsCoverOnlyNorthFailsPerRecordForSouth() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "P002,2026-11-30\nP001,2026-11-30\nP003,2026-11-30\n",
                                    user: "north", operation: .autoArchiveTraining)
        #expect(job.outcome == .partiallySucceeded)
        #expect(job.succeeded == 2 && job.failed == 1)
        #expect(try workspace.failures(job).map(\.reason) == ["You may not archive training in org unit Acme/UK/South"])
        #expect(try workspace.db.rows("SELECT person_ref FROM people WHERE leaver = 1 ORDER BY person_ref").map { $0.string(0) } == ["P001", "P003", "P004"])
        #expect(try workspace.count("SELECT archived FROM training_records WHERE id = 3") == 0)
        #expect(try workspace.db.row("SELECT status FROM actions WHERE reference = 'ACT-5'")?.string(0) == "NotStarted")
    }

    @Test func configuredDateFormatsAreAcceptedForTheLeaveDate() throws {
        let workspace = try Workspace(settings: ["date_formats": ["DD/MM/YYYY"]])
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + "P001,30/11/2026\nP002,31/11/2026\n", operation: .autoArchiveTraining)
        #expect(try workspace.failures(job).map(\.reason) == ["LeaveDate 31/11/2026 is not a date (YYYY-MM-DD or DD/MM/YYYY)"])
        #expect(try workspace.db.row("SELECT left_on FROM people WHERE person_ref = 'P001'")?.string(0) == "2026-11-30")
    }

    @Test(.tags(.endToEnd)) func throughTheDaemonAnXMLFeedOfLeaversIsArchived() throws {
        let demo = try DemoDaemon(reference: [
            (.trainingRecords, "PersonRef,CourseCode,CompletedOn\nP0000001,FIRE-101,2026-03-01\nP0000001,MH-200,2026-02-15\nP0000003,FA-300,2026-01-10\n"),
            (.actions, "Reference,Parent,Status\nACT-1,TR-0000001,Draft\nACT-2,TR-0000002,Completed\nACT-3,TR-0000003,InProgress\n"),
        ])
        let (finished, failures) = try demo.run(.autoArchiveTraining, """
            <?xml version="1.0" encoding="UTF-8"?>
            <leavers>
              <leaver><PersonRef>P0000001</PersonRef><LeaveDate>2026-11-30</LeaveDate></leaver>
              <leaver><PersonRef>P0000001</PersonRef></leaver>
              <leaver><PersonRef>P0000099</PersonRef></leaver>
            </leavers>

            """, name: "leavers.xml")
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "partially_succeeded")
        #expect(finished["counts"] as? [String: Int] == ["total": 3, "succeeded": 1, "failed": 2])
        #expect(failures.map { $0["line"] as? Int } == [4, 5])
        #expect(failures.map { $0["reason"] as? String } == ["Person P0000001 is already archived (left on 2026-11-30)", "Person P0000099 not found"])
        let db = try demo.database()
        let person = try #require(try db.row("SELECT current, leaver, left_on FROM people WHERE person_ref = 'P0000001'"))
        #expect(person.int(0) == 0 && person.int(1) == 1 && person.string(2) == "2026-11-30")
        #expect(try db.rows("SELECT archived FROM training_records ORDER BY id").map { $0.int(0) } == [1, 1, 0])
        #expect(try db.rows("SELECT status FROM actions WHERE parent_ref LIKE 'TR-%' ORDER BY reference").map { $0.string(0) } == ["Removed", "Completed", "InProgress"])
    }
}
