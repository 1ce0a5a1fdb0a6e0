import Foundation
import Testing
@testable import BackdropCore

/// The three role operations through the real daemon, on the demo organisation (`jane.doe` may
/// run every operation in Acme).
@Suite(.tags(.endToEnd), .serialized) struct RoleEndToEndTests {
    static let roles = "RoleRef,Name,OrgUnit,Courses,Members\nR1,Fire wardens,Acme/UK/North,FIRE-101;MH-200,P0000001;P0000002\n"

    /// A demo deployment with the daemon running.
    func start() throws -> (TemporaryFolder, DaemonProcess) {
        let dir = try TemporaryFolder()
        try dir.write("backdrop.json", #"{"settle_ms": 50}"#)
        #expect(try runBackdrop(["demo"], in: dir.url.path).code == 0)
        return (dir, try DaemonProcess(folder: dir.url.path))
    }

    /// Drops a file for jane.doe and returns job `id`'s job.finished notification once written.
    func run(_ content: String, _ operation: OperationKind, job id: Int, in root: String, daemon: DaemonProcess) throws -> [String: Any] {
        try DaemonProcess.drop(content, as: "inbox/jane.doe/\(operation.rawValue)/job\(id).csv", in: root)
        let path = root + "/outbox/notifications/jane.doe/job-\(id)-finished.json"
        #expect(eventually { FileManager.default.fileExists(atPath: path) }, "no job.finished: \(daemon.log)")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func count(_ sql: String, in root: String) throws -> Int? {
        try Database(path: root + "/var/backdrop.db", readOnly: true).row(sql)?.int(0)
    }

    func reasons(job id: Int, in root: String) throws -> [String] {
        try Database(path: root + "/var/backdrop.db", readOnly: true)
            .rows("SELECT reason FROM job_failures WHERE job_id = \(id) ORDER BY line").compactMap { $0.string(0) }
    }

    @Test func createRolesAndTraining() throws {
        let (dir, daemon) = try start()
        let root = dir.url.path
        let finished = try run(Self.roles + "R2,Drivers,Acme/UK/South,FIRE-101,P0000003;P0000005\n", .createRolesAndTraining, job: 1, in: root, daemon: daemon)
        #expect(finished["counts"] as? [String: Int] == ["total": 2, "succeeded": 1, "failed": 1])
        #expect(try reasons(job: 1, in: root) == ["Person P0000005 is not current"])
        #expect(try count("SELECT count(*) FROM roles", in: root) == 1)
        #expect(try count("SELECT count(*) FROM training_needs WHERE status = 'Open' AND role_id IS NOT NULL", in: root) == 4)
        #expect(daemon.stop() == 0)
    }

    @Test func addCoursesToRoles() throws {
        let (dir, daemon) = try start()
        let root = dir.url.path
        _ = try run(Self.roles, .createRolesAndTraining, job: 1, in: root, daemon: daemon)
        let finished = try run("RoleRef,CourseCode,Optional,DueWithinDays\nR1,FA-300,Y,14\nR1,FIRE-101,,\nR9,FA-300,,\n",
                               .addCoursesToRoles, job: 2, in: root, daemon: daemon)
        #expect(finished["counts"] as? [String: Int] == ["total": 3, "succeeded": 1, "failed": 2])
        #expect(try reasons(job: 2, in: root) == ["Course FIRE-101 is already on role R1", "Role R9 not found"])
        #expect(try count("SELECT count(*) FROM training_needs n JOIN courses c ON c.id = n.course_id WHERE c.course_code = 'FA-300' AND n.optional = 1 AND n.status = 'Open'", in: root) == 2)
        #expect(daemon.stop() == 0)
    }

    @Test func updateRoles() throws {
        let (dir, daemon) = try start()
        let root = dir.url.path
        _ = try run(Self.roles, .createRolesAndTraining, job: 1, in: root, daemon: daemon)
        let finished = try run("RoleRef,Name,OrgUnit,Archived,CourseCode,Optional,RemoveCourse\nR1,Wardens,,,,,\nR1,,,,FIRE-101,,Y\nR1,,,,IND-001,,Y\n",
                               .updateRoles, job: 2, in: root, daemon: daemon)
        #expect(finished["counts"] as? [String: Int] == ["total": 3, "succeeded": 2, "failed": 1])
        #expect(try reasons(job: 2, in: root) == ["Course IND-001 is not on role R1"])
        #expect(try count("SELECT count(*) FROM roles WHERE name = 'Wardens'", in: root) == 1)
        #expect(try count("SELECT count(*) FROM training_needs WHERE status = 'Removed'", in: root) == 2)
        #expect(try count("SELECT count(*) FROM training_needs WHERE status = 'Open'", in: root) == 2)
        #expect(daemon.stop() == 0)
    }
}
