import Foundation

/// Why a string was refused as an email address.
public struct MailAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The refused input, as given.
    public let input: String
    public let reason: String

    public var description: String {
        // debugDescription escapes CR, LF and other control characters, so the message is one line.
        "invalid email address \(input.debugDescription): \(reason)"
    }
}

/// An email address with an optional display name.
///
/// The address is **validated, never repaired**: the initialiser throws for anything that is
/// not a plain `local@domain` in ASCII (dot-atom local part of at most 64 octets, a domain of
/// letters, digits, hyphens and dots, at most 254 octets in all). So an address can never hold
/// CR, LF, other control characters, spaces, `<`, `>`, quotes, commas or non-ASCII text, and it
/// is safe to put in a header or an SMTP command as is.
///
/// The display name is free text and is **sanitised**: control characters (including CR, LF,
/// tab, U+2028/U+2029) become spaces, runs of white space collapse to one space, and the ends
/// are trimmed; an empty result means no name. When rendered, a name made of plain words is
/// written as is, one with specials (`"`, `,`, `(` …) is quoted, and one with non-ASCII text is
/// RFC 2047 encoded.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    public let name: String?
    public let address: String

    public init(name: String? = nil, address: String) throws(MailAddressError) {
        if let problem = MailAddress.problem(with: address) {
            throw MailAddressError(input: address, reason: problem)
        }
        self.address = address
        let cleaned = name.map(MailHeader.cleanText) ?? ""
        self.name = cleaned.isEmpty ? nil : cleaned
    }

    /// Whether `address` would be accepted by the initialiser.
    public static func isValid(_ address: String) -> Bool { problem(with: address) == nil }

    /// The part after the `@`.
    public var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    /// `Jane Doe <jane@example.com>` (unencoded; for logs and messages, not for headers).
    public var description: String { name.map { "\($0) <\(address)>" } ?? address }

    static func problem(with address: String) -> String? {
        let bytes = Array(address.utf8)
        if bytes.isEmpty { return "empty" }
        if bytes.count > 254 { return "longer than 254 characters" }
        for byte in bytes where byte <= 0x20 || byte >= 0x7F {
            return byte == 0x20 ? "contains a space"
                : byte >= 0x80 ? "contains non-ASCII characters"
                : "contains a control character"
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "must contain exactly one @" }
        let local = parts[0], domain = parts[1]
        if local.isEmpty { return "nothing before the @" }
        if local.utf8.count > 64 { return "the part before the @ is longer than 64 characters" }
        for atom in local.split(separator: ".", omittingEmptySubsequences: false) {
            if atom.isEmpty { return "misplaced dot before the @" }
            if !atom.utf8.allSatisfy(MailHeader.isAtext) { return "contains a character not allowed in an address" }
        }
        if domain.isEmpty { return "nothing after the @" }
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { return "misplaced dot in the domain" }
            if label.utf8.count > 63 { return "a domain label is longer than 63 characters" }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "a domain label starts or ends with a hyphen" }
            let ok = label.utf8.allSatisfy { MailHeader.isAlnum($0) || $0 == UInt8(ascii: "-") }
            if !ok { return "the domain may hold only letters, digits, hyphens and dots" }
        }
        return nil
    }
}

