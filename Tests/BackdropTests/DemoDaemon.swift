import Foundation
@testable import BackdropCore

/// `backdrop demo` in a temporary folder, extra reference data loaded with `backdrop load`, and
/// the daemon running: drop a file as jane.doe, wait for `job.finished`, read what she is told.
final class DemoDaemon {
    let dir: TemporaryFolder
    var root: String { dir.url.path }
    private(set) var daemon: DaemonProcess!

    init(reference: [(ReferenceKind, String)] = []) throws {
        dir = try TemporaryFolder()
        try dir.write("backdrop.json", #"{"settle_ms": 50}"#)
        let demo = try runBackdrop(["demo"], in: dir.url.path)
        guard demo.code == 0 else { throw FileError("backdrop demo failed: \(demo.err)") }
        for (kind, csv) in reference {
            try dir.write("\(kind.rawValue).csv", csv)
            let load = try runBackdrop(["load", kind.rawValue, "\(kind.rawValue).csv"], in: dir.url.path)
            guard load.code == 0 else { throw FileError("backdrop load \(kind.rawValue) failed: \(load.err)") }
        }
        daemon = try DaemonProcess(folder: dir.url.path)
    }

    deinit { daemon?.stop() }

    /// Drops `content` as `inbox/jane.doe/<operation>/<name>`, waits for job `job` to finish and
    /// returns its `job.finished` notification and its summary's failures.
    func run(_ operation: OperationKind, _ content: String, name: String = "x.csv", job: Int = 1) throws
        -> (finished: [String: Any], failures: [[String: Any]]) {
        try DaemonProcess.drop(content, as: "inbox/jane.doe/\(operation.rawValue)/\(name)", in: root)
        let finishedPath = root + "/outbox/notifications/jane.doe/job-\(job)-finished.json"
        guard eventually(timeout: 10, { FileManager.default.fileExists(atPath: finishedPath) }) else {
            throw FileError("no job.finished for \(name): \(daemon.log)")
        }
        let finished = try json(finishedPath)
        guard let url = (finished["summary_url"] as? String).flatMap(URL.init(string:)) else {
            throw FileError("job.finished has no summary_url: \(finished)")
        }
        let summary = try json(url.deletingLastPathComponent().appendingPathComponent("summary.json").path)
        return (finished, summary["failures"] as? [[String: Any]] ?? [])
    }

    /// The daemon's database, read-only.
    func database() throws -> Database { try Database(path: root + "/var/backdrop.db", readOnly: true) }

    private func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }
}
