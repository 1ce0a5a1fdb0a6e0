import Testing
import Foundation
import CCurl
@testable import BackdropCore

@Suite struct SMTPMailTransportTests {
    static func message(to address: String = "zoe.obrien@example.com") throws -> MailMessage {
        var message = try MailMessageTests.sample()
        message.to = try MailAddress(name: "Zoë O'Brien", address: address)
        return message
    }

    /// Sends and returns the failure, or nil on success.
    static func deliver(_ settings: SMTPSettings, _ message: MailMessage) -> MailDeliveryError? {
        do {
            try SMTPMailTransport(settings: settings).send(message, rendered: message.rendered())
            return nil
        } catch {
            return error
        }
    }

    @Test func deliversOnceWithBothParts() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let message = try Self.message()

        let failure = Self.deliver(SMTPSettings(url: server.url), message)
        #expect(failure == nil, "\(failure.map(String.init(describing:)) ?? "")\n\(server.log)")

        let received = try server.messages()
        try #require(received.count == 1)
        #expect(received[0].envelope["mail_from"] as? String == "backdrop@example.org")
        #expect(received[0].envelope["rcpt_tos"] as? [String] == ["zoe.obrien@example.com"])
        let parsed = try MailTestTools.parse(file: received[0].eml, in: dir)
        #expect(parsed.defects == [])
        #expect(parsed.subject == MailHeader.cleanText(message.subject))
        #expect(parsed.messageId == "<\(message.messageID)>")
        #expect(parsed.toName == "Zoë O'Brien")
        #expect(parsed.text.map(normalise) == normalise(message.text))
        #expect(parsed.html.map(normalise) == normalise(message.html))
    }

    @Test func envelopeSenderComesFromTheSettingsWhenGiven() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let failure = Self.deliver(SMTPSettings(url: server.url, from: "bounces@example.org"), try Self.message())
        #expect(failure == nil)
        #expect(try server.messages().first?.envelope["mail_from"] as? String == "bounces@example.org")
    }

    @Test func serverDownIsTemporary() throws {
        let port = try MailTestTools.freePort()  // nothing listens there
        let failure = Self.deliver(SMTPSettings(url: "smtp://127.0.0.1:\(port)", connectTimeoutSeconds: 2, timeoutSeconds: 5),
                                   try Self.message())
        let error = try #require(failure)
        #expect(error.isTemporary, "\(error)")
        #expect(error.message.contains("127.0.0.1:\(port)"))
        #expect(error.message.lowercased().contains("connect"), "\(error)")
    }

    @Test func rejectedRecipientIsPermanentWithTheReply() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir, reject: ["nobody@example.com"])
        defer { server.stop() }
        let error = try #require(Self.deliver(SMTPSettings(url: server.url), try Self.message(to: "nobody@example.com")))
        #expect(!error.isTemporary, "\(error)")
        #expect(error.message.contains("550"), "\(error)")
        #expect(error.message.contains("Recipient address rejected"), "\(error)")
        #expect(try server.messages().isEmpty)
    }

    @Test(arguments: ["LOGIN", "PLAIN"])
    func loginWithTheRightPasswordIsAcceptedAndWithAWrongOneRefused(_ mechanism: String) throws {
        let dir = try TemporaryFolder()
        let other = mechanism == "LOGIN" ? "PLAIN" : "LOGIN"
        let server = try SMTPTestServer(in: dir, login: ("backdrop", "s3cret pass"), excludeAuth: [other])
        defer { server.stop() }
        let message = try Self.message()

        let ok = Self.deliver(SMTPSettings(url: server.url, username: "backdrop", password: "s3cret pass"), message)
        #expect(ok == nil, "\(ok.map(String.init(describing:)) ?? "")\n\(server.log)")
        #expect(try server.messages().count == 1)
        #expect(try server.messages().first?.envelope["login"] as? String == "backdrop")

        let refused = try #require(Self.deliver(SMTPSettings(url: server.url, username: "backdrop", password: "wrong"), message))
        #expect(!refused.isTemporary, "a refused login is a configuration problem: permanent")
        #expect(refused.message.contains("535"), "\(refused)")
        #expect(!refused.message.contains("wrong"), "the password never appears")
        #expect(server.authLog == ["\(mechanism) accepted", "\(mechanism) refused"])

        let anonymous = try #require(Self.deliver(SMTPSettings(url: server.url), message))
        #expect(!anonymous.isTemporary, "530 authentication required: \(anonymous)")
        #expect(try server.messages().count == 1)
    }

    @Test func requiredSTARTTLSWithTheTestCAFileSucceedsAndWithoutItFailsPermanently() throws {
        let dir = try TemporaryFolder()
        let certificate = try MailTestTools.makeCertificate(in: dir)
        let server = try SMTPTestServer(in: dir, mode: .starttls, certificate: certificate)
        defer { server.stop() }
        let message = try Self.message()

        let trusted = Self.deliver(SMTPSettings(url: server.url, starttls: .require, caFile: certificate.certificate), message)
        #expect(trusted == nil, "\(trusted.map(String.init(describing:)) ?? "")\n\(server.log)")
        let received = try server.messages()
        #expect(received.count == 1)
        #expect(received.first?.envelope["tls"] as? Bool == true)

        let untrusted = try #require(Self.deliver(SMTPSettings(url: server.url, starttls: .require), message))
        #expect(!untrusted.isTemporary, "\(untrusted)")
        #expect(untrusted.message.lowercased().contains("certificate"), "\(untrusted)")

        // Without STARTTLS the server refuses the transaction (530): permanent as well.
        let plain = try #require(Self.deliver(SMTPSettings(url: server.url, starttls: .off), message))
        #expect(!plain.isTemporary, "\(plain)")
        #expect(try server.messages().count == 1)
    }

    @Test func requiredSTARTTLSAgainstAServerWithoutItFailsPermanently() throws {
        let dir = try TemporaryFolder()
        let server = try SMTPTestServer(in: dir)
        defer { server.stop() }
        let error = try #require(Self.deliver(SMTPSettings(url: server.url, starttls: .require), try Self.message()))
        #expect(!error.isTemporary, "\(error)")
        #expect(try server.messages().isEmpty)
        // `try` falls back to plain text.
        #expect(Self.deliver(SMTPSettings(url: server.url, starttls: .try), try Self.message()) == nil)
    }

    @Test func smtpsWithTheTestCAFileDelivers() throws {
        let dir = try TemporaryFolder()
        let certificate = try MailTestTools.makeCertificate(in: dir)
        let server = try SMTPTestServer(in: dir, mode: .smtps, certificate: certificate)
        defer { server.stop() }
        let failure = Self.deliver(SMTPSettings(url: "smtps://127.0.0.1:\(server.port)", caFile: certificate.certificate),
                                   try Self.message())
        #expect(failure == nil, "\(failure.map(String.init(describing:)) ?? "")\n\(server.log)")
        #expect(try server.messages().first?.envelope["tls"] as? Bool == true)
    }

    @Test func badSettingsArePermanent() throws {
        let message = try Self.message()
        #expect(Self.deliver(SMTPSettings(url: "http://127.0.0.1:1"), message).map(\.isTemporary) == false)
        #expect(Self.deliver(SMTPSettings(url: "smtp://127.0.0.1:1\r\nX"), message).map(\.isTemporary) == false)
        #expect(Self.deliver(SMTPSettings(url: "smtp://127.0.0.1:1", from: "not an address"), message).map(\.isTemporary) == false)
    }

    @Test func classification() {
        typealias T = SMTPMailTransport
        #expect(T.classify(curlCode: CURLE_COULDNT_CONNECT, responseCode: 0) == .temporary)
        #expect(T.classify(curlCode: CURLE_COULDNT_RESOLVE_HOST, responseCode: 0) == .temporary)
        #expect(T.classify(curlCode: CURLE_OPERATION_TIMEDOUT, responseCode: 250) == .temporary)
        #expect(T.classify(curlCode: CURLE_RECV_ERROR, responseCode: 451) == .temporary)
        #expect(T.classify(curlCode: CURLE_SEND_ERROR, responseCode: 550) == .permanent)
        #expect(T.classify(curlCode: CURLE_LOGIN_DENIED, responseCode: 535) == .permanent)
        #expect(T.classify(curlCode: CURLE_LOGIN_DENIED, responseCode: 454) == .permanent)
        #expect(T.classify(curlCode: CURLE_PEER_FAILED_VERIFICATION, responseCode: 0) == .permanent)
    }

    @Test func settingsNeverShowThePassword() {
        let settings = SMTPSettings(url: "smtp://user:pw@mail.example.org:587", username: "user", password: "hunter2")
        #expect(!settings.description.contains("hunter2"))
        #expect(!settings.description.contains("pw@"))
        #expect(settings.displayURL == "smtp://mail.example.org:587")
    }
}
