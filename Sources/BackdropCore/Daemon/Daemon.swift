import Foundation
import Synchronization

/// `backdrop serve`: the intake thread, the job workers and the mail and retention loop, until
/// a stop is requested. A stop lets each worker commit its current batch and return; the
/// interrupted job stays in the database and resumes at the next start.
public final class Daemon: Sendable {
    let configuration: Configuration
    let log: Log
    private let stopping = Atomic<Bool>(false)
    private let wakeUp = NSCondition()
    private let intakeWaker = Mutex<(@Sendable () -> Void)?>(nil)
    /// Why a thread ended the daemon, if one did: `run` then throws, so the exit code says so.
    private let fatal = Mutex<String?>(nil)

    public init(configuration: Configuration, log: Log) {
        self.configuration = configuration
        self.log = log
    }

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Asks every loop to finish what it is doing and return (safe from any thread).
    public func requestStop() {
        stopping.store(true, ordering: .releasing)
        wakeAll()
        intakeWaker.withLock { $0?() }
    }

    private func wakeAll() {
        wakeUp.lock()
        wakeUp.broadcast()
        wakeUp.unlock()
    }

    private func pause(_ seconds: TimeInterval) {
        wakeUp.lock()
        if !isStopping { _ = wakeUp.wait(until: Date().addingTimeInterval(seconds)) }
        wakeUp.unlock()
    }

    /// Runs until `requestStop`; throws when the daemon cannot start.
    public func run() throws {
        for folder in [configuration.inbox, configuration.outbox, configuration.state, configuration.notificationsFolder,
                       configuration.summariesFolder, configuration.claimedFolder] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let db = try Store.open(configuration)
        let intake = try Intake(configuration: configuration, log: log, onQueued: { [self] in wakeAll() })
        let store = JobStore(db: db)
        try store.requeueInterrupted()
        try intake.recoverClaims()
        let publisher = Publisher(configuration: configuration, store: store)
        for job in try store.unpublished() {
            try publisher.publish(job)
        }
        _ = try Sweeper(configuration: configuration, db: db).sweep()
        // From here on the intake belongs to its thread; other threads only call `wake`.
        let intakeBox = UncheckedBox(intake)
        intakeWaker.withLock { $0 = { intakeBox.value.wake() } }

        let group = DispatchGroup()
        startThread("intake", group) { [self] in
            try intakeBox.value.run(shouldStop: { self.isStopping })
        }
        for index in 1...configuration.workers {
            startThread("worker \(index)", group) { [self] in try workerLoop() }
        }
        // The mail thread may be inside an SMTP exchange that takes up to mail.timeout_seconds;
        // a stop does not wait for more than a few seconds of it. A message the server accepted
        // but that was not yet marked sent goes again at the next start, with the same Message-ID.
        let mailGroup = DispatchGroup()
        startThread("mail", mailGroup) { [self] in try mailLoop() }
        log.info("backdrop is watching \(configuration.inbox) (\(configuration.workers) worker\(configuration.workers == 1 ? "" : "s"), mail: \(configuration.mail.transport.rawValue))")
        group.wait()
        if mailGroup.wait(timeout: .now() + 5) == .timedOut {
            log.info("stopping without waiting for the mail server; the message in flight is sent again at the next start")
        }
        if let reason = fatal.withLock({ $0 }) {
            log.error("backdrop stopped because \(reason)")
            throw CommandError.unavailable("backdrop stopped because \(reason)")
        }
        log.info("backdrop stopped")
    }

    private func startThread(_ name: String, _ group: DispatchGroup, _ body: @escaping @Sendable () throws -> Void) {
        group.enter()
        let log = self.log
        let thread = Thread { [self] in
            defer { group.leave() }
            do {
                try body()
            } catch {
                log.error("\(name) stopped: \(error)")
                fatal.withLock { $0 = $0 ?? "\(name) stopped: \(error)" }
                requestStop()
            }
        }
        thread.name = name
        thread.start()
    }

    private func workerLoop() throws {
        let db = try Store.open(configuration)
        let store = JobStore(db: db)
        let runner = JobRunner(configuration: configuration, db: db, batchSeconds: configuration.batchSeconds, log: log, shouldStop: { [self] in isStopping })
        let publisher = Publisher(configuration: configuration, store: store)
        var unpublished: [Int64: Date] = [:]  // job → when to try publishing it again
        while !isStopping {
            let next: Job?
            do {
                next = try store.takeNext()
            } catch {
                // Another connection holds the write lock for longer than the busy timeout
                // (a large `backdrop load`, say): wait and ask again.
                log.error("cannot take the next job: \(error)")
                pause(5)
                continue
            }
            guard let job = next else {
                retryPublishing(&unpublished, publisher: publisher)
                pause(1)
                continue
            }
            log.info("job \(job.id): running \(job.operation) for \(job.userName) from \(job.fileName)")
            do {
                switch try runner.run(job) {
                case .finished:
                    let done = try store.job(job.id)
                    log.info("job \(job.id): \(done?.outcome?.rawValue ?? "finished") (\(done?.succeeded ?? 0) succeeded, \(done?.failed ?? 0) failed)")
                    wakeAll()
                case .interrupted:
                    try db.execute("UPDATE jobs SET state = 'queued' WHERE id = ?", [job.id])
                    log.info("job \(job.id): stopped after \(try store.job(job.id)?.done ?? 0) records; it resumes at the next start")
                }
            } catch {
                log.error("job \(job.id): \(error); it will be tried again")
                try? db.execute("UPDATE jobs SET state = 'queued' WHERE id = ? AND state = 'running'", [job.id])
                // A job that finished but could not be published (a full disk, say) is this
                // worker's to publish again; nobody else touches it until the next start.
                if let stuck = try? store.job(job.id), stuck.state == .finished, stuck.publishedAt == nil {
                    unpublished[job.id] = Date().addingTimeInterval(60)
                }
                pause(5)
            }
        }
    }

    private func retryPublishing(_ unpublished: inout [Int64: Date], publisher: Publisher) {
        for (id, due) in unpublished where due <= Date() {
            do {
                if let job = try publisher.store.job(id), job.publishedAt == nil { try publisher.publish(job) }
                unpublished.removeValue(forKey: id)
                log.info("job \(id): published")
            } catch {
                log.error("job \(id): still cannot publish: \(error)")
                unpublished[id] = Date().addingTimeInterval(60)
            }
        }
    }

    private func mailLoop() throws {
        let db = try Store.open(configuration)
        let delivery = MailDelivery(db: db, configuration: configuration, transport: MailDelivery.transport(for: configuration))
        let sweeper = Sweeper(configuration: configuration, db: db)
        var nextSweep = Date().addingTimeInterval(3600)
        while !isStopping {
            do {
                try delivery.deliverDue()
            } catch {
                log.error("mail delivery: \(error)")
            }
            if Date() >= nextSweep {
                do {
                    let report = try sweeper.sweep()
                    if report.jobs > 0 { log.info("retention: swept \(report.jobs) jobs, \(report.notifications) notifications") }
                } catch {
                    log.error("retention: \(error)")
                }
                nextSweep = Date().addingTimeInterval(3600)
            }
            let next = (try? MailOutbox(db: db, configuration: configuration).nextDue()) ?? nil
            pause(min(5, max(0.05, (next ?? .distantFuture).timeIntervalSinceNow)))
        }
    }
}

/// Carries a value confined to one thread across a `Sendable` boundary; the code that uses it
/// guarantees the confinement (here: `Intake.wake` only writes to a pipe).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
