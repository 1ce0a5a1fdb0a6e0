import Foundation
import Testing
@testable import BackdropCore

/// Settings for a deployment whose mail goes over SMTP (plain, no STARTTLS unless overridden).
enum MailSettings {
    static let summaryBase = "https://backdrop.example.com/s/"

    static func smtp(_ url: String, _ extra: [String: Any] = [:]) -> [String: Any] {
        var mail: [String: Any] = ["transport": "smtp", "url": url, "starttls": "off", "from": "Backdrop <backdrop@example.org>",
                                   "connect_timeout_seconds": 2, "timeout_seconds": 10]
        for (key, value) in extra { mail[key] = value }
        return ["summary_base_url": summaryBase, "mail": mail]
    }
}

extension Workspace {
    var outbox: MailOutbox { MailOutbox(db: db, configuration: configuration) }

    /// The delivery the daemon's mail loop would use: the transport the settings ask for.
    var delivery: MailDelivery { MailDelivery(db: db, configuration: configuration, transport: MailDelivery.transport(for: configuration)) }

    func mail(for job: Job) throws -> MailOutbox.Entry { try #require(try outbox.entry(forJob: job.id)) }

    /// What `backdrop job ID` prints.
    func report(_ job: Job) throws -> String {
        var text = ""
        try JobsReport(configuration: configuration, out: { text += $0 }).show(["\(job.id)"])
        return text
    }
}

/// The durable outbox and its delivery against a real SMTP server (aiosmtpd), job by job.
@Suite struct MailDeliveryTests {
    static let header = "PersonRef,CourseCode,CompletedOn,ExpiresOn,Result,Trainer,Hours,CertificateRef,Comments\n"
    static let good = "P001,FIRE-101,2026-03-01,,,,,,\n"
    static let bad = "P999,FIRE-101,2026-03-01,,,,,,\n"

    // MARK: 1. One email per job, with everything the contract asks for

    struct OutcomeCase: Sendable, CustomTestStringConvertible {
        let user: String
        let rows: String
        let subject: String
        /// Records, succeeded, failed as the text part shows them; nil for a rejected file.
        let counts: (total: Int, succeeded: Int, failed: Int)?
        var testDescription: String { subject }
    }

    static let outcomes: [OutcomeCase] = [
        OutcomeCase(user: "admin", rows: good, subject: "Create Training Records succeeded: records.csv, 1 of 1 record applied",
                    counts: (1, 1, 0)),
        OutcomeCase(user: "admin", rows: good + bad,
                    subject: "Create Training Records partially succeeded: records.csv, 1 of 2 records applied", counts: (2, 1, 1)),
        OutcomeCase(user: "admin", rows: bad, subject: "Create Training Records failed: records.csv, 0 of 1 record applied",
                    counts: (1, 0, 1)),
        OutcomeCase(user: "nobody", rows: good, subject: "Create Training Records rejected: records.csv", counts: nil),
    ]

    @Test(arguments: outcomes)
    func aJobsEmailArrivesOnceWithBothPartsTheSubjectCountsAndSummaryLink(_ example: OutcomeCase) throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let workspace = try Workspace(settings: MailSettings.smtp(server.url))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + example.rows, user: example.user)
        #expect(try workspace.mail(for: job).state == "queued", "queued in the transaction that published the job")

        #expect(try workspace.delivery.deliverDue() == 1)
        #expect(try workspace.delivery.deliverDue() == 0, "sent once")

        let received = try server.messages()
        try #require(received.count == 1, "\(server.log)")
        #expect(received[0].envelope["mail_from"] as? String == "backdrop@example.org")
        #expect(received[0].envelope["rcpt_tos"] as? [String] == ["\(example.user)@example.com"])
        let parsed = try MailTestTools.parse(file: received[0].eml, in: dir)
        #expect(parsed.defects == [])
        #expect(parsed.contentType == "multipart/alternative")
        #expect(parsed.partCount == 2)
        #expect(parsed.subject == example.subject)
        #expect(parsed.toAddress == "\(example.user)@example.com")
        let entry = try workspace.mail(for: job)
        #expect(parsed.messageId == "<\(entry.messageID)>")

