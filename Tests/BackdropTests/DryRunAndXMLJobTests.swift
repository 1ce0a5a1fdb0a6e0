import Foundation
import Testing
@testable import BackdropCore

@Suite struct DryRunAndXMLJobTests {
    static let csv = """
        PersonRef,CourseCode,CompletedOn,Result
        P001,FIRE-101,2026-03-01,Passed
        P999,FIRE-101,2026-03-01,Passed
        P004,FA-300,2026-03-01,Attended
        P001,FIRE-101,2026-03-01,Failed

        """

    /// Everything a job can change, as text, to compare before and after.
    func snapshot(_ workspace: Workspace) throws -> String {
        try ["training_records", "training_needs", "people", "courses"].map { table in
            try workspace.db.rows("SELECT * FROM \(table) ORDER BY 1").map { row in
                row.values.map { "\($0)" }.joined(separator: "|")
            }.joined(separator: "\n")
        }.joined(separator: "\n--\n")
    }

    @Test func aDryRunReportsWhatWouldHappenChangesNothingAndMatchesTheRealRun() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.db.execute("INSERT INTO training_needs(person_id, course_id, status) SELECT p.id, c.id, 'Open' FROM people p, courses c WHERE p.person_ref = 'P001' AND c.course_code = 'FIRE-101'")
        let before = try snapshot(workspace)
        let dry = try workspace.run(Self.csv, name: "march.dryrun.csv")
        #expect(dry.dryRun)
        #expect(try snapshot(workspace) == before)
        let real = try workspace.run(Self.csv, name: "march.csv")
        #expect(!real.dryRun)
        #expect(try snapshot(workspace) != before)
        #expect(dry.outcome == real.outcome)
        #expect([dry.total, dry.succeeded, dry.failed] == [real.total, real.succeeded, real.failed])
        let dryFailures = try workspace.failures(dry).map { [String($0.line), $0.reference, $0.reason] }
        let realFailures = try workspace.failures(real).map { [String($0.line), $0.reference, $0.reason] }
        #expect(dryFailures == realFailures)
        // The duplicate on line 5 is seen against line 2 of the same file, even in the dry run.
        #expect(dryFailures == [["3", "P999/FIRE-101/2026-03-01", "Person P999 not found"],
                                ["5", "P001/FIRE-101/2026-03-01", "A record of FIRE-101 completed on 2026-03-01 already exists for P001"]])
        let notification = try workspace.readJSON(workspace.configuration.notificationsFolder + "/admin/job-\(dry.id)-finished.json")
        #expect((notification["job"] as? [String: Any])?["dry_run"] as? Bool == true)
        #expect((notification["title"] as? String)?.contains("dry run") == true)
    }

    @Test func xmlFeedsTheSameRecordsAsCSV() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <TrainingRecords>
              <TrainingRecord>
                <PersonRef>P001</PersonRef><CourseCode>FIRE-101</CourseCode><CompletedOn>2026-03-01</CompletedOn>
                <Comments>Fish &amp; chips</Comments>
              </TrainingRecord>
              <TrainingRecord>
                <person_ref>P999</person_ref><Course-Code>FIRE-101</Course-Code><CompletedOn>2026-03-01</CompletedOn>
              </TrainingRecord>
            </TrainingRecords>

            """
        let job = try workspace.run(xml, name: "records.xml")
        #expect(job.outcome == .partiallySucceeded)
        #expect(try workspace.failures(job).map { "\($0.line) \($0.reason)" } == ["7 Person P999 not found"])
        #expect(try workspace.db.row("SELECT comments FROM training_records")?.string(0) == "Fish & chips")
        let csv = try String(contentsOfFile: workspace.configuration.summariesFolder + "/\(job.token)/failures.csv", encoding: .utf8)
        #expect(csv == "PersonRef,CourseCode,CompletedOn,Comments,Line,Reason\r\nP999,FIRE-101,2026-03-01,,7,Person P999 not found\r\n")
    }

    @Test func anExternalEntityNeverShowsItsContentAnywhere() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <r><t><PersonRef>&x;</PersonRef><CourseCode>FIRE-101</CourseCode><CompletedOn>2026-03-01</CompletedOn></t></r>
            """
        let job = try workspace.run(xml, name: "evil.xml")
        #expect(job.outcome == .failed)
        #expect(job.error?.hasPrefix("evil.xml line 2") == true)
        let everything = try [job.error ?? ""]
            + FileManager.default.subpathsOfDirectory(atPath: workspace.configuration.outbox).compactMap {
                try? String(contentsOfFile: workspace.configuration.outbox + "/" + $0, encoding: .utf8)
            }
            + workspace.db.rows("SELECT person_ref FROM people").compactMap { $0.string(0) }
        #expect(!everything.joined().contains("root:"))
        #expect(try workspace.count("SELECT count(*) FROM training_records") == 0)
    }

    @Test func aBillionLaughsFileIsRefusedQuicklyWithNothingApplied() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        var entities = "<!ENTITY a0 \"lol\">"
        for level in 1...10 { entities += "<!ENTITY a\(level) \"" + String(repeating: "&a\(level - 1);", count: 10) + "\">" }
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [\(entities)]><r><t><PersonRef>&a10;</PersonRef></t></r>"
        let started = Date()
        let job = try workspace.run(xml, name: "laughs.xml")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(job.outcome == .failed)
        #expect(job.error?.contains("DOCTYPE") == true)
    }

    @Test func malformedXMLAtTheEndOfALargeFileAppliesNothing() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        var xml = "<TrainingRecords>\n"
        for day in 0..<5000 {
            xml += "<R><PersonRef>P001</PersonRef><CourseCode>FIRE-101</CourseCode><CompletedOn>\(Day(iso: "2010-01-01")!.adding(days: day))</CompletedOn></R>\n"
        }
        xml += "<R><PersonRef>P001</PersonRef></TrainingRecords>\n"
        let job = try workspace.run(xml, name: "big.xml")
        #expect(job.outcome == .failed)
        #expect(job.error?.hasPrefix("big.xml line 5002") == true)
        #expect(try workspace.count("SELECT count(*) FROM training_records") == 0)
    }

    @Test func csvInUTF16WithBOMIsApplied() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        var data = Data([0xFF, 0xFE])
        data.append("PersonRef;CourseCode;CompletedOn;Trainer\r\nP001;FIRE-101;2026-03-01;Zoë Müller\r\n".data(using: .utf16LittleEndian)!)
        let job = try workspace.run(data, name: "utf16.csv")
        #expect(job.outcome == .succeeded)
        #expect(try workspace.db.row("SELECT trainer FROM training_records")?.string(0) == "Zoë Müller")
    }

    @Test func failuresCSVNeutralisesFormulasAndKeepsTheRowAsWritten() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run("PersonRef,CourseCode,CompletedOn,Comments\n=HYPERLINK(\"x\"),FIRE-101,2026-03-01,\"a, b\"\n")
        let csv = try String(contentsOfFile: workspace.configuration.summariesFolder + "/\(job.token)/failures.csv", encoding: .utf8)
        #expect(csv == "PersonRef,CourseCode,CompletedOn,Comments,Line,Reason\r\n\"'=HYPERLINK(\"\"x\"\")\",FIRE-101,2026-03-01,\"a, b\",2,\"Person =HYPERLINK(\"\"x\"\") not found\"\r\n")
        let html = try String(contentsOfFile: workspace.configuration.summariesFolder + "/\(job.token)/index.html", encoding: .utf8)
        #expect(html.contains("Person =HYPERLINK(&quot;x&quot;) not found"))
    }
}
