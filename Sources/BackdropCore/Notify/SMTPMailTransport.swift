import Foundation
import CCurl
import CCurlShim

/// How to reach the SMTP server (the `mail` settings of backdrop.json, section 7).
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// STARTTLS on an `smtp://` connection. (`smtps://` is TLS from the first byte anyway.)
    public enum StartTLS: String, Sendable, CaseIterable {
        /// Plain text; never upgrade (CURLUSESSL_NONE).
        case off
        /// Upgrade when the server offers STARTTLS, else continue in plain text (CURLUSESSL_TRY).
        case `try`
        /// Upgrade or fail (CURLUSESSL_ALL); a server without STARTTLS is a permanent failure.
        case require
    }

    /// `smtp://host:port` or `smtps://host:port`.
    public var url: String
    public var starttls: StartTLS
    /// Login; none when nil or empty.
    public var username: String?
    public var password: String?
    /// PEM file of the CA certificates to trust instead of the system's.
    public var caFile: String?
    /// The envelope sender (SMTP `MAIL FROM`); nil: the message's From address.
    public var from: String?
    public var connectTimeoutSeconds: Double
    /// The whole delivery, connection included.
    public var timeoutSeconds: Double

    public init(url: String, starttls: StartTLS = .off, username: String? = nil, password: String? = nil,
                caFile: String? = nil, from: String? = nil,
                connectTimeoutSeconds: Double = 10, timeoutSeconds: Double = 60) {
        self.url = url
        self.starttls = starttls
        self.username = username
        self.password = password
        self.caFile = caFile
        self.from = from
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// The URL without any `user:password@` part, for messages.
    public var displayURL: String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + rest[rest.index(after: at)...]
    }

    /// Never shows the password.
    public var description: String {
        "SMTPSettings(url: \(displayURL), starttls: \(starttls.rawValue), username: \(username ?? "-"), "
            + "password: \(password == nil ? "-" : "<redacted>"), caFile: \(caFile ?? "-"), from: \(from ?? "-"), "
            + "connectTimeoutSeconds: \(connectTimeoutSeconds), timeoutSeconds: \(timeoutSeconds))"
    }

    public var debugDescription: String { description }
}

/// Sends through an SMTP server with libcurl's easy interface: plain, STARTTLS (off, try,
/// require) or SMTPS, with optional login (curl picks the mechanism the server offers, e.g.
/// PLAIN or LOGIN), one recipient per message (the message's To).
///
/// Failures are classified as follows (see `MailDeliveryError`):
/// - a reply code 500–599 (recipient rejected with 550, message refused, 530 login required…)
///   is **permanent**;
/// - a reply code 400–499 is **temporary**;
/// - a refused login (curl's CURLE_LOGIN_DENIED, typically reply 535) is **permanent**: wrong
///   credentials are a configuration problem, so it surfaces at once rather than being retried
///   quietly until someone notices;
/// - TLS verification failures (untrusted or mismatched certificate, unreadable CA file) and a
///   server without STARTTLS under `require` are **permanent**, as are bad settings (URL,
///   envelope sender);
/// - everything else — cannot resolve, cannot connect (nothing listening), timeout, connection
///   dropped, TLS handshake cut off — is **temporary**.
///
/// The error text names the server (without credentials), the server's last reply (code and
/// text) when there was one, and curl's error message.
public struct SMTPMailTransport: MailTransport {
    public let settings: SMTPSettings

    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    public func send(_ message: MailMessage, rendered: [UInt8]) throws(MailDeliveryError) {
        let server = "SMTP server \(settings.displayURL)"
        guard CurlGlobal.initResult == CURLE_OK else {
            throw .permanent("libcurl could not be initialised: \(String(cString: curl_easy_strerror(CurlGlobal.initResult)))")
        }
        let lowered = settings.url.lowercased()
        guard lowered.hasPrefix("smtp://") || lowered.hasPrefix("smtps://") else {
            throw .permanent("the mail URL must start with smtp:// or smtps://, not \(settings.displayURL.debugDescription)")
        }
        guard settings.url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .permanent("the mail URL \(settings.displayURL.debugDescription) contains spaces, control or non-ASCII characters")
        }
        let sender = settings.from ?? message.from.address
        guard MailAddress.isValid(sender) else {
            throw .permanent("the envelope sender \(sender.debugDescription) is not a valid email address")
        }

        guard let handle = curl_easy_init() else { throw .temporary("libcurl could not create a handle") }
        defer { curl_easy_cleanup(handle) }

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        let recipients = curl_slist_append(nil, "<\(message.to.address)>")
        defer { curl_slist_free_all(recipients) }
        guard recipients != nil else { throw .temporary("libcurl could not allocate the recipient list") }

        let state = TransferState(payload: rendered)
        let userdata = Unmanaged.passUnretained(state).toOpaque()

        func check(_ code: CURLcode, _ what: String) throws(MailDeliveryError) {
            if code != CURLE_OK {
                throw .permanent("libcurl refused the \(what) setting: \(String(cString: curl_easy_strerror(code)))")
            }
        }
        let starttls: curl_usessl = switch settings.starttls {
        case .off: CURLUSESSL_NONE
        case .try: CURLUSESSL_TRY
        case .require: CURLUSESSL_ALL
        }

