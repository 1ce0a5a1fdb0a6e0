import Foundation
import Testing
@testable import BackdropCore

@Suite struct BulkDeleteTests {
    static let header = "Module,Reference,Reason\n"

    /// The standard data plus:
    /// - INC-1 North Open, no actions; INC-2 South Open; INC-3 North Approved; INC-4 North Closed;
    ///   INC-5 North InProgress with 2 open actions and a completed one; INC-6 North Submitted
    ///   with 1 open action (Draft) and a removed one; INC-7 North Open, deleted already.
    /// - PA-1 North Open; PA-2 North Closed; PA-3 South Open with a completed action.
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.load(.incidents, """
            Reference,OrgUnit,Status
            INC-1,Acme/UK/North,Open
            INC-2,Acme/UK/South,Open
            INC-3,Acme/UK/North,Approved
            INC-4,Acme/UK/North,closed
            INC-5,Acme/UK/North,InProgress
            INC-6,Acme/UK/North,Submitted
            INC-7,Acme/UK/North,Open

            """)
        try workspace.load(.audits, "Reference,OrgUnit,Status\nPA-1,Acme/UK/North,Open\nPA-2,Acme/UK/North,Closed\nPA-3,Acme/UK/South,Open\n")
        try workspace.load(.actions, """
            Reference,Parent,Status
            ACT-1,INC-5,NotStarted
            ACT-2,INC-5,InProgress
            ACT-3,INC-5,Completed
            ACT-4,INC-6,Draft
            ACT-5,INC-6,Removed
            ACT-6,PA-3,Completed

            """)
        try workspace.db.execute("UPDATE incidents SET deleted = 1 WHERE reference = 'INC-7'")
        return workspace
    }

    /// One row each; the expected reason, or nil when the row succeeds. User `admin` unless given.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("Incident,INC-1,duplicate entry", "admin", nil),
        ("incident,INC-1,", "north", nil),
        ("ProceduralAudit,PA-1,", "admin", nil),
        ("Procedural Audit,PA-1,", "admin", nil),
        ("PROCEDURALAUDIT,PA-3,", "admin", nil),
        (",INC-1,", "admin", "Module is required"),
        ("Incident,,", "admin", "Reference is required"),
        ("Incidents,INC-1,", "admin", "Module Incidents is not Incident or ProceduralAudit"),
        ("Audit,PA-1,", "admin", "Module Audit is not Incident or ProceduralAudit"),
        ("Incident,INC-999,", "admin", "Incident INC-999 not found"),
        ("Incident,PA-1,", "admin", "Incident PA-1 not found"),
        ("ProceduralAudit,PA-999,", "admin", "Procedural audit PA-999 not found"),
        ("Incident,INC-7,", "admin", "Incident INC-7 is already deleted"),
        ("Incident,INC-2,", "north", "You may not delete records in org unit Acme/UK/South"),
        ("ProceduralAudit,PA-3,", "north", "You may not delete records in org unit Acme/UK/South"),
        ("Incident,INC-3,", "admin", "Incident INC-3 is Approved and cannot be deleted"),
        ("Incident,INC-4,", "admin", "Incident INC-4 is Closed and cannot be deleted"),
        ("ProceduralAudit,PA-2,", "admin", "Procedural audit PA-2 is Closed and cannot be deleted"),
        ("Incident,INC-5,", "admin", "Incident INC-5 has 2 open actions"),
        ("Incident,INC-6,", "admin", "Incident INC-6 has 1 open action"),
        ("Incident,INC-1", "admin", "Row has 2 fields, the header has 3"),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValue(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Self.workspace()
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .bulkDelete, reason: reason)
        guard reason == nil else { return }
        let reference = row.split(separator: ",")[1]
        let table = reference.hasPrefix("INC") ? "incidents" : "audits"
        #expect(try workspace.count("SELECT deleted FROM \(table) WHERE reference = ?", [String(reference)]) == 1)
        #expect(try workspace.count("SELECT count(*) FROM incidents WHERE deleted = 1") + workspace.count("SELECT count(*) FROM audits WHERE deleted = 1") == 2)
    }

    @Test func theReferenceIsTheSummaryReferenceAndASecondDeleteInTheFileFails() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "Incident,INC-1,\nIncident,INC-1,again\nProceduralAudit,PA-1,\n", operation: .bulkDelete)
        #expect(job.outcome == .partiallySucceeded)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reference) == ["INC-1"])
        #expect(failures.map(\.reason) == ["Incident INC-1 is already deleted"])
        #expect(try workspace.count("SELECT deleted FROM audits WHERE reference = 'PA-1'") == 1)
    }

    @Test func actionsThatAreNoLongerOpenDoNotBlockADelete() throws {
        let workspace = try Self.workspace()
        try workspace.db.execute("UPDATE actions SET status = 'Completed' WHERE reference IN ('ACT-1', 'ACT-2')")
        let job = try workspace.run(Self.header + "Incident,INC-5,\n", operation: .bulkDelete)
        #expect(job.outcome == .succeeded)
        #expect(try workspace.count("SELECT deleted FROM incidents WHERE reference = 'INC-5'") == 1)
        // The actions themselves are not touched.
        #expect(try workspace.count("SELECT count(*) FROM actions WHERE status = 'Completed'") == 4)
    }

    @Test func aUserWhoseGrantsCoverOnlyNorthFailsPerRecordForSouth() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "Incident,INC-1,\nIncident,INC-2,\nProceduralAudit,PA-1,\nProceduralAudit,PA-3,\n",
                                    user: "north", operation: .bulkDelete)
        #expect(job.outcome == .partiallySucceeded)
        #expect(job.succeeded == 2 && job.failed == 2)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3, 5])
        #expect(Set(failures.map(\.reason)) == ["You may not delete records in org unit Acme/UK/South"])
        #expect(try workspace.db.rows("SELECT reference FROM incidents WHERE deleted = 1 ORDER BY reference").map { $0.string(0) } == ["INC-1", "INC-7"])
        #expect(try workspace.db.rows("SELECT reference FROM audits WHERE deleted = 1").map { $0.string(0) } == ["PA-1"])
    }

    @Test func aUserWithoutAGrantForBulkDeleteHasTheFileRejected() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "Incident,INC-1,\n", user: "lms", operation: .bulkDelete)
        #expect(job.outcome == .rejected)
        #expect(try workspace.count("SELECT deleted FROM incidents WHERE reference = 'INC-1'") == 0)
    }

    @Test(.tags(.endToEnd)) func throughTheDaemonRecordsAreDeletedAndRefusalsReported() throws {
        let demo = try DemoDaemon(reference: [
            (.incidents, "Reference,OrgUnit,Status\nINC-1,Acme/UK/North,Open\nINC-2,Acme/UK/North,Closed\nINC-3,Acme/UK/South,Open\n"),
            (.audits, "Reference,OrgUnit,Status\nPA-1,Acme/UK/North,Submitted\n"),
            (.actions, "Reference,Parent,Status\nACT-1,INC-3,Draft\n"),
        ])
        let (finished, failures) = try demo.run(.bulkDelete, """
            Module,Reference,Reason
            Incident,INC-1,entered twice
            Incident,INC-2,
            Procedural Audit,PA-1,
            Incident,INC-3,
            Incident,INC-404,

            """)
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "partially_succeeded")
        #expect(finished["counts"] as? [String: Int] == ["total": 5, "succeeded": 2, "failed": 3])
        #expect(failures.map { $0["line"] as? Int } == [3, 5, 6])
        #expect(failures.map { $0["reference"] as? String } == ["INC-2", "INC-3", "INC-404"])
        #expect(failures.map { $0["reason"] as? String } == [
            "Incident INC-2 is Closed and cannot be deleted", "Incident INC-3 has 1 open action", "Incident INC-404 not found",
        ])
        let db = try demo.database()
        #expect(try db.rows("SELECT reference FROM incidents WHERE deleted = 1").map { $0.string(0) } == ["INC-1"])
        #expect(try db.rows("SELECT reference FROM audits WHERE deleted = 1").map { $0.string(0) } == ["PA-1"])
    }
}
