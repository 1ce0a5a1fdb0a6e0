import Foundation
import Testing
@testable import BackdropCore

@Suite struct TrainingBulkUpdateTests {
    static let header = "RecordRef,PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments\n"

    /// The standard data plus records:
    /// TR-0000001 P001 FIRE-101 2026-03-01, expires 2027-03-01, Passed, Sam, 2 h, C-1, "first"
    /// TR-0000002 P001 FA-300 2026-04-01 Failed; TR-0000003 P002 (South) FIRE-101 2026-03-01;
    /// TR-0000004 P001 FIRE-101 2026-05-01, archived; TR-0000005 P004 FA-300 (P004 has left);
    /// TR-0000006 P003 (not current) FA-300 2026-02-01, expires 2026-06-01.
    /// Needs of P001: FIRE-101 Met by TR-0000001, FA-300 Open.
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.load(.trainingRecords, """
            RecordRef,PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments,Archived
            ,P001,FIRE-101,2026-03-01,2027-03-01,Passed,Sam,2,C-1,first,
            ,P001,FA-300,2026-04-01,,Failed,,,,,
            ,P002,FIRE-101,2026-03-01,,Passed,,,,,
            ,P001,FIRE-101,2026-05-01,,Passed,,,,,Y
            ,P004,FA-300,2026-03-01,,Passed,,,,,
            ,P003,FA-300,2026-02-01,2026-06-01,Passed,,,,,

            """)
        try workspace.db.execute("UPDATE people SET current = 0, leaver = 1, left_on = '2026-11-30' WHERE person_ref = 'P004'")
        try workspace.db.execute("""
            INSERT INTO training_needs(person_id, course_id, status, met_by_record_id, met_on)
            SELECT 1, id, CASE course_code WHEN 'FIRE-101' THEN 'Met' ELSE 'Open' END,
                CASE course_code WHEN 'FIRE-101' THEN 1 END, CASE course_code WHEN 'FIRE-101' THEN '2026-03-01' END
            FROM courses WHERE course_code IN ('FIRE-101', 'FA-300') ORDER BY id
            """)
        return workspace
    }

    /// One row each; the expected reason, or nil when the row succeeds. User `admin` unless given.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("TR-0000001,,,,,,Bob,,,", "admin", nil),
        ("tr-0000001,P001,FIRE-101,,,,Bob,,,", "admin", nil),
        (",P001,FIRE-101,2026-03-01,,,,3,,", "north", nil),
        ("TR-0000006,,,,,,Zed,,,", "admin", nil),
        ("TR-0000001,,,2026-03-02,,,,,,", "admin", nil),
        ("TR-0000001,,,,,,,,,", "admin", nil),
        ("TR-42,,,,,,,,,", "admin", "RecordRef TR-42 is not TR- and seven digits"),
        ("0000001,,,,,,,,,", "admin", "RecordRef 0000001 is not TR- and seven digits"),
        ("TR-0000099,,,,,,,,,", "admin", "Training record TR-0000099 not found"),
        (",P001,FIRE-101,,,,Bob,,,", "admin", "Give RecordRef, or PersonRef, CourseCode and CompletedOn"),
        (",,FIRE-101,2026-03-01,,,Bob,,,", "admin", "Give RecordRef, or PersonRef, CourseCode and CompletedOn"),
        (",P001,,2026-03-01,,,Bob,,,", "admin", "Give RecordRef, or PersonRef, CourseCode and CompletedOn"),
        (",P001,FIRE-101,2026-03-02,,,Bob,,,", "admin", "No training record of FIRE-101 completed on 2026-03-02 for P001"),
        (",P999,FIRE-101,2026-03-01,,,Bob,,,", "admin", "Person P999 not found"),
        (",P001,NOPE-1,2026-03-01,,,Bob,,,", "admin", "Course NOPE-1 not found"),
        (",P001,FIRE-101,01/03/2026,,,Bob,,,", "admin", "CompletedOn 01/03/2026 is not a date (YYYY-MM-DD)"),
        (",P001,FIRE-101,#N/A,,,Bob,,,", "admin", "CompletedOn cannot be cleared"),
        ("TR-0000004,,,,,,Bob,,,", "admin", "Training record TR-0000004 is archived"),
        (",P001,FIRE-101,2026-05-01,,,Bob,,,", "admin", "Training record TR-0000004 is archived"),
        ("TR-0000005,,,,,,Bob,,,", "admin", "Training record TR-0000005 belongs to P004, who has left"),
        ("TR-0000003,,,,,,Bob,,,", "north", "You may not update training records in org unit Acme/UK/South"),
        (",P002,FIRE-101,2026-03-01,,,Bob,,,", "north", "You may not update training records in org unit Acme/UK/South"),
        ("TR-0000001,P002,,,,,Bob,,,", "admin", "PersonRef P002 does not match training record TR-0000001"),
        ("TR-0000001,,FA-300,,,,Bob,,,", "admin", "CourseCode FA-300 does not match training record TR-0000001"),
        ("TR-0000001,,,#N/A,,,,,,", "admin", "CompletedOn cannot be cleared"),
        ("TR-0000001,,,,,#N/A,,,,", "admin", "Result cannot be cleared"),
        ("TR-0000001,,,2026-12-05,,,,,,", "admin", "CompletedOn 2026-12-05 is in the future"),
        ("TR-0000001,,,2026-13-01,,,,,,", "admin", "CompletedOn 2026-13-01 is not a date (YYYY-MM-DD)"),
        ("TR-0000001,,,,2026-02-01,,,,,", "admin", "ExpiresOn 2026-02-01 is before CompletedOn 2026-03-01"),
        ("TR-0000001,,,2026-04-01,2026-03-15,,,,,", "admin", "ExpiresOn 2026-03-15 is before CompletedOn 2026-04-01"),
        ("TR-0000006,,,2026-07-01,,,,,,", "admin", "ExpiresOn 2026-06-01 is before CompletedOn 2026-07-01"),
        ("TR-0000001,,,,soon,,,,,", "admin", "ExpiresOn soon is not a date (YYYY-MM-DD)"),
        ("TR-0000001,,,,,Excellent,,,,", "admin", "Result Excellent is not one of Passed, Failed, Attended"),
        ("TR-0000001,,,,,,,-1,,", "admin", "Hours -1 is not a number of 0 or more"),
        ("TR-0000001,,,,,,,two,,", "admin", "Hours two is not a number of 0 or more"),
        ("TR-0000001,,,2026-05-01,,,,,,", "admin", "A record of FIRE-101 completed on 2026-05-01 already exists for P001"),
        ("TR-0000001,,,,,", "admin", "Row has 6 fields, the header has 10"),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValue(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Self.workspace()
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .trainingBulkUpdate, reason: reason)
    }

    func record(_ workspace: Workspace, _ id: Int) throws -> [String] {
        let row = try #require(try workspace.db.row("""
            SELECT completed_on, expires_on, result, trainer, hours, certificate_ref, comments FROM training_records WHERE id = ?
            """, [id]))
        return row.values.indices.map { row.string($0) ?? "-" }
    }

    @Test func givenFieldsChangeEmptyOnesStayAndNAClears() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + """
            TR-0000001,,,,#N/A,,#n/a,#N/A,#N/A,#N/A
            TR-0000002,,,2026-04-02,2026-10-02,Attended,Kim,4.5,C-9,redo
            TR-0000006,,,,,,,,,

            """, operation: .trainingBulkUpdate)
        #expect(job.outcome == .succeeded)
        #expect(try record(workspace, 1) == ["2026-03-01", "-", "Passed", "-", "-", "-", "-"])
        #expect(try record(workspace, 2) == ["2026-04-02", "2026-10-02", "Attended", "Kim", "4.5", "C-9", "redo"])
        #expect(try record(workspace, 6) == ["2026-02-01", "2026-06-01", "Passed", "-", "-", "-", "-"])
    }

    @Test func aRecordFoundByItsKeyKeepsItsCompletionDate() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + ",P001,FIRE-101,2026-03-01,2027-04-01,failed,Kim,,,\n", operation: .trainingBulkUpdate)
        #expect(job.outcome == .succeeded)
        #expect(try record(workspace, 1) == ["2026-03-01", "2027-04-01", "Failed", "Kim", "2.0", "C-1", "first"])
    }

    @Test func recordsSeeTheEffectsOfEarlierOnesAndFailuresNameTheKey() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + """
            TR-0000001,,,2026-03-02,,,,,,
            ,P001,FIRE-101,2026-03-01,,,Kim,,,
            ,P001,FIRE-101,2026-03-02,,,Lee,,,

            """, operation: .trainingBulkUpdate)
        #expect(job.outcome == .partiallySucceeded)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reference) == ["P001/FIRE-101/2026-03-01"])
        #expect(failures.map(\.reason) == ["No training record of FIRE-101 completed on 2026-03-01 for P001"])
        #expect(try record(workspace, 1) == ["2026-03-02", "2027-03-01", "Passed", "Lee", "2.0", "C-1", "first"])
    }

    func needs(_ workspace: Workspace) throws -> [String] {
        try workspace.db.rows("""
            SELECT c.course_code, n.status, n.met_by_record_id, n.met_on FROM training_needs n JOIN courses c ON c.id = n.course_id ORDER BY n.id
            """).map { "\($0.string(0)!) \($0.string(1)!) \($0.string(2) ?? "-") \($0.string(3) ?? "-")" }
    }

    @Test func aResultThatBecomesPassedMeetsTheOpenNeedAndOneThatBecomesFailedReopensIt() throws {
        let workspace = try Self.workspace()
        #expect(try needs(workspace) == ["FIRE-101 Met 1 2026-03-01", "FA-300 Open - -"])
        try workspace.run(Self.header + "TR-0000002,,,,,Passed,,,,\nTR-0000001,,,,,Failed,,,,\n", operation: .trainingBulkUpdate)
        #expect(try needs(workspace) == ["FIRE-101 Open - -", "FA-300 Met 2 2026-04-01"])
        // A record already Passed does not meet a need again when another field changes.
        try workspace.run(Self.header + "TR-0000002,,,,,,Kim,,,\n", operation: .trainingBulkUpdate, name: "trainer.csv")
        #expect(try needs(workspace) == ["FIRE-101 Open - -", "FA-300 Met 2 2026-04-01"])
    }

    @Test func aUserWhoseGrantsCoverOnlyNorthFailsPerRecordForSouth() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "TR-0000001,,,,,,Kim,,,\nTR-0000003,,,,,,Kim,,,\nTR-0000006,,,,,,Kim,,,\n",
                                    user: "north", operation: .trainingBulkUpdate)
        #expect(job.outcome == .partiallySucceeded)
        #expect(job.succeeded == 2 && job.failed == 1)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reason) == ["You may not update training records in org unit Acme/UK/South"])
        #expect(try workspace.db.rows("SELECT id FROM training_records WHERE trainer = 'Kim' ORDER BY id").map { $0.int(0) } == [1, 6])
    }

    @Test func aFileWithOnlyTheKeyColumnsIsAccepted() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run("Record Ref;Comments\nTR-0000002;checked\n", operation: .trainingBulkUpdate)
        #expect(job.outcome == .succeeded)
        #expect(try record(workspace, 2).last == "checked")
    }

    @Test(.tags(.endToEnd)) func throughTheDaemonRecordsAreUpdatedByReferenceOrKey() throws {
        let demo = try DemoDaemon(reference: [
            (.trainingRecords, "PersonRef,CourseCode,CompletedOn,Trainer,Comments\nP0000001,FIRE-101,2026-03-01,Sam,first\nP0000003,FA-300,2026-01-10,,\n"),
        ])
        let (finished, failures) = try demo.run(.trainingBulkUpdate, """
            RecordRef,PersonRef,CourseCode,CompletedOn,Trainer,Comments
            TR-0000001,,,,Kim,#N/A
            ,P0000003,FA-300,2026-01-10,Lee,
            TR-0000009,,,,Kim,

            """)
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "partially_succeeded")
        #expect(finished["counts"] as? [String: Int] == ["total": 3, "succeeded": 2, "failed": 1])
        #expect(failures.map { $0["line"] as? Int } == [4])
        #expect(failures.map { $0["reason"] as? String } == ["Training record TR-0000009 not found"])
        let rows = try demo.database().rows("SELECT trainer, comments FROM training_records ORDER BY id")
        #expect(rows.map { "\($0.string(0) ?? "-") \($0.string(1) ?? "-")" } == ["Kim -", "Lee -"])
    }
}