/// One email: a plain-text and an HTML alternative of the same content.
///
/// Every field may hold anything: `rendered()` removes what cannot go in a header (control
/// characters become spaces in the subject; the Message-ID keeps only the characters RFC 5322
/// allows in an id), so header injection is impossible. Addresses are validated by `MailAddress`.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String
    /// `id-left@id-right`, without angle brackets (brackets given anyway are dropped). Keep it
    /// stable for a message: a resend carries the same id, and `FileMailTransport` names the file
    /// after it.
    public var messageID: String
    public var date: Date

    public init(from: MailAddress, to: MailAddress, subject: String, text: String, html: String,
                messageID: String, date: Date) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
    }

    /// The Message-ID as it appears between the angle brackets of the header.
    public var headerMessageID: String { MailHeader.cleanMessageID(messageID) }

    /// The message as RFC 5322 / MIME octets with CRLF line endings, ready for SMTP DATA or an
    /// `.eml` file: a `multipart/alternative` with a UTF-8 text/plain and text/html part, both
    /// quoted-printable (lines of at most 76 octets). Header lines stay within 78 octets where
    /// the content allows (a very long address is never split) and never reach 998. The MIME
    /// boundary is random and starts with `=_`, which quoted-printable text never contains.
    public func rendered() -> [UInt8] {
        let textPart = MIMEEncoding.quotedPrintable(text)
        let htmlPart = MIMEEncoding.quotedPrintable(html)
        var boundary = MIMEEncoding.randomBoundary()
        while MIMEEncoding.contains(textPart, Array(boundary.utf8))
            || MIMEEncoding.contains(htmlPart, Array(boundary.utf8)) {
            boundary = MIMEEncoding.randomBoundary()
        }

        var head: [String] = []
        head.append("Date: " + MailHeader.rfc5322Date(date))
        head.append(MailHeader.addressField("From", from))
        head.append(MailHeader.addressField("To", to))
        head.append(MailHeader.fold("Subject", MailHeader.unstructuredTokens(subject, field: "Subject")))
        head.append("Message-ID: <\(headerMessageID)>")
        head.append("MIME-Version: 1.0")
        head.append("Auto-Submitted: auto-generated")
        head.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")

        var out: [UInt8] = []
        out.reserveCapacity(textPart.count + htmlPart.count + 1024)
        func line(_ s: String) { out.append(contentsOf: s.utf8); out.append(contentsOf: [13, 10]) }
        for field in head { line(field) }
        line("")
        for (subtype, body) in [("plain", textPart), ("html", htmlPart)] {
            line("--" + boundary)
            line("Content-Type: text/\(subtype); charset=utf-8")
            line("Content-Transfer-Encoding: quoted-printable")
            line("")
            out.append(contentsOf: body)
            line("")
        }
        line("--" + boundary + "--")
        return out
    }
}

/// Header building: sanitising, RFC 2047 encoded-words and folding.
enum MailHeader {
    static let lineLimit = 78
    /// RFC 2047: an encoded-word is at most 75 characters.
    static let encodedWordLimit = 75

    static func isAlnum(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }

    /// RFC 5322 atext.
    static func isAtext(_ b: UInt8) -> Bool {
        isAlnum(b) || "!#$%&'*+-/=?^_`{|}~".utf8.contains(b)
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }

