extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line breaks).
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}

extension String {
    /// The same as StringProtocol's, with a fast path for the usual case (nothing to trim,
    /// judged on the first and last bytes), since it runs once per field.
    func trimmingWhitespace() -> String {
        if let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20, first < 0x80, last < 0x80 {
            return self
        }
        if isEmpty { return self }
        return self[...].trimmingWhitespace()
    }

    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension Int {
    /// 1,204 — counts as people read them.
    var grouped: String {
        let digits = String(abs(self))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return self < 0 ? "-" + out : out
    }
}
