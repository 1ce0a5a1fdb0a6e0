/// Writes RFC 4180 CSV (CRLF, fields quoted when they need it). For files people open in a
/// spreadsheet, `neutraliseFormulas` prefixes a cell starting with =, +, -, @ (or a tab or
/// carriage return) with an apostrophe, so it is shown as text rather than run as a formula.
public struct CSVWriter {
    public var neutraliseFormulas: Bool

    public init(neutraliseFormulas: Bool = true) {
        self.neutraliseFormulas = neutraliseFormulas
    }

    /// One record as a line, CRLF included.
    public func line(_ fields: [String]) -> String {
        fields.map(cell).joined(separator: ",") + "\r\n"
    }

    public func cell(_ value: String) -> String {
        var value = value
        if neutraliseFormulas, let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
            value = "'" + value
        }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
