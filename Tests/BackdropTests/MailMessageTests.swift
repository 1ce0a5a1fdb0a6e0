import Testing
import Foundation
@testable import BackdropCore

@Suite struct MailMessageTests {
    static let injectedSubject = "Résumé des opérations – Create Training Records\r\nBcc: victim@example.com\r\n\r\n"
        + "partially succeeded ✅ with a subject long enough to need folding over several header lines"

    static func longHTML() -> String {
        let long = String(repeating: "<b>été €</b> = 100% 😀 ", count: 90)  // one line of ~2000 characters
        return "<!doctype html>\n<html><body>\n<p>Hello \"Zoë\"</p>\n\(long)\n.\nFrom here on\n<p>end</p>  \n</body></html>"
    }

    static func sample(subject: String = injectedSubject, html: String = longHTML(),
                       messageID: String = "3f2a9c1e-0b7d-4c55-9a51-1f0e2d3c4b5a@example.org") throws -> MailMessage {
        MailMessage(
            from: try MailAddress(name: "Backdrop, Reports (bot)", address: "backdrop@example.org"),
            to: try MailAddress(name: "Zoë \"The Boss\" O'Brien-Łukasiewicz\r\nBcc: evil@example.com", address: "zoe.obrien@example.com"),
            subject: subject,
            text: "Hello Zoë,\n\n1180 records succeeded, 24 failed.\r\nSummary: https://backdrop.example/s/abc?x=1&y=2\n.\nFrom the team\ntrailing space \n",
            html: html,
            messageID: messageID,
            date: Date(timeIntervalSince1970: 1_796_412_600)  // 2026-12-04T19:30:00Z
        )
    }

    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 13, bytes[i + 1] == 10 {
                result.append(bytes[start..<i])
                start = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        result.append(bytes[start...])
        return result
    }

    static func headerLines(_ bytes: [UInt8]) -> [String] {
        var result: [String] = []
        for line in lines(bytes) {
            if line.isEmpty { break }
            result.append(String(decoding: line, as: UTF8.self))
        }
        return result
    }

    @Test func rendersMIMEThatARealParserReadsBack() throws {
        let dir = try TemporaryFolder()
        let message = try Self.sample()
        let bytes = message.rendered()

        // CRLF only: every LF follows a CR, every CR precedes an LF; the message ends with CRLF.
        for (i, byte) in bytes.enumerated() {
            if byte == 10 { #expect(i > 0 && bytes[i - 1] == 13) }
            if byte == 13 { #expect(i + 1 < bytes.count && bytes[i + 1] == 10) }
        }
        #expect(bytes.suffix(2) == [13, 10])
        #expect(bytes.allSatisfy { $0 < 0x80 }, "7-bit clean")

        let all = Self.lines(bytes)
        #expect(all.allSatisfy { $0.count <= 998 })
        #expect(all.allSatisfy { $0.count <= 78 }, "headers fold within 78, QP lines stay within 76")

        // No header injection: nothing the inputs smuggled in became a header of its own.
        let header = Self.headerLines(bytes)
        #expect(!header.contains { $0.lowercased().hasPrefix("bcc") })
        let names = header.filter { !$0.hasPrefix(" ") && !$0.hasPrefix("\t") }.map { $0.prefix { $0 != ":" } }
        #expect(names == ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type"])
        #expect(header.contains("Date: Fri, 04 Dec 2026 19:30:00 +0000"))
        #expect(header.contains("Message-ID: <3f2a9c1e-0b7d-4c55-9a51-1f0e2d3c4b5a@example.org>"))
        #expect(header.contains("MIME-Version: 1.0"))

        let parsed = try MailTestTools.parse(bytes, in: dir)
        #expect(parsed.defects == [])
        #expect(parsed.headerNames == ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Auto-Submitted", "Content-Type"])
        #expect(parsed.subject == "Résumé des opérations – Create Training Records Bcc: victim@example.com "
            + "partially succeeded ✅ with a subject long enough to need folding over several header lines")
        #expect(parsed.fromName == "Backdrop, Reports (bot)")
        #expect(parsed.fromAddress == "backdrop@example.org")
        #expect(parsed.toName == "Zoë \"The Boss\" O'Brien-Łukasiewicz Bcc: evil@example.com")
        #expect(parsed.toAddress == "zoe.obrien@example.com")
        #expect(parsed.messageId == "<3f2a9c1e-0b7d-4c55-9a51-1f0e2d3c4b5a@example.org>")
        #expect(parsed.date == "2026-12-04T19:30:00+00:00")
        #expect(parsed.contentType == "multipart/alternative")
        #expect(parsed.partCount == 2)
        #expect(parsed.text.map(normalise) == normalise(message.text))
        #expect(parsed.html.map(normalise) == normalise(message.html))
    }

    @Test func plainASCIISubjectFoldsAtSpacesAndStaysReadable() throws {
        let dir = try TemporaryFolder()
        let subject = "Create Training Records partially succeeded: 1180 of 1204 records applied, 24 failed (march.csv)"
        let message = try Self.sample(subject: subject)
        let header = Self.headerLines(message.rendered())
        let start = try #require(header.firstIndex { $0.hasPrefix("Subject: ") })
        #expect(header[start].hasPrefix("Subject: Create Training Records"), "ASCII is not encoded")
        #expect(header[start + 1].hasPrefix(" "), "folded")
        #expect(header.allSatisfy { $0.utf8.count <= 78 })
        #expect(try MailTestTools.parse(message.rendered(), in: dir).subject == subject)
    }

    @Test(arguments: ["", "   \r\n ", String(repeating: "x", count: 120), "a " + String(repeating: "é", count: 400)])
    func awkwardSubjectsStayWithinLineLimitsAndRoundTrip(_ subject: String) throws {
        let dir = try TemporaryFolder()
        let message = try Self.sample(subject: subject)
        let bytes = message.rendered()
        #expect(Self.headerLines(bytes).allSatisfy { $0.utf8.count <= 78 })
        let parsed = try MailTestTools.parse(bytes, in: dir)
        #expect(parsed.defects == [])
        #expect(parsed.subject == MailHeader.cleanText(subject))
    }

    @Test func textThatLooksLikeAnEncodedWordIsEncoded() throws {
        let dir = try TemporaryFolder()
        let subject = "=?UTF-8?B?SGk=?= is not decoded"
        let message = try Self.sample(subject: subject)
        #expect(try MailTestTools.parse(message.rendered(), in: dir).subject == subject)
    }

    @Test func quotedPrintableKeepsLinesShortAndEscapesDotsAndFrom() {
        let encoded = MIMEEncoding.quotedPrintable(".\nFrom x\nFromage\n" + String(repeating: "a=é ", count: 100) + " \t")
        let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines[0] == "=2E")
        #expect(lines[1] == "=46rom x")
        #expect(lines[2] == "Fromage")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.last?.hasSuffix("=20=09") == true || lines.last?.hasSuffix("=09") == true)
        #expect(!lines.contains { $0.hasPrefix(".") })
    }

