import Foundation

/// Watches the inbox and takes each settled file as a job: it is renamed out of the inbox into
/// `var/claimed/` at once (so it is never taken twice) and queued in the database, or refused
/// into `var/rejected/` with its reason. Runs on one thread; all its state is confined to it.
public final class Intake {
    let configuration: Configuration
    let db: Database
    let store: JobStore
    let publisher: Publisher
    let log: Log
    let onQueued: () -> Void
    private let watcher: InotifyWatcher
    private var candidates: [String: Candidate] = [:]
    private var lastScan = Date.distantPast
    private var settle: TimeInterval { Double(configuration.settleMilliseconds) / 1000 }

    public init(configuration: Configuration, log: Log, onQueued: @escaping () -> Void) throws {
        self.configuration = configuration
        self.db = try Store.open(configuration)
        self.store = JobStore(db: db)
        self.publisher = Publisher(configuration: configuration, store: store)
        self.log = log
        self.onQueued = onQueued
        self.watcher = try InotifyWatcher()
    }

    /// Makes a waiting `run` loop look at its stop flag now.
    public func wake() { watcher.wake() }

    /// Settles claims a crash interrupted: queued when the file made it to `var/claimed/`,
    /// forgotten when it is still in the inbox (the scan takes it again).
    public func recoverClaims() throws {
        for job in try store.unfinishedClaims() {
            let claimed = claimedPath(job)
            if FileManager.default.fileExists(atPath: claimed) {
                try store.markQueued(job.id, path: claimed)
            } else if let reason = job.error, FileStatus(path: publisher.rejectedPath(for: job)) != nil {
                // A refusal the crash interrupted after the file moved: finish it.
                let known = try db.row("SELECT 1 FROM users WHERE user_name = ? AND active = 1", [job.userName]) != nil
                var moved = job
                moved.path = publisher.rejectedPath(for: job)
                try publisher.reject(moved, reason: reason, notify: known)
            } else {
                try store.delete(job.id)  // still in the inbox: the scan takes it again
            }
        }
    }

    /// Watches and takes files until `shouldStop` says so.
    public func run(shouldStop: () -> Bool) throws {
        try UserFolders(configuration: configuration, db: db).create()
        scan()
        while !shouldStop() {
            let now = Date()
            let nextScan = lastScan.addingTimeInterval(configuration.rescanSeconds)
            var deadline = nextScan
            for candidate in candidates.values { deadline = min(deadline, candidate.due(now: now, settle: settle)) }
            let events = watcher.wait(timeout: max(0.01, deadline.timeIntervalSince(now)))
            if shouldStop() { break }
            for event in events { handle(event) }
            if Date() >= nextScan {
                do { try UserFolders(configuration: configuration, db: db).create() } catch { log.error("cannot create user folders: \(error)") }
                scan()
            }
            takeSettled()
        }
    }

    // MARK: - Seeing files

    private func handle(_ event: InotifyWatcher.Event) {
        switch event {
        case .completed(let path): see(path, .completed)
        case .changed(let path): see(path, .written)
        case .attributes(let path): see(path, .looked)
        case .folder(let path):
            watcher.watchTree(path)
            scan(below: path)
        case .overflow:
            log.info("inotify queue overflowed; rescanning the inbox")
            scan()
        }
    }

    private enum Sighting {
        /// Closed after writing, or renamed into place.
        case completed
        /// Created or written to: being written, even when a close was seen before.
        case written
        /// Found by a scan, or its attributes changed: no news about its writer.
        case looked
    }

    private func see(_ path: String, _ sighting: Sighting) {
        guard case let name = (path as NSString).lastPathComponent, !InboxPath.isInProgress(name) else { return }
        guard let status = FileStatus(path: path), !status.isDirectory else {
            candidates.removeValue(forKey: path)
            return
        }
        let now = Date()
        // A symbolic link, a FIFO, …: made in one step, nothing to wait for (it is refused).
        let completed = sighting == .completed || !status.isRegular
        if var known = candidates[path] {
            if known.size != status.size || known.modified != status.modified {
                known.size = status.size
                known.modified = status.modified
                known.stableSince = now
            }
            if sighting == .written && status.isRegular { known.completed = false }
            if completed {
                known.completed = true
                known.stableSince = now
            }
            candidates[path] = known
        } else {
            candidates[path] = Candidate(size: status.size, modified: status.modified, stableSince: now, completed: completed)
        }
    }

