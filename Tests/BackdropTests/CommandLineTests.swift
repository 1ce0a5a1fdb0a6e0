import Foundation
import Testing
@testable import BackdropCore

/// The command line's messages and exit codes, word for word.
@Suite struct CommandLineTests {
    func run(_ arguments: [String], in folder: String) -> (code: Int32, out: String, err: String) {
        var out = "", err = ""
        let command = BackdropCommand(arguments: arguments, environment: [:], workingDirectory: folder,
                                      out: { out += $0 }, err: { err += $0 })
        do {
            return (try command.run(), out, err)
        } catch {
            let (code, message) = ExitStatus.of(error)
            return (code, out, message)
        }
    }

    static let failures: [(arguments: [String], code: Int32, message: String)] = [
        ([], 64, "error: no command given\nRun 'backdrop --help' for the commands and their options."),
        (["frobnicate"], 64, "error: unknown command 'frobnicate'; the commands are serve, load, jobs, job, sweep, demo\nRun 'backdrop --help' for the commands and their options."),
        (["load", "people"], 64, "error: load needs a kind and a CSV file: backdrop load <kind> FILE.csv\nRun 'backdrop --help' for the commands and their options."),
        (["load", "planets", "x.csv"], 64, "error: 'planets' is not a kind of reference data; the kinds are org-units, users, people, courses, incidents, audits, training-records, actions\nRun 'backdrop --help' for the commands and their options."),
        (["load", "people", "missing.csv"], 66, "error: missing.csv does not exist"),
        (["job", "abc"], 64, "error: 'abc' is not a job ID; 'backdrop jobs' lists them\nRun 'backdrop --help' for the commands and their options."),
        (["sweep", "--as-of", "tomorrow"], 64, "error: --as-of needs a date written YYYY-MM-DD\nRun 'backdrop --help' for the commands and their options."),
        (["serve", "now"], 64, "error: 'serve' takes no argument 'now'\nRun 'backdrop --help' for the commands and their options."),
        (["--config"], 64, "error: --config needs a file name\nRun 'backdrop --help' for the commands and their options."),
    ]

    @Test(arguments: failures)
    func mistakesGetAMessageAndASysexitsCode(_ arguments: [String], _ code: Int32, _ message: String) throws {
        let dir = try TemporaryFolder()
        let result = run(arguments, in: dir.url.path)
        #expect(result.code == code)
        #expect(result.err == message)
    }

    @Test func aBadConfigStopsEveryCommandWithExit78() throws {
        let dir = try TemporaryFolder()
        try dir.write("b.json", #"{"colour": "blue"}"#)
        for arguments in [["jobs", "--config", "b.json"], ["--config", "b.json", "sweep"]] {
            let result = run(arguments, in: dir.url.path)
            #expect(result.code == 78)
            #expect(result.err.hasPrefix("configuration error: \(dir.path("b.json")): unknown setting \"colour\""))
        }
    }

    @Test func helpIsShownForEveryCommand() throws {
        let dir = try TemporaryFolder()
        #expect(run(["--help"], in: dir.url.path).out.hasPrefix("backdrop: runs bulk operations"))
        for command in ["serve", "load", "jobs", "job", "sweep", "demo"] {
            let result = run([command, "--help"], in: dir.url.path)
            #expect(result.code == 0)
            #expect(result.out.hasPrefix("Usage: backdrop \(command)"))
        }
    }

    @Test func loadReportsEveryBadRowWithItsLineAndAppliesNothing() throws {
        let dir = try TemporaryFolder()
        try dir.write("units.csv", "Path\nUK/North\n")
        #expect(run(["load", "org-units", "units.csv"], in: dir.url.path).out == "units.csv: loaded org-units: 1 created, 0 updated\n")
        try dir.write("people.csv", "PersonRef,Forename,Surname,OrgUnit,Current\nP1,A,B,UK/North,Y\nP2,C,D,UK/Nowhere,Y\nP3,E,,UK/North,maybe\nP4,G,H,UK/North,N\n")
        let result = run(["load", "people", "people.csv"], in: dir.url.path)
        #expect(result.code == 65)
        #expect(result.err == """
            error: people.csv: nothing loaded, 2 problems:
              people.csv line 3: Org unit UK/Nowhere not found; load it with backdrop load org-units first
              people.csv line 4: Surname is required
            """)
        let db = try Database(path: dir.path("var/backdrop.db"))
        #expect(try db.row("SELECT count(*) FROM people")?.int(0) == 0)
    }

    @Test func loadingAgainUpdatesByKey() throws {
        let dir = try TemporaryFolder()
        try dir.write("units.csv", "Path,Name\nUK/North,North\n")
        _ = run(["load", "org-units", "units.csv"], in: dir.url.path)
        try dir.write("courses.csv", "CourseCode,Title,ValidityMonths,Active\nFIRE-101,Fire,12,Y\n")
        _ = run(["load", "courses", "courses.csv"], in: dir.url.path)
        try dir.write("courses.csv", "course code;TITLE;validity_months;active\nFIRE-101;Fire safety;24;no\nFA-1;First aid;;\n")
        #expect(run(["load", "courses", "courses.csv"], in: dir.url.path).out == "courses.csv: loaded courses: 1 created, 1 updated\n")
        let db = try Database(path: dir.path("var/backdrop.db"))
        let row = try #require(try db.row("SELECT title, validity_months, active FROM courses WHERE course_code = 'FIRE-101'"))
        #expect(row.string(0) == "Fire safety")
        #expect(row.int(1) == 24)
        #expect(!row.bool(2))
        // Parents are created as needed.
        #expect(try db.row("SELECT count(*) FROM org_units")?.int(0) == 2)
    }

    @Test func jobsJSONListsJobFieldsStateCountsAndProgress() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.run("PersonRef,CourseCode,CompletedOn\nP001,FIRE-101,2026-03-01\nP999,FIRE-101,2026-03-01\n")
        let result = run(["jobs", "--json"], in: workspace.folder.url.path)
        #expect(result.code == 0)
        let jobs = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [[String: Any]])
        #expect(jobs.count == 1)
        #expect(jobs[0]["id"] as? String == "1")
        #expect(jobs[0]["operation"] as? String == "create-training-records")
        #expect(jobs[0]["user"] as? String == "admin")
        #expect(jobs[0]["state"] as? String == "finished")
        #expect(jobs[0]["outcome"] as? String == "partially_succeeded")
        #expect(jobs[0]["dry_run"] as? Bool == false)
        #expect(jobs[0]["counts"] as? [String: Int] == ["total": 2, "succeeded": 1, "failed": 1])
        #expect(jobs[0]["progress"] == nil)
        let text = run(["job", "1"], in: workspace.folder.url.path).out
        #expect(text.contains("line 3: P999/FIRE-101/2026-03-01: Person P999 not found"))
    }
}
