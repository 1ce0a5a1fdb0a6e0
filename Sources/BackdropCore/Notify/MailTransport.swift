/// Delivers a rendered message: to an SMTP server, or to a folder of `.eml` files.
///
/// `send` is synchronous and may block for up to the transport's timeouts; call it off any
/// latency-sensitive thread. A transport is stateless between calls, so one value can serve
/// several threads.
public protocol MailTransport: Sendable {
    /// Delivers `rendered` (the octets of `message.rendered()`; passed in so the caller renders
    /// once and a retry sends identical octets). `message` supplies the envelope (sender and
    /// recipient) and the Message-ID.
    func send(_ message: MailMessage, rendered: [UInt8]) throws(MailDeliveryError)
}

/// Why a message was not delivered.
///
/// - `temporary`: worth retrying later with backoff (server down or unreachable, timeout,
///   4xx reply, local I/O failure). The message must be kept.
/// - `permanent`: retrying the same message with the same settings will fail again (5xx reply
///   such as a rejected recipient, refused login, TLS certificate not trusted, bad settings).
///   Someone has to act; the text says what happened.
///
/// The text is user-readable: the server's reply (code and text) and/or curl's error message.
/// It never contains the password.
public enum MailDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    case temporary(String)
    case permanent(String)

    public var message: String {
        switch self {
        case .temporary(let text), .permanent(let text): text
        }
    }

    public var isTemporary: Bool {
        if case .temporary = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .temporary(let text): "temporary mail delivery failure: \(text)"
        case .permanent(let text): "permanent mail delivery failure: \(text)"
        }
    }
}
