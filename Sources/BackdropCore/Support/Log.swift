import Foundation
import Synchronization

/// One line per event on standard error, with a UTC timestamp; safe from any thread.
public final class Log: Sendable {
    private let lock = Mutex(())
    private let quiet: Bool

    public init(quiet: Bool = false) { self.quiet = quiet }

    public func info(_ message: String) { write("info", message) }
    public func error(_ message: String) { write("error", message) }

    private func write(_ level: String, _ message: String) {
        if quiet && level == "info" { return }
        let line = "\(Timestamp.now) \(level) \(message)\n"
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
}
