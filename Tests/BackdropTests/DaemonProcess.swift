import Foundation
import Testing
@testable import BackdropCore

extension Tag {
    /// Runs the real `backdrop` executable as a separate process (slower than the rest).
    @Tag static var endToEnd: Self
}

/// The `backdrop` executable built beside this test bundle.
let backdropExecutable: String = {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("backdrop").path
    if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/backdrop").path
}()

/// Waits for a condition without sleeping longer than needed: checks every 20 ms until the
/// deadline. Returns whether it came true.
@discardableResult
func eventually(timeout: TimeInterval = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// Runs `backdrop` with arguments in a folder and returns its exit code and output.
@discardableResult
func runBackdrop(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: backdropExecutable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "BACKDROP_CONFIG")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// `backdrop serve` as a child process, its log going to a file in the folder.
final class DaemonProcess {
    let process = Process()
    let folder: String
    let logPath: String

    init(folder: String) throws {
        self.folder = folder
        logPath = folder + "/serve-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: backdropExecutable)
        process.arguments = ["serve"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "BACKDROP_CONFIG")
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        let ready = eventually { log.contains("backdrop is watching") || !process.isRunning }
        if !ready || !process.isRunning { throw FileError("backdrop serve did not start: \(log)") }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends a signal and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> Int32? {
        kill(process.processIdentifier, signal)
        guard eventually(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Drops a file the way an SFTP client does: written under a temporary name, then renamed.
    static func drop(_ content: String, as relative: String, in folder: String) throws {
        let final = folder + "/" + relative
        try FileManager.default.createDirectory(atPath: (final as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: final + ".part"))
        try FileManager.default.moveItem(atPath: final + ".part", toPath: final)
    }
}
