import Foundation
import Testing
@testable import BackdropCore

/// `backdrop demo` in a temporary folder with its own `backdrop.json`, and helpers to look at
/// what the daemon did with the inbox: jobs in the database, rejected files and their reasons,
/// notifications and emails.
final class IntakeDeployment {
    let dir: TemporaryFolder
    var root: String { dir.url.path }
    static let folder = "inbox/jane.doe/create-training-records/"

    init(settings: String) throws {
        dir = try TemporaryFolder()
        try dir.write("backdrop.json", settings)
        let demo = try runBackdrop(["demo"], in: root)
        guard demo.code == 0 else { throw FileError("backdrop demo failed: \(demo.err)") }
    }

    func start() throws -> DaemonProcess { try DaemonProcess(folder: root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    func exists(_ relative: String) -> Bool {
        var info = stat()
        return lstat(path(relative), &info) == 0
    }

    func files(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(relative))) ?? []).sorted()
    }

    func json(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative)))) as! [String: Any]
    }

    /// The daemon's database, read-only.
    func database() throws -> Database { try Database(path: path("var/backdrop.db"), readOnly: true) }

    func jobCount() -> Int {
        (try? database().row("SELECT count(*) FROM jobs")?.int(0)) ?? 0
    }

    /// The `job.finished` notification of a job, once it is there.
    func finished(_ job: Int, user: String = "jane.doe", timeout: TimeInterval = 10, _ daemon: DaemonProcess) throws -> [String: Any] {
        let relative = "outbox/notifications/\(user)/job-\(job)-finished.json"
        guard eventually(timeout: timeout, { exists(relative) }) else {
            throw FileError("no job.finished for job \(job): \(daemon.log)")
        }
        return try json(relative)
    }

    /// The reasons in `var/rejected/*.reason.json`, by the rejected file's name.
    func rejections() -> [String: [String: Any]] {
        var reasons: [String: [String: Any]] = [:]
        for name in files("var/rejected") where name.hasSuffix(".reason.json") {
            reasons[String(name.dropLast(".reason.json".count))] = try? json("var/rejected/" + name)
        }
        return reasons
    }

    /// The `.eml` files written so far.
    func emails() -> [String] {
        files("outbox/mail").filter { $0.hasSuffix(".eml") }.compactMap {
            try? String(contentsOfFile: path("outbox/mail/" + $0), encoding: .utf8)
        }
    }

    /// Writes a file in place (no temporary name): created, written, closed.
    func writeInPlace(_ relative: String, _ content: String) throws {
        try FileManager.default.createDirectory(atPath: (path(relative) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path(relative)))
    }
}

/// A file of `count` valid training records for jane.doe, each one unique.
func uniqueRecords(_ count: Int, from start: Int = 0) -> String {
    var text = "PersonRef,CourseCode,CompletedOn\n"
    for i in start..<(start + count) {
        text += "P000000\(i % 4 + 1),IND-001,\(Day(iso: "2020-01-01")!.adding(days: i).description)\n"
    }
    return text
}