    @Test func messageIDLosesEverythingThatCouldBreakTheHeader() throws {
        let message = try Self.sample(messageID: "<abc\r\nBcc: x@y.z>@ex ample.org")
        let header = Self.headerLines(message.rendered())
        #expect(header.contains("Message-ID: <abcBccx@y.z@example.org>"))
        #expect(!header.contains { $0.hasPrefix("Bcc") })
    }

    @Test(arguments: [
        "jane@example.com", "jane.doe+reports@mail.example.co.uk", "o'brien@example.com", "root@localhost",
    ])
    func acceptsOrdinaryAddresses(_ address: String) throws {
        #expect(try MailAddress(address: address).address == address)
    }

    @Test(arguments: [
        "", "jane", "jane@", "@example.com", "ja ne@example.com", "jane@example.com\r\nBcc: x@y.z",
        "<jane@example.com>", "Jane <jane@example.com>", "jane@exa\nmple.com", "jane..doe@example.com",
        ".jane@example.com", "jane@example..com", "jane@-example.com", "zoë@example.com", "a@b@c",
        "\"jane\"@example.com", "jane@example.com,evil@example.com", "jane@exam_ple.com",
    ])
    func rejectsAddressesThatAreNotPlain(_ address: String) {
        #expect(throws: MailAddressError.self) { try MailAddress(address: address) }
        #expect(!MailAddress.isValid(address))
    }

    @Test func displayNamesAreSanitised() throws {
        #expect(try MailAddress(name: "  Jane\r\n\tDoe \u{2028} ", address: "j@example.com").name == "Jane Doe")
        #expect(try MailAddress(name: "\r\n", address: "j@example.com").name == nil)
        let plain = MailHeader.addressField("To", try MailAddress(name: "Jane Doe", address: "j@example.com"))
        #expect(plain == "To: Jane Doe <j@example.com>")
        let quoted = MailHeader.addressField("To", try MailAddress(name: "Doe, Jane \"JD\" \\", address: "j@example.com"))
        #expect(quoted == "To: \"Doe, Jane \\\"JD\\\" \\\\\" <j@example.com>")
    }

    @Test func dateIsRFC5322InUTC() {
        #expect(MailHeader.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailHeader.rfc5322Date(Date(timeIntervalSince1970: 1_709_251_199.9)) == "Thu, 29 Feb 2024 23:59:59 +0000")
    }

    @Test func boundaryDiffersBetweenRenderings() throws {
        let message = try Self.sample()
        let a = Self.headerLines(message.rendered()).first { $0.contains("boundary=") }
        let b = Self.headerLines(message.rendered()).first { $0.contains("boundary=") }
        #expect(a != nil && a != b)
    }
}

/// Line endings as LF, for comparing decoded bodies.
func normalise(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
}
