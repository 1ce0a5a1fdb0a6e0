/// One of the seven operations, applying one record at a time.
///
/// The job runner owns the transaction: it calls `apply` for each record of a batch inside one
/// transaction. An operation either applies the whole record or throws `RecordFailure` having
/// changed nothing (operations whose records take several statements say so through
/// `needsSavepoint`, and the runner wraps each record in a savepoint). Any other error aborts
/// the batch, which is rolled back and retried from its first record.
public protocol BulkOperation: AnyObject {
    /// The columns, with the required ones marked; the order is the operation's own.
    static var columns: [Column] { get }
    /// Whether a record may change several rows, so a failure half-way must be rolled back.
    static var needsSavepoint: Bool { get }

    init(context: OperationContext, map: ColumnMap) throws

    /// The record's reference in the summary (e.g. `P0012345/FIRE-101/2026-03-01`).
    func reference(_ values: [String]) -> String

    /// Checks and applies one record, or throws `RecordFailure` with the reason.
    func apply(_ values: [String], line: Int) throws

    /// Called at the start of every batch transaction: drop anything cached from before it.
    func beginBatch()
}

extension BulkOperation {
    public static var needsSavepoint: Bool { false }
    public func beginBatch() {}
}

/// What an operation may rely on while it runs.
public struct OperationContext {
    public let db: Database
    public let access: UserAccess
    public let jobID: Int64
    public let today: Day
    public let dates: DateParser
    /// Tells an operation when caches it keeps across batches must go (see `CacheValidity`).
    public let cacheValidity: CacheValidity

    public init(db: Database, access: UserAccess, jobID: Int64, today: Day, dates: DateParser) {
        self.cacheValidity = CacheValidity(db: db)
        self.db = db
        self.access = access
        self.jobID = jobID
        self.today = today
        self.dates = dates
    }
}

/// The operation type for each slug.
public enum OperationRegistry {
    public static func type(for kind: OperationKind) -> any BulkOperation.Type {
        switch kind {
        case .createTrainingRecords: return CreateTrainingRecords.self
        case .createRolesAndTraining: return CreateRolesAndTraining.self
        case .addCoursesToRoles: return AddCoursesToRoles.self
        case .updateRoles: return UpdateRoles.self
        case .bulkDelete: return BulkDelete.self
        case .autoArchiveTraining: return AutoArchiveTraining.self
        case .trainingBulkUpdate: return TrainingBulkUpdate.self
        }
    }
}

/// Whether anything but this connection changed the database since the last look, through
/// SQLite's `PRAGMA data_version`. Operations may cache what they read (people, courses) across
/// batches and drop it when this says so; inside a batch's transaction nobody else can write.
public final class CacheValidity {
    private let db: Database
    private var seen: Int?

    init(db: Database) { self.db = db }

    /// True the first time, and whenever another connection committed since the last call.
    public func changed() throws -> Bool {
        let version = try db.row("PRAGMA data_version")?.int(0)
        defer { seen = version }
        return seen == nil || seen != version
    }
}