        let text = normalise(try #require(parsed.text))
        let html = normalise(try #require(parsed.html))
        let link = MailSettings.summaryBase + job.token
        let expiry = String(try #require(job.expiresAt).prefix(10))
        #expect(text.contains(link + "\n"))
        #expect(text.contains("It is available until \(expiry), then deleted."))
        #expect(html.contains("<a href=\"\(link)\">"))
        #expect(html.contains("available until \(expiry)"))
        if let counts = example.counts {
            #expect(text.contains("Records:   \(counts.total)\nSucceeded: \(counts.succeeded)\nFailed:    \(counts.failed)\n"))
            #expect(html.contains("<td>Records</td><td>\(counts.total)</td>"))
            #expect(html.contains("<td>Failed</td><td>\(counts.failed)</td>"))
        } else {
            #expect(text.contains("Why it was rejected: user nobody has no grant for create-training-records"))
        }

        #expect(entry.state == "sent")
        #expect(entry.attempts == 1)
        #expect(entry.sentAt != nil)
        #expect(entry.lastError == nil)
        #expect(try workspace.report(job).contains("  Email:      sent to \(example.user)@example.com at \(entry.sentAt!)\n"))
    }

    // MARK: 2 and 3 (unit level). Temporary and permanent failures

    /// A moment with a large fraction of a second, so that a timestamp that drops the fraction
    /// would make a retry fall due early; in the next second, so it is never before a message
    /// queued just now.
    static func lateInASecond() -> Date { Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) + 1.95) }

    @Test func aServerThatIsDownLeavesTheMessageRetryingWithItsErrorAndNextAttempt() throws {
        let port = try MailTestTools.freePort()  // nothing listens there
        let workspace = try Workspace(settings: MailSettings.smtp("smtp://127.0.0.1:\(port)",
                                                                  ["retry_initial_seconds": 0.5, "retry_max_seconds": 10]))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)
        #expect(job.outcome == .succeeded, "the job finishes whatever the mail server does")