    /// Control characters become spaces, white space runs collapse to one space, ends trimmed.
    static func cleanText(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isControl(scalar) || scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(scalar)
        }
        return String(out)
    }

    /// Keeps only atext, dots and `@` (so never brackets, spaces or control characters), and
    /// stays well under the 998-octet line limit.
    static func cleanMessageID(_ id: String) -> String {
        let kept = id.utf8.filter { isAtext($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "@") }
        let clean = String(decoding: kept.prefix(900), as: UTF8.self)
        return clean.isEmpty ? "no-id@backdrop.invalid" : clean
    }

    static func isPrintableASCII(_ s: String) -> Bool { s.utf8.allSatisfy { (0x20...0x7E).contains($0) } }

    /// Tokens for an unstructured field such as Subject: plain words when the text is printable
    /// ASCII whose words fit a line, otherwise UTF-8 "B" encoded-words.
    static func unstructuredTokens(_ raw: String, field: String) -> [String] {
        let text = cleanText(raw)
        if text.isEmpty { return [] }
        let words = text.split(separator: " ").map(String.init)
        let firstRoom = lineLimit - field.utf8.count - 2
        if isPrintableASCII(text), !text.contains("=?"),
           words.allSatisfy({ $0.utf8.count <= firstRoom }) {
            return words
        }
        return encodedWords(text, firstRoom: firstRoom)
    }

    /// `Field: phrase <address>` folded, or `Field: address` without a name.
    static func addressField(_ field: String, _ address: MailAddress) -> String {
        guard let name = address.name else { return "\(field): \(address.address)" }
        return fold(field, phraseTokens(name, firstRoom: lineLimit - field.utf8.count - 2) + ["<\(address.address)>"])
    }

    /// A display name. All plain words: as is. Printable ASCII: one quoted-string. Otherwise
    /// word by word, so that the common case never needs two adjacent encoded-words (whose
    /// separating space RFC 2047 decoders drop but some parsers, such as Python's, keep):
    /// plain words as is, ASCII words with specials as quoted-strings, and each run of words
    /// with non-ASCII text as encoded-words (split only when longer than one encoded-word).
    static func phraseTokens(_ name: String, firstRoom: Int) -> [String] {
        let words = name.split(separator: " ").map(String.init)
        func isAtom(_ word: String) -> Bool { word.utf8.allSatisfy(isAtext) && !word.contains("=?") }
        func quoted(_ text: String) -> String {
            var result = "\""
            for ch in text.unicodeScalars {
                if ch == "\"" || ch == "\\" { result.append("\\") }
                result.unicodeScalars.append(ch)
            }
            return result + "\""
        }
        if isPrintableASCII(name), !name.contains("=?") {
            if words.allSatisfy({ isAtom($0) && $0.utf8.count <= firstRoom }) { return words }
            if quoted(name).utf8.count <= firstRoom { return [quoted(name)] }
        }
        var tokens: [String] = []
        var run: [String] = []  // consecutive words that need encoding
        var quotedRun: [String] = []  // consecutive ASCII words with specials
        func flushRuns() {
            if !quotedRun.isEmpty { tokens.append(quoted(quotedRun.joined(separator: " "))) }
            quotedRun.removeAll()
            if !run.isEmpty {
                tokens += encodedWords(run.joined(separator: " "), firstRoom: tokens.isEmpty ? firstRoom : encodedWordLimit)
            }
            run.removeAll()
        }
        for word in words {
            if isAtom(word), word.utf8.count <= firstRoom {
                flushRuns()
                tokens.append(word)
            } else if isPrintableASCII(word), !word.contains("=?"), quoted(word).utf8.count <= firstRoom {
                if !run.isEmpty || quoted((quotedRun + [word]).joined(separator: " ")).utf8.count > firstRoom { flushRuns() }
                quotedRun.append(word)
            } else {
                if !quotedRun.isEmpty { flushRuns() }
                run.append(word)
            }
        }
        flushRuns()
        return tokens
    }

    /// `=?UTF-8?B?...?=` words, each holding whole Unicode scalars, the first at most `firstRoom`
    /// characters long and the others at most 75, so each fits its folded line.
    static func encodedWords(_ text: String, firstRoom: Int) -> [String] {
        let overhead = "=?UTF-8?B??=".utf8.count
        func payloadLimit(_ room: Int) -> Int { max(4, (min(room, encodedWordLimit) - overhead) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = payloadLimit(firstRoom)
        func flush() {
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk.removeAll(keepingCapacity: true)
            limit = payloadLimit(encodedWordLimit)
        }
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > limit { flush() }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty { flush() }
        return words
    }

    /// `Field: t1 t2` with CRLF + space inserted before a token that would pass 78 characters.
    /// A token is never split, so a single token longer than a line makes a longer line.
    static func fold(_ field: String, _ tokens: [String]) -> String {
        var lines: [String] = []
        var current = field + ":"
        var currentHasToken = false
        for token in tokens {
            if currentHasToken, current.utf8.count + 1 + token.utf8.count > lineLimit {
                lines.append(current)
                current = ""
            }
            current += " " + token
            currentHasToken = true
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// `Thu, 04 Dec 2026 19:30:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}

/// Body encoding.
enum MIMEEncoding {
    /// Quoted-printable (RFC 2045) of the UTF-8 text. Line breaks (CRLF, CR or LF) become CRLF;
    /// encoded lines are at most 76 octets including the `=` of a soft line break. A `.` or a
    /// `From ` at the start of a line is encoded too, so neither SMTP dot-stuffing nor mbox
    /// quoting can alter the text.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        var lineStart = 0
        var i = 0
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == 13 || bytes[i] == 10 {
                encodeLine(bytes[lineStart..<i], into: &out)
                if i == bytes.count { break }
                out.append(contentsOf: [13, 10])
                if bytes[i] == 13, i + 1 < bytes.count, bytes[i + 1] == 10 { i += 1 }
                i += 1
                lineStart = i
                continue
            }
            i += 1
        }
        return out
    }

    private static let hex = Array("0123456789ABCDEF".utf8)

    private static func encodeLine(_ line: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var length = 0
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            let isLast = index == line.endIndex - 1
            func token(atLineStart: Bool) -> [UInt8] {
                let literal: Bool
                switch byte {
                case 0x20, 0x09: literal = !isLast
                case UInt8(ascii: "="): literal = false
                case UInt8(ascii: "."): literal = !atLineStart
                case UInt8(ascii: "F"):
                    literal = !(atLineStart && line[index...].starts(with: "From ".utf8))
                case 0x21...0x7E: literal = true
                default: literal = false
                }
                return literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
            var encoded = token(atLineStart: length == 0)
            // Keep room for the soft break's "=": content at most 75 octets per encoded line.
            if length + encoded.count > 75 {
                out.append(contentsOf: [UInt8(ascii: "="), 13, 10])
                length = 0
                encoded = token(atLineStart: true)
            }
            out.append(contentsOf: encoded)
            length += encoded.count
            index += 1
        }
    }

    static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let hexDigits = Array("0123456789abcdef")
        return "=_backdrop_" + String((0..<32).map { _ in hexDigits[Int(generator.next() % 16)] })
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
