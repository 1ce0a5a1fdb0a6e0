import Foundation

/// `backdrop demo`: a small organisation to try Backdrop with. Loads org units, users with
/// grants, people and courses, and writes example files to drop under `examples/`.
struct Demo {
    let configuration: Configuration
    let workingDirectory: String
    let out: (String) -> Void

    static let orgUnits = """
        Path,Name
        Acme,Acme Ltd
        Acme/UK,United Kingdom
        Acme/UK/North,UK North
        Acme/UK/South,UK South
        Acme/DE,Germany

        """

    static let users = """
        UserName,Email,Grants,Active
        jane.doe,jane.doe@example.com,*@Acme,Y
        north.trainer,north.trainer@example.com,create-training-records@Acme/UK/North;training-bulk-update@Acme/UK/North,Y
        hr.sync,hr.sync@example.com,auto-archive-training;create-roles-and-training;update-roles;add-courses-to-roles,Y
        old.admin,old.admin@example.com,*,N

        """

    static let people = """
        PersonRef,Forename,Surname,OrgUnit,Current,JobTitle
        P0000001,Alice,Archer,Acme/UK/North,Y,Operator
        P0000002,Bilal,Brown,Acme/UK/North,Y,Supervisor
        P0000003,Chloé,Clarke,Acme/UK/South,Y,Engineer
        P0000004,Dmitri,Dvořák,Acme/DE,Y,Technician
        P0000005,Erin,Evans,Acme/UK/South,N,Driver

        """

    static let courses = """
        CourseCode,Title,ValidityMonths,Active
        FIRE-101,Fire safety awareness,12,Y
        MH-200,Manual handling,24,Y
        FA-300,First aid at work,36,Y
        IND-001,Site induction,0,Y
        OLD-999,Retired course,12,N

        """

    static let trainingRecords = """
        PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments
        P0000001,FIRE-101,2026-03-01,,Passed,Sam Smith,2,CERT-1001,
        P0000002,MH-200,2026-02-15,2028-02-15,passed,Sam Smith,3.5,CERT-1002,"Refresher, practical"
        P0000003,FA-300,2026-01-10,,Attended,Red Cross,16,,
        P0000004,IND-001,2026-04-01,,Passed,,1,,
        P0000099,FIRE-101,2026-03-01,,Passed,,,,unknown person
        P0000001,OLD-999,2026-03-01,,Passed,,,,inactive course
        P0000005,FIRE-101,2026-03-01,,Passed,,,,person is not current
        P0000002,FIRE-101,2026-13-01,,Passed,,,,bad date
        P0000003,MH-200,2026-03-01,2026-01-01,Passed,,,,expires before completion
        P0000001,FIRE-101,2026-03-01,,Passed,,,,duplicate of line 2

        """

    func run() throws {
        let examples = workingDirectory + "/examples"
        let reference = examples + "/reference"
        let files: [(String, String)] = [
            (reference + "/org-units.csv", Self.orgUnits),
            (reference + "/users.csv", Self.users),
            (reference + "/people.csv", Self.people),
            (reference + "/courses.csv", Self.courses),
            (reference + "/incidents.csv", DemoExamples.incidents),
            (reference + "/audits.csv", DemoExamples.audits),
            (reference + "/actions.csv", DemoExamples.actions),
        ] + DemoExamples.files.map { kind, text in (examples + "/\(kind.rawValue).csv", text) }
        for (path, text) in files {
            try AtomicFile.write(text.replacingOccurrences(of: "\n", with: "\r\n"), to: path)
        }
        let db = try Store.open(configuration)
        let loader = ReferenceLoader(db: db, dates: configuration.dateParser)
        for kind in [ReferenceKind.orgUnits, .users, .people, .courses, .incidents, .audits, .actions] {
            let outcome = try loader.load(kind, path: reference + "/\(kind.rawValue).csv")
            out("loaded \(kind.rawValue): \(outcome.created) created, \(outcome.updated) updated\n")
        }
        try UserFolders(configuration: configuration, db: db).create()
        out("""

            Demo ready. With the daemon running ('backdrop serve'; 'make run' starts it), drop the example:
              cp examples/create-training-records.csv \(relative(configuration.inbox))/jane.doe/create-training-records/
            There is one example per operation; dropped in this order, each builds on the ones before:
              \(DemoExamples.files.map { "examples/\($0.0.rawValue).csv" }.joined(separator: "\n  "))
            Notifications appear in \(relative(configuration.notificationsFolder))/jane.doe/, the summary in \(relative(configuration.summariesFolder))/,
            the email in \(relative(configuration.mailFolder))/.

            """)
    }

    private func relative(_ path: String) -> String {
        path.hasPrefix(workingDirectory + "/") ? String(path.dropFirst(workingDirectory.count + 1)) : path
    }
}
