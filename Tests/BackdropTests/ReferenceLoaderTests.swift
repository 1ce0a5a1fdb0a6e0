import Foundation
import Testing
@testable import BackdropCore

/// `backdrop load` updates by key with the update rules of section 3: an empty cell keeps the
/// stored value, `#N/A` clears it.
@Suite struct ReferenceLoaderTests {
    func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        return workspace
    }

    func value(_ workspace: Workspace, _ sql: String) throws -> String? {
        try workspace.db.row(sql)?.string(0)
    }

    @Test func peopleKeepWhatAnEmptyCellLeavesAndLoseWhatNAClears() throws {
        let workspace = try workspace()
        try workspace.load(.people, "PersonRef,Forename,Surname,OrgUnit,Current,JobTitle\nP003,Chloé,Clarke,Acme/UK/North,,Welder\n")
        #expect(try value(workspace, "SELECT current || '|' || job_title FROM people WHERE person_ref = 'P003'") == "0|Welder")
        try workspace.load(.people, "PersonRef,Forename,Surname,OrgUnit\nP003,Chloé,Clarke,Acme/UK/North\n")
        #expect(try value(workspace, "SELECT current || '|' || job_title FROM people WHERE person_ref = 'P003'") == "0|Welder")
        try workspace.load(.people, "PersonRef,Forename,Surname,OrgUnit,Current,JobTitle\nP003,Chloé,Clarke,Acme/UK/North,Y,#N/A\n")
        #expect(try value(workspace, "SELECT current || '|' || coalesce(job_title, 'none') FROM people WHERE person_ref = 'P003'") == "1|none")
    }

    @Test func coursesKeepTheirValidityUnlessGivenOrCleared() throws {
        let workspace = try workspace()
        try workspace.load(.courses, "CourseCode,Title,ValidityMonths,Active\nFIRE-101,Fire safety,,\n")
        #expect(try value(workspace, "SELECT validity_months || '|' || active FROM courses WHERE course_code = 'FIRE-101'") == "12|1")
        try workspace.load(.courses, "CourseCode,Title,ValidityMonths\nFIRE-101,Fire safety,#N/A\n")
        #expect(try value(workspace, "SELECT validity_months FROM courses WHERE course_code = 'FIRE-101'") == "0")
    }

    @Test func usersKeepGrantsAndActiveUnlessGiven() throws {
        let workspace = try workspace()
        try workspace.load(.users, "UserName,Email,Active\nnorth,north@example.com,N\n")
        try workspace.load(.users, "UserName,Email,Grants,Active\nnorth,north2@example.com,,\n")
        #expect(try value(workspace, "SELECT email || '|' || active FROM users WHERE user_name = 'north'") == "north2@example.com|0")
        #expect(try workspace.count("SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.user_name = 'north'") == 1)
        try workspace.load(.users, "UserName,Email,Grants\nnorth,north@example.com,#N/A\n")
        #expect(try workspace.count("SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.user_name = 'north'") == 0)
    }

    @Test(arguments: [
        ("bulk-delete@", "line 2: Grant bulk-delete@ names no org unit after @; leave out the @ to grant every org unit"),
        ("frobnicate@Acme", "line 2: Grant frobnicate@Acme names no operation; use one of bulk-delete, add-courses-to-roles, auto-archive-training, training-bulk-update, update-roles, create-roles-and-training, create-training-records or *"),
        ("*@Acme/Nowhere", "line 2: Org unit Acme/Nowhere not found; load it with backdrop load org-units first"),
    ])
    func aBadGrantIsRefusedWithItsLine(_ grant: String, _ problem: String) throws {
        let workspace = try workspace()
        do {
            try workspace.load(.users, "UserName,Email,Grants\nbob,bob@example.com,\(grant)\n")
            Issue.record("the grant \(grant) was accepted")
        } catch let error as LoadError {
            #expect(error.problems == [problem])
        }
        #expect(try workspace.count("SELECT count(*) FROM users WHERE user_name = 'bob'") == 0)
    }

    @Test func trainingRecordsUpdateByRecordRefOrByTheirKey() throws {
        let workspace = try workspace()
        let header = "RecordRef,PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments,Archived\n"
        try workspace.load(.trainingRecords, header + ",P001,FIRE-101,2026-01-10,,Passed,Sam,2,C-1,hi,N\n")
        #expect(try value(workspace, "SELECT id || '|' || expires_on FROM training_records") == "1|2027-01-10")
        // By key, no RecordRef: an update, not a duplicate. Empty cells keep; #N/A clears.
        try workspace.load(.trainingRecords, header + ",P001,FIRE-101,2026-01-10,#N/A,,,,,,Y\n")
        #expect(try workspace.count("SELECT count(*) FROM training_records") == 1)
        #expect(try value(workspace, "SELECT coalesce(expires_on, 'none') || '|' || trainer || '|' || comments || '|' || archived FROM training_records") == "none|Sam|hi|1")
        // By RecordRef: moving the date keeps the rest.
        try workspace.load(.trainingRecords, header + "tr-0000001,P001,FIRE-101,2026-01-11,,,,,,,\n")
        #expect(try value(workspace, "SELECT completed_on || '|' || archived || '|' || comments FROM training_records") == "2026-01-11|1|hi")
    }

    @Test func aReloadedIncidentStaysDeletedAndActionParentsAreCanonical() throws {
        let workspace = try workspace()
        try workspace.load(.incidents, "Reference,OrgUnit,Status\nINC-1,Acme/UK/North,Open\n")
        try workspace.db.execute("UPDATE incidents SET deleted = 1")
        try workspace.load(.incidents, "Reference,OrgUnit,Status\nINC-1,Acme/UK/North,InProgress\n")
        #expect(try value(workspace, "SELECT status || '|' || deleted FROM incidents") == "InProgress|1")
        try workspace.load(.trainingRecords, "PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-01-10\n")
        try workspace.load(.actions, "Reference,Parent,Status\nA9,Tr-0000001,draft\n")
        #expect(try value(workspace, "SELECT parent_ref || '|' || status FROM actions") == "TR-0000001|Draft")
    }

    @Test func aLeaverGetsNoNewTrainingRecordAndGrantsAreCheckedFirst() throws {
        let workspace = try workspace()
        try workspace.db.execute("UPDATE people SET leaver = 1 WHERE person_ref = 'P001'")
        try workspace.db.execute("UPDATE people SET current = 0 WHERE person_ref = 'P002'")
        let job = try workspace.run("PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-03-01\nP002,FIRE-101,2026-03-01\n", user: "north")
        #expect(try workspace.failures(job).map(\.reason) == ["Person P001 is not current", "You may not create training records in org unit Acme/UK/South"])
    }
}
