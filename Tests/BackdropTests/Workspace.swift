import Foundation
@testable import BackdropCore

/// A deployment in a temporary folder: configuration, database, reference data, and a way to
/// run one file as a job synchronously (claimed exactly as intake claims it).
final class Workspace {
    let folder: TemporaryFolder
    let configuration: Configuration
    let db: Database

    init(settings: [String: Any] = [:]) throws {
        folder = try TemporaryFolder()
        configuration = try Configuration.parse(settings, workingDirectory: folder.url.path)
        db = try Store.open(configuration)
    }

    func load(_ kind: ReferenceKind, _ csv: String) throws {
        let path = try folder.write("ref-\(kind.rawValue)-\(UUID().uuidString).csv", csv)
        _ = try ReferenceLoader(db: db, dates: configuration.dateParser, today: Day(iso: "2026-12-04")!).load(kind, path: path)
    }

    /// Acme with UK/North and UK/South; users with every kind of grant; people and courses.
    func loadStandardData() throws {
        try load(.orgUnits, "Path\nAcme/UK/North\nAcme/UK/South\nAcme/DE\n")
        try load(.users, """
            UserName,Email,Grants
            admin,admin@example.com,*
            north,north@example.com,*@Acme/UK/North
            lms,lms@example.com,create-training-records@Acme
            nobody,nobody@example.com,bulk-delete@Acme

            """)
        try load(.people, """
            PersonRef,Forename,Surname,OrgUnit,Current
            P001,Alice,Archer,Acme/UK/North,Y
            P002,Bilal,Brown,Acme/UK/South,Y
            P003,Chloé,Clarke,Acme/UK/North,N
            P004,Dmitri,Dvořák,Acme/DE,Y

            """)
        try load(.courses, """
            CourseCode,Title,ValidityMonths,Active
            FIRE-101,Fire safety,12,Y
            FA-300,First aid,0,Y
            OLD-999,Retired,12,N

            """)
    }

    /// Runs `content` as a job of `user` for `operation` and returns the finished job.
    @discardableResult
    func run(_ content: String, user: String = "admin", operation: OperationKind = .createTrainingRecords,
             name: String = "records.csv", today: String = "2026-12-04") throws -> Job {
        try run(Data(content.utf8), user: user, operation: operation, name: name, today: today)
    }

    @discardableResult
    func run(_ content: Data, user: String = "admin", operation: OperationKind = .createTrainingRecords,
             name: String = "records.csv", today: String = "2026-12-04") throws -> Job {
        let store = JobStore(db: db)
        let dropped = try folder.write("inbox/\(user)/\(operation.rawValue)/\(name)", content)
        let job = try store.createClaiming(userName: user, operation: operation.rawValue, fileName: name, inboxPath: dropped,
                                           dryRun: InboxPath.isDryRun(name))
        let claimed = configuration.claimedFolder + "/\(job.id)-\(name)"
        try FileManager.default.createDirectory(atPath: configuration.claimedFolder, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: dropped, toPath: claimed)
        try store.markQueued(job.id, path: claimed)
        let running = try store.takeNext()!
        let runner = JobRunner(configuration: configuration, db: db, batchSize: 3, today: { Day(iso: today)! })
        _ = try runner.run(running)
        return try store.job(job.id)!
    }

    func failures(_ job: Job) throws -> [JobStore.Failure] { try JobStore(db: db).failures(job.id) }

    func count(_ sql: String, _ values: [any SQLBindable] = []) throws -> Int { try db.row(sql, values)?.int(0) ?? -1 }

    func readJSON(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }
}
