/// A failure reported by SQLite: its result code, its message and the SQL that failed.
/// Bound values are deliberately left out of the description: they may hold personal data.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// SQLITE_CONSTRAINT and its extended codes.
    public var isConstraintViolation: Bool { code & 0xFF == 19 }
    /// SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock.
    public var isBusy: Bool { code & 0xFF == 5 || code & 0xFF == 6 }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let sql { text += " (in `\(sql)`)" }
        return text
    }
}