    /// Looks at every file in the tree: catches what notification missed, and files that were
    /// there before the daemon started.
    private func scan(below root: String? = nil) {
        if root == nil {
            // Watch first, then look: a file made in between is then seen one way or the other.
            // A folder made again (deleted or moved away) is watched again here.
            lastScan = Date()
            watcher.watchTree(configuration.inbox)
        }
        var stack = [root ?? configuration.inbox]
        while let folder = stack.popLast() {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for entry in entries {
                let path = folder + "/" + entry
                guard let status = FileStatus(path: path) else { continue }
                if status.isDirectory {
                    stack.append(path)
                } else if candidates[path] == nil {
                    see(path, .looked)
                } else {
                    see(path, .looked)
                }
            }
        }
    }

    // MARK: - Taking files

    private func takeSettled() {
        let now = Date()
        for (path, candidate) in candidates where candidate.due(now: now, settle: settle) <= now {
            guard let status = FileStatus(path: path) else {
                candidates.removeValue(forKey: path)
                continue
            }
            if status.size != candidate.size || status.modified != candidate.modified {
                see(path, .looked)
                continue
            }
            candidates.removeValue(forKey: path)
            do {
                try take(path, status: status)
            } catch {
                log.error("cannot take \(path): \(error)")
            }
        }
    }

    private func relative(_ path: String) -> String {
        String(path.dropFirst(configuration.inbox.count + 1))
    }

    func claimedPath(_ job: Job) -> String { configuration.claimedFolder + "/\(job.id)-\(job.fileName)" }

    private func take(_ path: String, status: FileStatus) throws {
        let name = (path as NSString).lastPathComponent
        switch InboxPath.classify(relative(path)) {
        case .inProgress:
            return
        case .refuse(let user, let operation, let reason):
            try refuse(path, name: name, user: user, operation: operation, reason: reason)
        case .take(let user, let operation, let dryRun):
            guard let access = try UserAccess.load(db, userName: user, operation: operation) else {
                return try refuse(path, name: name, user: user, operation: operation.rawValue, reason: "\(user) is not an active Backdrop user")
            }
            if status.isSymlink {
                return try refuse(path, name: name, user: user, operation: operation.rawValue, reason: "\(name) is a symbolic link; drop the file itself")
            }
            if !status.isRegular {
                return try refuse(path, name: name, user: user, operation: operation.rawValue, reason: "\(name) is not a regular file")
            }
            if !access.hasAnyGrant {
                return try refuse(path, name: name, user: user, operation: operation.rawValue, reason: "user \(user) has no grant for \(operation.rawValue)")
            }
            if status.size == 0 {
                return try refuse(path, name: name, user: user, operation: operation.rawValue, reason: "\(name) is empty")
            }
            if status.size > Int64(configuration.maxFileBytes) {
                return try refuse(path, name: name, user: user, operation: operation.rawValue,
                                  reason: "\(name) is \(Int(status.size).grouped) bytes; the limit is \(configuration.maxFileBytes.grouped) bytes")
            }
            try claim(path, name: name, user: user, operation: operation, dryRun: dryRun)
        }
    }

    private func claim(_ path: String, name: String, user: String, operation: OperationKind, dryRun: Bool) throws {
        let job = try store.createClaiming(userName: user, operation: operation.rawValue, fileName: name, inboxPath: path, dryRun: dryRun)
        let target = claimedPath(job)
        try FileManager.default.createDirectory(atPath: configuration.claimedFolder, withIntermediateDirectories: true)
        guard rename(path, target) == 0 else {
            let code = errno
            try store.delete(job.id)
            if code == ENOENT { return }  // gone before we took it
            throw FileError.cannot("move \(path) to", target, code)
        }
        AtomicFile.syncFolder(configuration.claimedFolder)
        try store.markQueued(job.id, path: target)
        log.info("job \(job.id): took \(relative(path))\(dryRun ? " (dry run)" : "")")
        onQueued()
    }

    private func refuse(_ path: String, name: String, user: String?, operation: String, reason: String) throws {
        let known = try user.flatMap { try db.row("SELECT 1 FROM users WHERE user_name = ? AND active = 1", [$0]) } != nil
        var job = try store.createClaiming(userName: user ?? "", operation: operation, fileName: name, inboxPath: path, dryRun: false)
        // The reason is recorded before the file moves, so a crash in between can be finished.
        try store.db.execute("UPDATE jobs SET error = ? WHERE id = ?", [reason, job.id])
        job.error = reason
        try publisher.reject(job, reason: reason, notify: known)
        log.info("job \(job.id): rejected \(relative(path)): \(reason)")
        if known { onQueued() }  // wakes the mail loop for the rejection's email
    }
}