        try check(backdrop_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        try check(backdrop_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "no-signal")
        try check(backdrop_curl_setopt_string(handle, CURLOPT_URL, settings.url), "URL")
        try check(backdrop_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"), "protocols")
        try check(backdrop_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(starttls.rawValue)), "STARTTLS")
        if let username = settings.username, !username.isEmpty {
            try check(backdrop_curl_setopt_string(handle, CURLOPT_USERNAME, username), "username")
            try check(backdrop_curl_setopt_string(handle, CURLOPT_PASSWORD, settings.password ?? ""), "password")
        }
        if let caFile = settings.caFile, !caFile.isEmpty {
            try check(backdrop_curl_setopt_string(handle, CURLOPT_CAINFO, caFile), "CA file")
        }
        try check(backdrop_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>"), "sender")
        try check(backdrop_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), "recipient")
        try check(backdrop_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(settings.connectTimeoutSeconds)),
                  "connect timeout")
        try check(backdrop_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(settings.timeoutSeconds)), "timeout")

        try check(backdrop_curl_setopt_long(handle, CURLOPT_UPLOAD, 1), "upload")
        try check(backdrop_curl_setopt_pointer(handle, CURLOPT_READDATA, userdata), "read data")
        try check(backdrop_curl_setopt_read_function(handle) { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            return state.read(into: buffer, capacity: size * count)
        }, "read function")

        // The debug callback sees the server's replies (CURLINFO_HEADER_IN); only those are kept,
        // never what the client sent (which holds the credentials). It runs only when verbose.
        try check(backdrop_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, userdata), "debug data")
        try check(backdrop_curl_setopt_debug_function(handle) { _, type, data, size, userdata in
            guard type == CURLINFO_HEADER_IN, let data, let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            state.received(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }, "debug function")
        try check(backdrop_curl_setopt_long(handle, CURLOPT_VERBOSE, 1), "verbose")

        let result = withExtendedLifetime(state) { curl_easy_perform(handle) }
        if result == CURLE_OK { return }

        var responseCode = 0
        _ = backdrop_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        let curlText: String = {
            let buffered = String(cString: errorBuffer)
            return buffered.isEmpty ? String(cString: curl_easy_strerror(result)) : buffered
        }()
        var text = "\(server): "
        if responseCode >= 400 {
            let reply = state.reply(withCode: responseCode) ?? "\(responseCode)"
            text += "server replied \"\(reply)\" (curl: \(curlText))"
        } else {
            text += "\(curlText) (curl error \(result.rawValue))"
        }
        switch Self.classify(curlCode: result, responseCode: responseCode) {
        case .temporary: throw .temporary(text)
        case .permanent: throw .permanent(text)
        }
    }

    enum Kind: Equatable { case temporary, permanent }

    /// The retry decision for a failed transfer (see the type's documentation).
    static func classify(curlCode: CURLcode, responseCode: Int) -> Kind {
        if curlCode == CURLE_LOGIN_DENIED { return .permanent }
        if (500...599).contains(responseCode) { return .permanent }
        if (400...499).contains(responseCode) { return .temporary }
        let permanentCodes: [CURLcode] = [
            CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_CRL_BADFILE,
            CURLE_USE_SSL_FAILED, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
        ]
        return permanentCodes.contains(curlCode) ? .permanent : .temporary
    }

    static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 1 }
        return Int(min(seconds, 86_400) * 1000)
    }
}

/// curl_global_init, once per process, before the first handle (a lazy global is initialised
/// exactly once, thread-safely).
private enum CurlGlobal {
    static let initResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))
}

/// What the C callbacks reach through their userdata pointer: the octets to upload and the
/// server's replies. Used by one transfer on one thread only.
private final class TransferState {
    let payload: [UInt8]
    var offset = 0
    /// The server's most recent replies (each: its lines), oldest first, at most 20.
    private var replies: [[String]] = []
    private var replyComplete = true

    init(payload: [UInt8]) {
        self.payload = payload
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, payload.count - offset)
        guard count > 0 else { return 0 }
        payload.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// Server lines: `250-…` continues a reply, `250 …` ends it.
    func received(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }) {
            if replyComplete || replies.isEmpty {
                replies.append([])
                if replies.count > 20 { replies.removeFirst() }
                replyComplete = false
            }
            if replies[replies.count - 1].count < 10 {
                replies[replies.count - 1].append(String(MailHeader.cleanText(String(line)).prefix(300)))
            }
            let utf8 = Array(line.utf8)
            if utf8.count < 4 || utf8[3] != UInt8(ascii: "-") { replyComplete = true }
        }
    }

    /// The text of the last reply with this code (curl has usually sent QUIT after the failing
    /// command, so the very last reply is the goodbye), its lines joined by " / ".
    func reply(withCode code: Int) -> String? {
        let prefix = String(code)
        return replies.last { $0.first?.hasPrefix(prefix) == true }.map { $0.joined(separator: " / ") }
    }
}