        var now = Self.lateInASecond()
        for attempt in 1...3 {
            #expect(try workspace.delivery.deliverDue(now: now) == 1)
            let entry = try workspace.mail(for: job)
            #expect(entry.state == "retrying")
            #expect(entry.attempts == attempt)
            let error = try #require(entry.lastError)
            #expect(error.contains("127.0.0.1:\(port)"), "\(error)")
            #expect(error.lowercased().contains("connect"), "\(error)")
            let nominal = 0.5 * pow(2, Double(attempt - 1))  // 0.5, 1, 2
            let next = try #require(MailOutbox.attemptDate(entry.nextAttemptAt))
            #expect(next.timeIntervalSince(now) >= nominal * 0.9 - 0.002 && next.timeIntervalSince(now) <= nominal + 0.002,
                    "attempt \(attempt): next attempt \(next.timeIntervalSince(now)) s later, nominal \(nominal) s")
            #expect(try workspace.outbox.due(now: now.addingTimeInterval(nominal * 0.9 - 0.05)).isEmpty, "not due before its backoff")
            #expect(try workspace.outbox.due(now: now.addingTimeInterval(nominal + 0.01)).count == 1)
            let report = try workspace.report(job)
            #expect(report.contains("  Email:      retrying (attempt \(attempt) failed: \(error)); next attempt at \(entry.nextAttemptAt)\n"),
                    "\(report)")
            now = next
        }
        #expect(try workspace.outbox.nextDue() != nil)
    }

    enum TemporaryProblem: String, Sendable, CaseIterable {
        /// Nothing listens on the port: connection refused.
        case serverDown
        /// The server answers RCPT with 450.
        case mailboxBusy
        /// Something accepts the connection but never greets (a hung server): curl's timeout.
        case noGreeting
    }

    @Test(arguments: TemporaryProblem.allCases)
    func temporaryProblemsAreRetriedWithTheReasonKept(_ problem: TemporaryProblem) throws {
        let dir = try TemporaryFolder()
        var server: SMTPTestServer?
        var silent: Int32 = -1
        defer {
            server?.stop()
            if silent >= 0 { close(silent) }
        }
        let url: String
        let expected: String
        switch problem {
        case .serverDown:
            url = "smtp://127.0.0.1:\(try MailTestTools.freePort())"
            expected = "connect"
        case .mailboxBusy:
            server = try SMTPTestServer(in: dir, deferring: ["admin@example.com"])
            url = server!.url
            expected = "server replied \"450 4.2.1 <admin@example.com>: Mailbox busy, try again later\""
        case .noGreeting:
            (silent, url) = try Self.silentListener()
            expected = "timed out"
        }
        let workspace = try Workspace(settings: MailSettings.smtp(url, ["retry_initial_seconds": 60, "timeout_seconds": 0.5]))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)

        let now = Date()
        #expect(try workspace.delivery.deliverDue(now: now) == 1)
        let entry = try workspace.mail(for: job)
        #expect(entry.state == "retrying")
        #expect(entry.attempts == 1)
        let error = try #require(entry.lastError)
        #expect(error.lowercased().contains(expected.lowercased()), "\(error)")
        let delay = try #require(MailOutbox.attemptDate(entry.nextAttemptAt)).timeIntervalSince(now)
        #expect(delay >= 54 - 0.002 && delay <= 60 + 0.002, "\(delay)")
        #expect(try server?.messages().isEmpty ?? true)
    }

    /// A loopback socket that accepts connections (the kernel completes them) but never speaks.
    static func silentListener() throws -> (Int32, String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = MailTestTools.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw MailTestFailure("silent listener: errno \(errno)") }
        return (fd, "smtp://127.0.0.1:\(UInt16(bigEndian: address.sin_port))")
    }

    @Test func aUserWithoutAnAddressGetsAFailedEntryThatSaysSo() throws {
        let workspace = try Workspace(settings: MailSettings.smtp("smtp://127.0.0.1:1"))
        try workspace.loadStandardData()
        try workspace.db.execute("INSERT INTO users(user_name, email) VALUES ('mute', '')")
        try workspace.db.execute("INSERT INTO grants(user_id, operation, org_unit_path) SELECT id, '*', NULL FROM users WHERE user_name = 'mute'")
        let job = try workspace.run(Self.header + Self.good, user: "mute")
        #expect(job.outcome == .succeeded)
        let entry = try workspace.mail(for: job)
        #expect(entry.state == "failed")
        #expect(entry.lastError == "user mute has no valid email address (none)")
        #expect(try workspace.delivery.deliverDue() == 0)
        #expect(try workspace.report(job).contains("  Email:      failed: user mute has no valid email address (none)\n"))
    }

    @Test func aRejectedRecipientFailsAtOnceWithTheServersReplyAndIsNotRetried() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir, reject: ["admin@example.com"])
        defer { server.stop() }
        let workspace = try Workspace(settings: MailSettings.smtp(server.url, ["retry_initial_seconds": 0.01, "retry_max_seconds": 0.02]))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)

        #expect(try workspace.delivery.deliverDue() == 1)
        for later: TimeInterval in [1, 3600, 86_400 * 10] {
            #expect(try workspace.delivery.deliverDue(now: Date().addingTimeInterval(later)) == 0)
        }
        let entry = try workspace.mail(for: job)
        #expect(entry.state == "failed")
        #expect(entry.attempts == 1)
        let error = try #require(entry.lastError)
        #expect(error.contains("550 5.1.1 <admin@example.com>: Recipient address rejected: User unknown"), "\(error)")
        #expect(try workspace.outbox.nextDue() == nil)
        #expect(try server.messages().isEmpty)
        #expect(try workspace.report(job).contains("  Email:      failed: \(error)\n"))
    }

    // MARK: 4. Backoff and giving up

    struct BackoffCase: Sendable, CustomTestStringConvertible {
        let mail: [String: Double]
        /// attempt -> the nominal delay (before jitter)
        let delays: [(attempt: Int, seconds: Double)]
        var testDescription: String { mail.isEmpty ? "defaults" : mail.description }
    }

    static let backoffs: [BackoffCase] = [
        BackoffCase(mail: [:], delays: [(0, 30), (1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1920), (7, 3600), (8, 3600),
                                        (30, 3600), (31, 3600), (10_000, 3600)]),
        BackoffCase(mail: ["retry_initial_seconds": 0.2, "retry_max_seconds": 1], delays: [(0, 0.2), (1, 0.4), (2, 0.8), (3, 1), (50, 1)]),
        BackoffCase(mail: ["retry_initial_seconds": 5, "retry_max_seconds": 5], delays: [(0, 5), (1, 5), (9, 5)]),
    ]

    @Test(arguments: backoffs)
    func backoffDoublesFromTheInitialDelayUpToTheMaximumWithJitter(_ example: BackoffCase) throws {
        let workspace = try Workspace(settings: ["mail": example.mail])
        let delivery = workspace.delivery
        for (attempt, nominal) in example.delays {
            let samples = (0..<500).map { _ in delivery.backoff(attempt: attempt) }
            #expect(samples.allSatisfy { $0 >= nominal * 0.9 && $0 <= nominal }, "attempt \(attempt): \(samples.min()!)…\(samples.max()!)")
            #expect(Set(samples).count > 100, "attempt \(attempt): the delays are jittered")
            #expect(samples.max()! - samples.min()! > nominal * 0.05, "attempt \(attempt): the jitter spans the range")
        }
    }

    struct GiveUpCase: Sendable, CustomTestStringConvertible {
        let giveUpHours: Double?
        let hoursAfterTheJob: Double
        let state: String
        var testDescription: String { "give up after \(giveUpHours.map { "\($0) h" } ?? "never"), attempt \(hoursAfterTheJob) h later: \(state)" }
    }

    static let giveUps: [GiveUpCase] = [
        GiveUpCase(giveUpHours: nil, hoursAfterTheJob: 1, state: "retrying"),
        GiveUpCase(giveUpHours: nil, hoursAfterTheJob: 72.1, state: "retrying"),
        GiveUpCase(giveUpHours: nil, hoursAfterTheJob: 24 * 30, state: "retrying"),
        GiveUpCase(giveUpHours: 72, hoursAfterTheJob: 71.9, state: "retrying"),
        GiveUpCase(giveUpHours: 72, hoursAfterTheJob: 72.1, state: "failed"),
        GiveUpCase(giveUpHours: 0.5, hoursAfterTheJob: 0.4, state: "retrying"),
        GiveUpCase(giveUpHours: 0.5, hoursAfterTheJob: 0.6, state: "failed"),
    ]

    @Test(arguments: giveUps)
    func aMessageStillUndeliveredAfterGiveUpHoursFails(_ example: GiveUpCase) throws {
        let port = try MailTestTools.freePort()
        var extra: [String: Any] = [:]
        if let hours = example.giveUpHours { extra["give_up_hours"] = hours }
        let workspace = try Workspace(settings: MailSettings.smtp("smtp://127.0.0.1:\(port)", extra))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)
        try workspace.db.execute("UPDATE mail_outbox SET state = 'retrying', attempts = 9 WHERE job_id = ?", [job.id])
        let finished = try #require(job.finishedAt.flatMap(Timestamp.date))

        #expect(try workspace.delivery.deliverDue(now: finished.addingTimeInterval(example.hoursAfterTheJob * 3600)) == 1)
        let entry = try workspace.mail(for: job)
        #expect(entry.state == example.state)
        #expect(entry.attempts == 10)
        let error = try #require(entry.lastError)
        if example.state == "failed" {
            #expect(error.hasPrefix("gave up after 10 attempts: "), "\(error)")
            #expect(error.contains("127.0.0.1:\(port)"), "\(error)")
            #expect(try workspace.outbox.nextDue() == nil)
            #expect(try workspace.report(job).contains("  Email:      failed: gave up after 10 attempts: "))
        } else {
            #expect(!error.contains("gave up"))
        }
    }

    // MARK: 5. Never sent twice; a crash resends the same Message-ID

    @Test func aCrashBetweenAcceptanceAndMarkingResendsTheSameMessageID() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let workspace = try Workspace(settings: MailSettings.smtp(server.url))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)
        let queued = try workspace.mail(for: job)

        #expect(try workspace.delivery.deliverDue() == 1)
        #expect(try server.messages().count == 1)
        // The server accepted it; a crash before the row was marked leaves it as it was.
        try workspace.db.execute("UPDATE mail_outbox SET state = 'queued', attempts = 0, sent_at = NULL WHERE job_id = ?", [job.id])
        #expect(try workspace.delivery.deliverDue() == 1)

        let received = try server.messages()
        try #require(received.count == 2)
        let ids = try received.map { try MailTestTools.parse(file: $0.eml, in: dir).messageId }
        #expect(ids == ["<\(queued.messageID)>", "<\(queued.messageID)>"])
        let octets = try received.map { try Data(contentsOf: URL(fileURLWithPath: $0.eml)) }
        #expect(octets[0] == octets[1], "the resend carries the very same message")
        #expect(try workspace.mail(for: job).state == "sent")
        #expect(try workspace.delivery.deliverDue() == 0)
    }

    @Test func deliveringOrPublishingAgainWithoutACrashSendsNothing() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let workspace = try Workspace(settings: MailSettings.smtp(server.url))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)

        #expect(try workspace.delivery.deliverDue() == 1)
        let sent = try workspace.mail(for: job)
        #expect(sent.state == "sent")
        #expect(try workspace.delivery.deliverDue() == 0)
        #expect(try workspace.delivery.deliverDue(now: Date().addingTimeInterval(86_400 * 4)) == 0)
        // A job published again (a crash half-way through publishing) queues nothing new.
        try Publisher(configuration: workspace.configuration, store: JobStore(db: workspace.db)).publish(try #require(try JobStore(db: workspace.db).job(job.id)))
        #expect(try workspace.count("SELECT count(*) FROM mail_outbox") == 1)
        #expect(try workspace.mail(for: job).state == "sent")
        #expect(try workspace.delivery.deliverDue() == 0)
        #expect(try server.messages().count == 1)
    }

    // MARK: 6. Hostile names and reasons make a well-formed message

    struct HostileCase: Sendable, CustomTestStringConvertible {
        let userName: String
        let fileName: String
        let error: String
        let reference: String
        var testDescription: String { fileName.debugDescription }
    }

    static let hostile: [HostileCase] = [
        HostileCase(userName: "zoë\r\nBcc: evil@example.com", fileName: "März\r\nBcc: x@evil.example.csv",
                    error: "line 2: bad\r\nBcc: evil@example.com", reference: "P001\r\nBcc: ref@evil.example"),
        HostileCase(userName: "jane", fileName: "plain\nSubject: second subject\n\nbody.csv",
                    error: "Grüße\rTo: other@evil.example\u{2028}Cc: c@evil.example", reference: "R\t1"),
        HostileCase(userName: "jane", fileName: String(repeating: "Überlänge-", count: 300) + ".csv",
                    error: String(repeating: "x", count: 3000), reference: String(repeating: "é", count: 1500)),
        HostileCase(userName: "jane", fileName: String(repeating: "long", count: 600) + ".csv",
                    error: "=?UTF-8?B?QmNjOiBldmlsQGV4YW1wbGUuY29t?= \r\n.\r\n", reference: "."),
    ]

    @Test(arguments: hostile)
    func controlCharactersAndNonASCIITextCannotInjectHeaders(_ example: HostileCase) throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let workspace = try Workspace(settings: MailSettings.smtp(server.url))
        try workspace.db.execute("INSERT INTO users(user_name, email) VALUES (?, ?)", [example.userName, "victim@example.com"])
        let store = JobStore(db: workspace.db)
        let created = try store.createClaiming(userName: example.userName, operation: OperationKind.createTrainingRecords.rawValue,
                                               fileName: example.fileName, inboxPath: "", dryRun: false)
        try store.recordFailure(created.id, line: 2, reference: example.reference, reason: example.error, fields: [])
        try store.finish(created.id, outcome: .failed, error: example.error, path: nil, retentionDays: 30)
        let job = try #require(try store.job(created.id))
        let content = EmailComposer(configuration: workspace.configuration).compose(job: job, failures: try store.failures(job.id))
        try workspace.outbox.enqueue(job: job, content: content)
        #expect(try workspace.delivery.deliverDue() == 1)
        #expect(try workspace.mail(for: job).state == "sent")

        let received = try server.messages()
        try #require(received.count == 1)
        #expect(received[0].envelope["rcpt_tos"] as? [String] == ["victim@example.com"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: received[0].eml)))
        for line in MailMessageTests.lines(bytes) {
            #expect(line.count <= 998)
        }
        for line in MailMessageTests.headerLines(bytes).dropFirst() where !line.hasPrefix(" ") {
            #expect(["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type"]
                .contains(String(line.prefix { $0 != ":" })), "unexpected header line \(line.debugDescription)")
        }
        let parsed = try MailTestTools.parse(file: received[0].eml, in: dir)
        #expect(parsed.defects == [])
        #expect(parsed.headerNames == ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type"])
        #expect(!parsed.subject.contains("\r") && !parsed.subject.contains("\n"))
        #expect(parsed.subject == MailHeader.cleanText(content.subject))
        #expect(parsed.subject.hasPrefix("Create Training Records failed: "))
        #expect(parsed.toAddress == "victim@example.com")
        #expect(parsed.toName == MailHeader.cleanText(example.userName))
        #expect(parsed.partCount == 2)
        // The bodies keep the text, line breaks and all (it is quoted-printable, not a header).
        let text = normalise(try #require(parsed.text))
        let normalisedError = example.error.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        #expect(text.contains(normalisedError))
        #expect(try #require(parsed.html).contains("<strong>failed</strong>"))
    }

    // MARK: 7. Login and TLS settings reach the transport

    struct LoginCase: Sendable, CustomTestStringConvertible {
        let passwordFile: String
        let state: String
        var testDescription: String { "password file \(passwordFile.debugDescription): \(state)" }
    }

    @Test(arguments: [LoginCase(passwordFile: "s3cret pass\n", state: "sent"), LoginCase(passwordFile: "wrong\n", state: "failed")])
    func theLoginFromUsernameAndPasswordFileIsUsed(_ example: LoginCase) throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir, login: ("backdrop", "s3cret pass"))
        defer { server.stop() }
        let passwordFile = try dir.write("smtp-password", example.passwordFile)
        let workspace = try Workspace(settings: MailSettings.smtp(server.url, ["username": "backdrop", "password_file": passwordFile]))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)
        #expect(try workspace.delivery.deliverDue() == 1)

        let entry = try workspace.mail(for: job)
        #expect(entry.state == example.state, "\(entry.lastError ?? "")\n\(server.log)")
        #expect(entry.attempts == 1)
        if example.state == "sent" {
            #expect(try server.messages().map { $0.envelope["login"] as? String } == ["backdrop"])
            #expect(server.authLog.allSatisfy { $0.hasSuffix(" accepted") })
        } else {
            #expect(try server.messages().isEmpty)
            let error = try #require(entry.lastError)
            #expect(error.contains("535"), "\(error)")
            #expect(!error.contains("wrong"), "the password never appears")
        }
    }

    struct TLSCase: Sendable, CustomTestStringConvertible {
        let mode: SMTPTestServer.Mode
        let starttls: String
        let trustTheCA: Bool
        let state: String
        var testDescription: String { "\(mode) starttls=\(starttls) ca_file=\(trustTheCA): \(state)" }
    }

    static let tls: [TLSCase] = [
        TLSCase(mode: .starttls, starttls: "require", trustTheCA: true, state: "sent"),
        TLSCase(mode: .starttls, starttls: "require", trustTheCA: false, state: "failed"),
        TLSCase(mode: .starttls, starttls: "try", trustTheCA: true, state: "sent"),
        TLSCase(mode: .plain, starttls: "require", trustTheCA: true, state: "failed"),
        TLSCase(mode: .smtps, starttls: "off", trustTheCA: true, state: "sent"),
        TLSCase(mode: .smtps, starttls: "off", trustTheCA: false, state: "failed"),
    ]

    @Test(arguments: tls)
    func starttlsAndTheCAFileComeFromTheSettings(_ example: TLSCase) throws {
        let dir = try TemporaryFolder()
        let certificate = try MailTestTools.makeCertificate(in: dir)
        let server = try SMTPTestServer(in: dir, mode: example.mode, certificate: example.mode == .plain ? nil : certificate)
        defer { server.stop() }
        // A CA file that does not hold the server's certificate: a second, unrelated one.
        let otherFolder = try TemporaryFolder()
        let other = try MailTestTools.makeCertificate(in: otherFolder)
        let url = (example.mode == .smtps ? "smtps" : "smtp") + "://127.0.0.1:\(server.port)"
        let workspace = try Workspace(settings: MailSettings.smtp(url, [
            "starttls": example.starttls, "ca_file": example.trustTheCA ? certificate.certificate : other.certificate,
        ]))
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + Self.good)
        #expect(try workspace.delivery.deliverDue() == 1)

        let entry = try workspace.mail(for: job)
        #expect(entry.state == example.state, "\(entry.lastError ?? "")\n\(server.log)")
        if example.state == "sent" {
            #expect(try server.messages().map { $0.envelope["tls"] as? Bool } == [true])
        } else {
            #expect(try server.messages().isEmpty)
            #expect(entry.attempts == 1, "a TLS problem is permanent, not retried")
        }
    }
}

