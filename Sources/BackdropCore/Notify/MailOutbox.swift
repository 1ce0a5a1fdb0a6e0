import Foundation

/// The durable mail outbox: a job's email is stored (rendered, with its Message-ID) in the same
/// transaction that marks the job published, and a delivery loop sends it. A message is marked
/// sent only after the transport accepted it; a crash in between resends the same octets with
/// the same Message-ID.
public struct MailOutbox {
    public struct Entry: Sendable {
        public let id: Int64
        public let jobID: Int64
        public let messageID: String
        public let recipient: String
        public let subject: String
        public let message: [UInt8]
        public let state: String
        public let attempts: Int
        public let nextAttemptAt: String
        public let lastError: String?
        public let sentAt: String?
    }

    let db: Database
    let configuration: Configuration

    public init(db: Database, configuration: Configuration) {
        self.db = db
        self.configuration = configuration
    }

    /// The sender from `mail.from` ("Backdrop <backdrop@example.com>" or a bare address).
    public static func sender(_ text: String) throws(MailAddressError) -> MailAddress {
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let name = text[..<open].trimmingWhitespace().trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            return try MailAddress(name: name.isEmpty ? nil : name, address: address)
        }
        return try MailAddress(address: text.trimmingWhitespace())
    }

    /// `next_attempt_at` to the millisecond (`2026-12-04T19:30:00.250Z`): a backoff of less than a
    /// second, or the fraction of a longer one, must not be lost, or a retry falls due early.
    /// These strings compare in time order; one written to the second (`…:00Z`) is read as well.
    static func attemptStamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func attemptDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? Timestamp.date(text)
    }

    /// Queues the job's email unless it is queued already. A user without a usable address gets
    /// an entry in state `failed` that says so, visible in `backdrop job`.
    public func enqueue(job: Job, content: EmailComposer.Content, now: Date = Date()) throws {
        guard try db.row("SELECT 1 FROM mail_outbox WHERE job_id = ?", [job.id]) == nil else { return }
        let email = try db.row("SELECT email FROM users WHERE user_name = ?", [job.userName])?.string(0) ?? ""
        let from = try Self.sender(configuration.mail.from)
        let messageID = "backdrop.job-\(job.id).\(job.token.prefix(12))@\(from.domain)"
        guard let to = try? MailAddress(name: job.userName, address: email) else {
            try db.execute("""
                INSERT INTO mail_outbox(job_id, message_id, recipient, subject, message, state, next_attempt_at, last_error)
                VALUES (?, ?, ?, ?, ?, 'failed', ?, ?)
                """, [job.id, messageID, email, content.subject, SQLValue.blob([]), Self.attemptStamp(now),
                      "user \(job.userName) has no valid email address (\(email.isEmpty ? "none" : email))"])
            return
        }
        let message = MailMessage(from: from, to: to, subject: content.subject, text: content.text, html: content.html,
                                  messageID: messageID, date: now)
        try db.execute("""
            INSERT INTO mail_outbox(job_id, message_id, recipient, subject, message, state, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, 'queued', ?)
            """, [job.id, messageID, to.address, content.subject, SQLValue.blob(message.rendered()), Self.attemptStamp(now)])
    }

    static let columns = "id, job_id, message_id, recipient, subject, message, state, attempts, next_attempt_at, last_error, sent_at"

    static func entry(_ row: Row) -> Entry {
        var bytes: [UInt8] = []
        if case .blob(let b) = row[5] { bytes = b }
        return Entry(id: Int64(row.int(0)!), jobID: Int64(row.int(1)!), messageID: row.string(2) ?? "", recipient: row.string(3) ?? "",
                     subject: row.string(4) ?? "", message: bytes, state: row.string(6) ?? "", attempts: row.int(7) ?? 0,
                     nextAttemptAt: row.string(8) ?? "", lastError: row.string(9), sentAt: row.string(10))
    }

    public func entry(forJob id: Int64) throws -> Entry? {
        try db.row("SELECT \(Self.columns) FROM mail_outbox WHERE job_id = ?", [id]).map(Self.entry)
    }

    /// Messages whose time has come, oldest first.
    public func due(now: Date = Date()) throws -> [Entry] {
        try db.rows("""
            SELECT \(Self.columns) FROM mail_outbox WHERE state IN ('queued', 'retrying') AND next_attempt_at <= ? ORDER BY id LIMIT 50
            """, [Self.attemptStamp(now)]).map(Self.entry)
    }

    /// When the next message falls due, if any is waiting.
    public func nextDue() throws -> Date? {
        try db.row("SELECT min(next_attempt_at) FROM mail_outbox WHERE state IN ('queued', 'retrying')")?.string(0).flatMap(Self.attemptDate)
    }

    public func markSent(_ entry: Entry, now: Date = Date()) throws {
        try db.execute("UPDATE mail_outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
                       [Timestamp.string(now), entry.id])
    }

    public func markFailed(_ entry: Entry, error: String) throws {
        try db.execute("UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?", [error, entry.id])
    }

    public func markRetrying(_ entry: Entry, error: String, next: Date) throws {
        try db.execute("UPDATE mail_outbox SET state = 'retrying', attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                       [error, Self.attemptStamp(next), entry.id])
    }
}
