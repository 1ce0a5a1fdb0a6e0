import Foundation
import Testing
@testable import BackdropCore

@Suite struct CreateTrainingRecordsTests {
    static let header = "PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments\n"

    /// One row each; the expected reason, or nil when the row succeeds. User `admin` unless given.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("P001,FIRE-101,2026-03-01,,,,,,", "admin", nil),
        (",FIRE-101,2026-03-01,,,,,,", "admin", "PersonRef is required"),
        ("P001,,2026-03-01,,,,,,", "admin", "CourseCode is required"),
        ("P001,FIRE-101,,,,,,,", "admin", "CompletedOn is required"),
        ("P999,FIRE-101,2026-03-01,,,,,,", "admin", "Person P999 not found"),
        ("P003,FIRE-101,2026-03-01,,,,,,", "admin", "Person P003 is not current"),
        ("P002,FIRE-101,2026-03-01,,,,,,", "north", "You may not create training records in org unit Acme/UK/South"),
        ("P001,NOPE-1,2026-03-01,,,,,,", "admin", "Course NOPE-1 not found"),
        ("P001,OLD-999,2026-03-01,,,,,,", "admin", "Course OLD-999 is inactive"),
        ("P001,FIRE-101,01/03/2026,,,,,,", "admin", "CompletedOn 01/03/2026 is not a date (YYYY-MM-DD)"),
        ("P001,FIRE-101,2026-02-30,,,,,,", "admin", "CompletedOn 2026-02-30 is not a date (YYYY-MM-DD)"),
        ("P001,FIRE-101,2026-12-05,,,,,,", "admin", "CompletedOn 2026-12-05 is in the future"),
        ("P001,FIRE-101,2026-03-01,2026-01-01,,,,,", "admin", "ExpiresOn 2026-01-01 is before CompletedOn 2026-03-01"),
        ("P001,FIRE-101,2026-03-01,soon,,,,,", "admin", "ExpiresOn soon is not a date (YYYY-MM-DD)"),
        ("P001,FIRE-101,2026-03-01,,Excellent,,,,", "admin", "Result Excellent is not one of Passed, Failed, Attended"),
        ("P001,FIRE-101,2026-03-01,,,,-1,,", "admin", "Hours -1 is not a number of 0 or more"),
        ("P001,FIRE-101,2026-03-01,,,,two,,", "admin", "Hours two is not a number of 0 or more"),
        ("P001,FIRE-101,2026-03-01,,,", "admin", "Row has 6 fields, the header has 9"),
        ("P001,FIRE-101,2026-03-01,,failed,,1.5,,", "north", nil),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValue(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .createTrainingRecords, reason: reason)
        guard reason == nil else { return }
        #expect(try workspace.count("SELECT count(*) FROM training_records") == 1)
    }

    @Test func aDuplicateInTheSameFileOrAlreadyStoredFails() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let first = try workspace.run(Self.header + "P001,FIRE-101,2026-03-01,,,,,,\nP004,FA-300,2026-03-01,,,,,,\nP001,FIRE-101,2026-03-01,,Failed,,,,\n")
        #expect(try workspace.failures(first).map(\.reason) == ["A record of FIRE-101 completed on 2026-03-01 already exists for P001"])
        #expect(try workspace.failures(first).map(\.line) == [4])
        let second = try workspace.run(Self.header + "P004,FA-300,2026-03-01,,,,,,\n", name: "again.csv")
        #expect(try workspace.failures(second).map(\.reason) == ["A record of FA-300 completed on 2026-03-01 already exists for P004"])
    }

    @Test func expiryDefaultsFromTheCourseAndResultsMatchIgnoringCase() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.run(Self.header + "P001,FIRE-101,2024-02-29,,attended,Sam,2,C-1,ok\nP004,FA-300,2026-01-31,,,,,,\n")
        let rows = try workspace.db.rows("SELECT expires_on, result, hours, trainer FROM training_records ORDER BY id")
        #expect(rows[0].string(0) == "2025-02-28")
        #expect(rows[0].string(1) == "Attended")
        #expect(rows[0].double(2) == 2)
        #expect(rows[1].string(0) == nil)  // ValidityMonths 0: never expires
        #expect(rows[1].string(1) == "Passed")
    }

    @Test func aPassedRecordClosesTheOpenNeedAndAFailedOneDoesNot() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.db.execute("INSERT INTO training_needs(person_id, course_id, status) SELECT p.id, c.id, 'Open' FROM people p, courses c WHERE p.person_ref IN ('P001', 'P004') AND c.course_code = 'FIRE-101'")
        try workspace.run(Self.header + "P001,FIRE-101,2026-03-01,,Passed,,,,\nP004,FIRE-101,2026-03-01,,Failed,,,,\n")
        let needs = try workspace.db.rows("SELECT p.person_ref, n.status, n.met_by_record_id FROM training_needs n JOIN people p ON p.id = n.person_id ORDER BY p.person_ref")
        #expect(needs.map { $0.string(1) } == ["Met", "Open"])
        #expect(needs[0].int(2) == 1)
    }

    @Test func configuredDateFormatsAreAcceptedToo() throws {
        let workspace = try Workspace(settings: ["date_formats": ["DD/MM/YYYY"]])
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + "P001,FIRE-101,01/03/2026,31/03/2027,,,,,\nP004,FIRE-101,2026-13-01,,,,,,\n")
        #expect(try workspace.failures(job).map(\.reason) == ["CompletedOn 2026-13-01 is not a date (YYYY-MM-DD or DD/MM/YYYY)"])
        #expect(try workspace.db.row("SELECT completed_on, expires_on FROM training_records")?.string(0) == "2026-03-01")
    }

    @Test func brokenQuotingOnTheLastLineAppliesNothingAndNamesTheLine() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        var text = Self.header
        for day in 1...9 { text += "P001,FIRE-101,2026-03-0\(day),,,,,,\n" }
        text += "P004,FIRE-101,2026-04-01,,,,,,\"unclosed comment\n"
        let job = try workspace.run(text)
        #expect(job.outcome == .failed)
        #expect(job.error == "records.csv line 11, column 31: a quoted field is never closed: the quote that opens here runs to the end of the file")
        #expect(try workspace.count("SELECT count(*) FROM training_records") == 0)
        let summary = try workspace.readJSON(workspace.configuration.summariesFolder + "/\(job.token)/summary.json")
        #expect((summary["job"] as? [String: Any])?["error"] as? String == job.error)
        let started = try workspace.readJSON(workspace.configuration.notificationsFolder + "/admin/job-\(job.id)-started.json")
        #expect(started["message"] as? String == "Processing records.csv")
        let finished = try workspace.readJSON(workspace.configuration.notificationsFolder + "/admin/job-\(job.id)-finished.json")
        #expect((finished["job"] as? [String: Any])?["outcome"] as? String == "failed")
        #expect(finished["message"] as? String == "Nothing was applied: \(job.error!)")
    }

    @Test func aMissingRequiredColumnFailsTheWholeFile() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run("Person Ref;course_code;Extra\nP001;FIRE-101;x\n")
        #expect(job.outcome == .failed)
        #expect(job.error == "records.csv line 1: missing required column CompletedOn (the header has \"Person Ref\", \"course_code\", \"Extra\")")
    }

    @Test func unknownColumnsAreIgnoredAndNamedAndHeadersMatchLoosely() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run("\u{FEFF}person_ref;Course-Code;COMPLETED ON;Favourite Colour\nP001;FIRE-101;2026-03-01;blue\n")
        #expect(job.outcome == .succeeded)
        #expect(job.ignoredColumns == ["Favourite Colour"])
    }
}
