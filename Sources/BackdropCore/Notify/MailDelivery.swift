import Foundation

/// Sends what the mail outbox holds, one message at a time. A temporary failure is retried with
/// exponential backoff and jitter, from `mail.retry_initial_seconds` doubling up to
/// `mail.retry_max_seconds`, for ever (the contract: never lost) unless `mail.give_up_hours` is set; a
/// permanent failure (a 5xx reply) stops at once. Either way the reason is kept for `backdrop job`.
public final class MailDelivery {
    let outbox: MailOutbox
    let transport: any MailTransport
    let configuration: Configuration

    public init(db: Database, configuration: Configuration, transport: any MailTransport) {
        outbox = MailOutbox(db: db, configuration: configuration)
        self.transport = transport
        self.configuration = configuration
    }

    /// The transport the settings ask for.
    public static func transport(for configuration: Configuration) -> any MailTransport {
        switch configuration.mail.transport {
        case .file:
            return FileMailTransport(folder: configuration.mailFolder)
        case .smtp:
            let mail = configuration.mail
            let starttls: SMTPSettings.StartTLS
            switch mail.starttls {
            case .off: starttls = .off
            case .try: starttls = .try
            case .require: starttls = .require
            }
            return SMTPMailTransport(settings: SMTPSettings(
                url: mail.url ?? "", starttls: starttls, username: mail.username, password: mail.password,
                caFile: mail.caFile, connectTimeoutSeconds: mail.connectTimeoutSeconds, timeoutSeconds: mail.timeoutSeconds))
        }
    }

    /// Sends every message that is due; returns how many it tried.
    @discardableResult
    public func deliverDue(now: Date = Date()) throws -> Int {
        let entries = try outbox.due(now: now)
        for entry in entries {
            try deliver(entry, now: now)
        }
        return entries.count
    }

    func deliver(_ entry: MailOutbox.Entry, now: Date) throws {
        let from = try MailOutbox.sender(configuration.mail.from)
        let to = try MailAddress(address: entry.recipient)
        let envelope = MailMessage(from: from, to: to, subject: entry.subject, text: "", html: "",
                                   messageID: entry.messageID, date: now)
        let failure: MailDeliveryError?
        do {
            try transport.send(envelope, rendered: entry.message)
            failure = nil
        } catch {
            failure = error
        }
        switch failure {
        case nil:
            try outbox.markSent(entry, now: Date())
        case .permanent(let reason):
            try outbox.markFailed(entry, error: reason)
        case .temporary(let reason):
            let firstAttempt = try outbox.db.row("SELECT finished_at FROM jobs WHERE id = ?", [entry.jobID])?.string(0).flatMap(Timestamp.date) ?? now
            if let giveUp = configuration.mail.giveUpHours, now.timeIntervalSince(firstAttempt) > giveUp * 3600 {
                try outbox.markFailed(entry, error: "gave up after \(entry.attempts + 1) attempts: \(reason)")
            } else {
                try outbox.markRetrying(entry, error: reason, next: now.addingTimeInterval(backoff(attempt: entry.attempts)))
            }
        }
    }

    /// 30 s, 60 s, 120 s … up to the maximum, each with up to 10% jitter.
    func backoff(attempt: Int) -> TimeInterval {
        let base = min(configuration.mail.retryMaxSeconds, configuration.mail.retryInitialSeconds * pow(2, Double(min(attempt, 30))))
        return base * Double.random(in: 0.9...1.0)
    }
}
