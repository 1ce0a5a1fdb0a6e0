import CSQLite

/// A value that can be bound to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

public protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// `SQLITE_TRANSIENT` is a macro Swift does not import: SQLite copies the bound bytes.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement. It owns its handle: prepared in `init`, finalized in `deinit`.
/// Reuse one statement for many executions: `bind`, then `step` or `execute`, then it resets itself.
public final class Statement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    public let sql: String

    init(connection: OpaquePointer, sql: String) throws(DatabaseError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(code: code, message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds the values to parameters 1...n, after clearing any earlier run.
    public func bind(_ values: [any SQLBindable]) throws(DatabaseError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            try bind(value.sqlValue, at: Int32(offset + 1))
        }
    }

    public func bind(_ value: SQLValue, at index: Int32) throws(DatabaseError) {
        let code: Int32
        switch value {
        case .null: code = sqlite3_bind_null(handle, index)
        case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
        case .real(let v): code = sqlite3_bind_double(handle, index, v)
        case .text(let v): code = sqlite3_bind_text(handle, index, v, -1, sqliteTransient)
        case .blob(let v):
            code = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
        }
        guard code == SQLITE_OK else { throw error(code) }
    }

    // MARK: Typed access for hot paths (no existential boxing per value)

    /// Resets the statement for a new run; bindings are replaced one by one afterwards.
    public func reset() {
        sqlite3_reset(handle)
    }

    public func bind(_ value: Int64, at index: Int32) { sqlite3_bind_int64(handle, index, value) }
    public func bind(_ value: Double, at index: Int32) { sqlite3_bind_double(handle, index, value) }
    public func bindNull(at index: Int32) { sqlite3_bind_null(handle, index) }
    public func bind(_ value: String, at index: Int32) {
        if value.isEmpty {
            sqlite3_bind_text(handle, index, "", 0, sqliteTransient)
            return
        }
        var text = value
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), sqliteTransient)
            }
        }
    }
    public func bind(_ value: String?, at index: Int32) {
        if let value { bind(value, at: index) } else { bindNull(at: index) }
    }

    public func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(at column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func isNull(at column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func text(at column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }

    /// Runs the statement to completion, ignoring any rows.
    public func execute(_ values: [any SQLBindable] = []) throws(DatabaseError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs the statement and returns every row.
    public func rows(_ values: [any SQLBindable] = []) throws(DatabaseError) -> [Row] {
        try bind(values)
        var result: [Row] = []
        while try step() { result.append(currentRow()) }
        sqlite3_reset(handle)
        return result
    }

    /// Runs the statement and returns its first row, if any.
    public func row(_ values: [any SQLBindable] = []) throws(DatabaseError) -> Row? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        return try step() ? currentRow() : nil
    }

    /// Advances one row: true while a row is available, false when done.
    public func step() throws(DatabaseError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let failure = error(code)
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// The current row's values; valid after `step()` returned true.
    public func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, column)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, column)))
            case SQLITE_TEXT: values.append(.text(String(cString: sqlite3_column_text(handle, column))))
            case SQLITE_BLOB:
                let size = Int(sqlite3_column_bytes(handle, column))
                if size == 0 {
                    values.append(.blob([]))
                } else {
                    let bytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, column), count: size)
                    values.append(.blob(Array(bytes)))
                }
            default: values.append(.null)
            }
        }
        return Row(values: values)
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(code: sqlite3_extended_errcode(connection), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }
}

/// One result row, read by column position.
public struct Row: Sendable {
    public let values: [SQLValue]

    public subscript(_ index: Int) -> SQLValue { values[index] }

    public func int(_ index: Int) -> Int? {
        switch values[index] {
        case .integer(let v): return Int(v)
        case .real(let v): return Int(v)
        case .text(let v): return Int(v)
        default: return nil
        }
    }

    public func double(_ index: Int) -> Double? {
        switch values[index] {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        case .text(let v): return Double(v)
        default: return nil
        }
    }

    public func string(_ index: Int) -> String? {
        switch values[index] {
        case .text(let v): return v
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .blob(let v): return String(decoding: v, as: UTF8.self)
        case .null: return nil
        }
    }

    public func bool(_ index: Int) -> Bool { (int(index) ?? 0) != 0 }
}
