import Foundation
import Testing
@testable import BackdropCore

/// The email of a job through the real daemon (`backdrop serve`) and a real SMTP server
/// (aiosmtpd), and the mail settings through the real `backdrop` binary.
@Suite(.tags(.endToEnd), .serialized) struct MailEndToEndTests {
    static let dropped = "inbox/jane.doe/create-training-records/march.csv"
    static let subject = "Create Training Records partially succeeded: march.csv, 4 of 10 records applied"

    /// A demo deployment in `dir` whose mail goes to `url`, with a short backoff.
    static func deploy(in dir: TemporaryFolder, smtp url: String) throws -> String {
        let settings: [String: Any] = [
            "settle_ms": 50,
            "summary_base_url": MailSettings.summaryBase,
            "mail": ["transport": "smtp", "url": url, "starttls": "off", "from": "Backdrop <backdrop@example.org>",
                     "retry_initial_seconds": 0.2, "retry_max_seconds": 1, "connect_timeout_seconds": 2],
        ]
        try dir.write("backdrop.json", JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys]))
        let root = dir.url.path
        let demo = try runBackdrop(["demo"], in: root)
        #expect(demo.code == 0, "\(demo.err)")
        return root
    }

    static func drop(in root: String) throws {
        try DaemonProcess.drop(String(contentsOfFile: root + "/examples/create-training-records.csv", encoding: .utf8),
                               as: dropped, in: root)
    }

    /// The job's outbox row as the database holds it now (read-only, as another process would).
    static func entry(_ root: String, job: Int64 = 1) -> MailOutbox.Entry? {
        guard let db = try? Database(path: root + "/var/backdrop.db", readOnly: true) else { return nil }
        return try? MailOutbox(db: db, configuration: Configuration(workingDirectory: root)).entry(forJob: job)
    }

    /// `backdrop job 1 --json` and `backdrop jobs --json`: the job's "email" object from each.
    static func emailJSON(_ root: String) throws -> [[String: Any]] {
        let one = try runBackdrop(["job", "1", "--json"], in: root)
        let all = try runBackdrop(["jobs", "--json"], in: root)
        #expect(one.code == 0 && all.code == 0, "\(one.err)\(all.err)")
        let job = try JSONSerialization.jsonObject(with: Data(one.out.utf8)) as? [String: Any]
        let jobs = try JSONSerialization.jsonObject(with: Data(all.out.utf8)) as? [[String: Any]]
        return [try #require(job?["email"] as? [String: Any]), try #require(jobs?.first?["email"] as? [String: Any])]
    }

    @Test func theEmailIsSentOnceAndTheJobShowsWhen() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let root = try Self.deploy(in: dir, smtp: server.url)
        let daemon = try DaemonProcess(folder: root)
        try Self.drop(in: root)

        #expect(eventually { Self.entry(root)?.state == "sent" }, "not sent: \(daemon.log)\n\(server.log)")
        let entry = try #require(Self.entry(root))
        let received = try server.messages()
        try #require(received.count == 1)
        #expect(received[0].envelope["rcpt_tos"] as? [String] == ["jane.doe@example.com"])
        let parsed = try MailTestTools.parse(file: received[0].eml, in: dir)
        #expect(parsed.subject == Self.subject)
        #expect(parsed.messageId == "<\(entry.messageID)>")
        #expect(parsed.defects == [] && parsed.partCount == 2)
        #expect(normalise(try #require(parsed.text)).contains("Records:   10\nSucceeded: 4\nFailed:    6\n"))

        let shown = try runBackdrop(["job", "1"], in: root)
        #expect(shown.out.contains("  Email:      sent to jane.doe@example.com at \(try #require(entry.sentAt))\n"), "\(shown.out)")
        for email in try Self.emailJSON(root) {
            #expect(email["state"] as? String == "sent")
            #expect(email["to"] as? String == "jane.doe@example.com")
            #expect(email["message_id"] as? String == entry.messageID)
            #expect(email["attempts"] as? Int == 1)
            #expect(email["sent_at"] as? String == entry.sentAt)
            #expect(email["next_attempt_at"] is NSNull)
            #expect(email["last_error"] is NSNull)
        }
        #expect(daemon.stop() == 0)
        #expect(try server.messages().count == 1)
    }

    @Test func aServerThatIsDownDelaysTheEmailUntilItIsBackThenItIsSentOnce() throws {
        let dir = try TemporaryFolder()
        let port = try MailTestTools.freePort()  // nothing listens there yet
        let root = try Self.deploy(in: dir, smtp: "smtp://127.0.0.1:\(port)")
        let daemon = try DaemonProcess(folder: root)
        try Self.drop(in: root)

        #expect(eventually { (Self.entry(root)?.attempts ?? 0) >= 2 }, "not retrying: \(daemon.log)")
        let shown = try runBackdrop(["job", "1"], in: root)
        #expect(shown.out.contains("  State:      finished\n"), "the job finishes without its email: \(shown.out)")
        #expect(shown.out.contains("  Outcome:    partially succeeded\n"))
        #expect(shown.out.contains("  Email:      retrying (attempt "), "\(shown.out)")
        #expect(shown.out.contains("127.0.0.1:\(port)"), "\(shown.out)")
        #expect(shown.out.contains("; next attempt at "), "\(shown.out)")
        for email in try Self.emailJSON(root) {
            #expect(email["state"] as? String == "retrying")
            #expect((email["last_error"] as? String)?.contains("127.0.0.1:\(port)") == true, "\(email)")
            #expect(email["next_attempt_at"] is String)
            #expect(email["sent_at"] is NSNull)
        }
        let retrying = try #require(Self.entry(root))
        #expect(retrying.state == "retrying")

        // The server comes up where the daemon keeps trying.
        let server = try SMTPTestServer(in: dir, port: port)
        defer { server.stop() }
        #expect(eventually { Self.entry(root)?.state == "sent" }, "not sent: \(daemon.log)\n\(server.log)")
        let received = try server.messages()
        #expect(received.count == 1)
        let parsed = try MailTestTools.parse(file: try #require(received.first).eml, in: dir)
        #expect(parsed.messageId == "<\(retrying.messageID)>")
        #expect(parsed.subject == Self.subject)
        let sent = try #require(Self.entry(root))
        #expect(sent.attempts > retrying.attempts)
        #expect(sent.lastError == nil)
        #expect(try runBackdrop(["job", "1"], in: root).out.contains("  Email:      sent to jane.doe@example.com at "))
        #expect(daemon.stop() == 0)
        #expect(try server.messages().count == 1, "sent once")
    }

    @Test func aRetryingEmailSurvivesARestartOfTheDaemon() throws {
        let dir = try TemporaryFolder()
        let port = try MailTestTools.freePort()
        let root = try Self.deploy(in: dir, smtp: "smtp://127.0.0.1:\(port)")
        let first = try DaemonProcess(folder: root)
        try Self.drop(in: root)
        #expect(eventually { Self.entry(root)?.state == "retrying" }, "not retrying: \(first.log)")
        #expect(first.stop() == 0)
        let retrying = try #require(Self.entry(root))

        let server = try SMTPTestServer(in: dir, port: port)
        defer { server.stop() }
        let second = try DaemonProcess(folder: root)
        #expect(eventually { Self.entry(root)?.state == "sent" }, "not sent after the restart: \(second.log)\n\(server.log)")
        let received = try server.messages()
        #expect(received.count == 1)
        #expect(try MailTestTools.parse(file: try #require(received.first).eml, in: dir).messageId == "<\(retrying.messageID)>")
        #expect(second.stop() == 0)
    }

    @Test func aRejectedRecipientFailsOnceWithTheServersReply() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir, reject: ["jane.doe@example.com"])
        defer { server.stop() }
        let root = try Self.deploy(in: dir, smtp: server.url)
        let daemon = try DaemonProcess(folder: root)
        try Self.drop(in: root)

        #expect(eventually { Self.entry(root)?.state == "failed" }, "not failed: \(daemon.log)\n\(server.log)")
        // Nothing to await: give a retry loop, if there were one, time for several attempts
        // (the backoff would be 0.2 + 0.4 + 0.8 s).
        usleep(1_600_000)
        let entry = try #require(Self.entry(root))
        #expect(entry.state == "failed")
        #expect(entry.attempts == 1)
        let error = try #require(entry.lastError)
        #expect(error.contains("550 5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown"), "\(error)")

        let shown = try runBackdrop(["job", "1"], in: root)
        #expect(shown.out.contains("  Email:      failed: \(error)\n"), "\(shown.out)")
        for email in try Self.emailJSON(root) {
            #expect(email["state"] as? String == "failed")
            #expect(email["attempts"] as? Int == 1)
            #expect(email["last_error"] as? String == error)
            #expect(email["next_attempt_at"] is NSNull)
        }
        #expect(try server.messages().isEmpty)
        #expect(daemon.stop() == 0)
    }

    // MARK: Mail settings that are wrong stop every command with exit 78, naming the key

    struct BadSetting: Sendable, CustomTestStringConvertible {
        let mail: String
        let key: String
        var testDescription: String { mail }
    }

    static let badSettings: [BadSetting] = [
        BadSetting(mail: #""smtp://127.0.0.1:25""#, key: "mail must be an object"),
        BadSetting(mail: #"{"transport": "sendmail"}"#, key: "mail.transport"),
        BadSetting(mail: #"{"transport": "smtp"}"#, key: "mail.url"),
        BadSetting(mail: #"{"transport": "smtp", "url": "mail.example.org:25"}"#, key: "mail.url"),
        BadSetting(mail: #"{"transport": "smtp", "url": "smtp://"}"#, key: "mail.url"),
        BadSetting(mail: #"{"transport": "smtp", "url": "smtp://mail example.org:25"}"#, key: "mail.url"),
        BadSetting(mail: #"{"transport": "smtp", "url": "smtp://127.0.0.1:smtp"}"#, key: "mail.url"),
        BadSetting(mail: #"{"starttls": "always"}"#, key: "mail.starttls"),
        BadSetting(mail: #"{"starttls": true}"#, key: "mail.starttls"),
        BadSetting(mail: #"{"from": "not an address"}"#, key: "mail.from"),
        BadSetting(mail: #"{"from": "Backdrop <backdrop@example.org"}"#, key: "mail.from"),
        BadSetting(mail: #"{"from": ""}"#, key: "mail.from"),
        BadSetting(mail: #"{"username": 42}"#, key: "mail.username"),
        BadSetting(mail: #"{"password": null}"#, key: "mail.password"),
        BadSetting(mail: #"{"password_file": "no-such-secret"}"#, key: "mail.password_file"),
        BadSetting(mail: #"{"ca_file": "no-such-ca.pem"}"#, key: "mail.ca_file"),
        BadSetting(mail: #"{"retry_initial_seconds": "30s"}"#, key: "mail.retry_initial_seconds"),
        BadSetting(mail: #"{"retry_initial_seconds": 0}"#, key: "mail.retry_initial_seconds"),
        BadSetting(mail: #"{"retry_initial_seconds": 20, "retry_max_seconds": 10}"#, key: "mail.retry_max_seconds"),
        BadSetting(mail: #"{"give_up_hours": -1}"#, key: "mail.give_up_hours"),
        BadSetting(mail: #"{"connect_timeout_seconds": 0}"#, key: "mail.connect_timeout_seconds"),
        BadSetting(mail: #"{"timeout_seconds": "long"}"#, key: "mail.timeout_seconds"),
        BadSetting(mail: #"{"smtp_port": 25}"#, key: "mail.smtp_port"),
    ]

    @Test(arguments: badSettings)
    func aWrongMailSettingExits78NamingTheKey(_ example: BadSetting) throws {
        let dir = try TemporaryFolder()
        try dir.write("backdrop.json", #"{"mail": \#(example.mail)}"#)
        func check(_ command: String) throws -> Bool {
            let result = try runBackdrop([command], in: dir.url.path)
            #expect(result.code == 78, "\(command): \(result.out)\(result.err)")
            #expect(result.err.hasPrefix("configuration error: \(dir.path("backdrop.json")): "), "\(result.err)")
            #expect(result.err.contains(example.key), "\(result.err)")
            #expect(result.err.split(separator: "\n").count == 1, "one line: \(result.err)")
            return result.code == 78
        }
        // `serve` only once `jobs` refused the settings: with settings it accepts, it would run on.
        guard try check("jobs") else { return }
        _ = try check("serve")
        #expect(!FileManager.default.fileExists(atPath: dir.path("var/backdrop.db")), "nothing started")
    }
}
