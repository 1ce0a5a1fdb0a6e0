import CSQLite
import Foundation

/// One SQLite connection, used from one thread at a time. Opens in WAL mode with a busy timeout,
/// keeps prepared statements in a cache keyed by their SQL, and runs closures in transactions.
public final class Database {
    private let handle: OpaquePointer
    public let path: String
    private var cache: [String: Statement] = [:]

    /// `scratch`: a throwaway copy (a dry run's), with no journal on disk and no syncing.
    public init(path: String, readOnly: Bool = false, scratch: Bool = false) throws(DatabaseError) {
        var connection: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let code = sqlite3_open_v2(path, &connection, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let connection { sqlite3_close_v2(connection) }
            throw DatabaseError(code: code, message: "\(message): \(path)")
        }
        self.handle = connection
        self.path = path
        sqlite3_extended_result_codes(connection, 1)
        sqlite3_busy_timeout(connection, 30_000)
        if scratch {
            try execute("PRAGMA journal_mode = MEMORY")
            try execute("PRAGMA synchronous = OFF")
        } else if !readOnly {
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = NORMAL")
        }
        // Foreign keys stay declared in the schema as documentation but are not enforced
        // (SQLite's default): every operation checks its referents itself, with a reason a
        // person can act on, and enforcing them again costs two lookups per inserted record.
        try execute("PRAGMA cache_size = -32768")  // 32 MiB of page cache
        try execute("PRAGMA temp_store = MEMORY")
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows and take no values.
    public func execute(_ sql: String) throws(DatabaseError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw DatabaseError(code: code, message: text, sql: sql)
        }
    }

    /// A cached prepared statement for this SQL.
    public func statement(_ sql: String) throws(DatabaseError) -> Statement {
        if let cached = cache[sql] { return cached }
        let statement = try Statement(connection: handle, sql: sql)
        cache[sql] = statement
        return statement
    }

    public func execute(_ sql: String, _ values: [any SQLBindable]) throws(DatabaseError) {
        try statement(sql).execute(values)
    }

    public func rows(_ sql: String, _ values: [any SQLBindable] = []) throws(DatabaseError) -> [Row] {
        try statement(sql).rows(values)
    }

    public func row(_ sql: String, _ values: [any SQLBindable] = []) throws(DatabaseError) -> Row? {
        try statement(sql).row(values)
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE: the write lock is taken at once).
    /// Commits when it returns, rolls back when it throws; the first error wins.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside a savepoint: its changes are undone when it throws, while the
    /// enclosing transaction goes on.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT record")
        do {
            let result = try body()
            try execute("RELEASE record")
            return result
        } catch {
            try? execute("ROLLBACK TO record")
            try? execute("RELEASE record")
            throw error
        }
    }
}