/// The mail URL and sender are checked when the settings are read, not at the first delivery.
@Suite struct MailSettingsTests {
    @Test(arguments: [
        ("smtp://mail.example.org", true), ("smtp://mail.example.org:587", true), ("smtps://mail.example.org:465/", true),
        ("smtp://user:pw@mail.example.org:25", true), ("smtps://[::1]:465", true), ("smtp://127.0.0.1:2525", true),
        ("smtp://", false), ("smtp://:25", false), ("smtp://mail example.org", false), ("smtp://mail.example.org:0", false),
        ("smtp://mail.example.org:99999", false), ("smtp://mail.example.org:smtp", false), ("smtp://mäil.example.org", false),
        ("smtp://mail.example.org\r\n", false), ("SMTP://mail.example.org", false), ("mail.example.org:25", false),
    ])
    func mailURLs(_ url: String, _ accepted: Bool) {
        #expect(Configuration.isMailURL(url) == accepted)
    }

    @Test func aURLWithCredentialsIsNotEchoedInTheError() {
        #expect(throws: ConfigurationError("backdrop.json: mail.url must look like smtp://host:port or smtps://host:port, not \"smtp://mail.example.org:x\"")) {
            _ = try Configuration.parse(["mail": ["url": "smtp://user:hunter2@mail.example.org:x"]], workingDirectory: "/w")
        }
    }

    @Test(arguments: [
        ("Backdrop <backdrop@example.com>", true), ("backdrop@example.com", true), ("\"Backdrop, Reports\" <b@example.com>", true),
        ("not an address", false), ("Backdrop <backdrop@example.com", false), ("", false), ("b@example.com\r\nBcc: x@evil.example", false),
    ])
    func mailFrom(_ from: String, _ accepted: Bool) {
        let parsed = Result { try Configuration.parse(["mail": ["from": from]], workingDirectory: "/w") }
        switch parsed {
        case .success(let configuration): #expect(accepted && configuration.mail.from == from)
        case .failure(let error):
            #expect(!accepted)
            #expect("\(error)".hasPrefix("backdrop.json: mail.from must be an address"), "\(error)")
            #expect(!"\(error)".contains("\n"), "one line")
        }
    }
}
