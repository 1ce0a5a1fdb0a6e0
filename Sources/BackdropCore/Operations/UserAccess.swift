/// What one user may do with one operation: the org units their grants cover.
public struct UserAccess: Sendable {
    public let userName: String
    public let operation: OperationKind
    /// Org unit paths the grants name; nil when a grant covers every org unit.
    public let grantedPaths: [String]?
    public let hasAnyGrant: Bool

    public init(userName: String, operation: OperationKind, grants: [(operation: String, orgUnitPath: String?)]) {
        self.userName = userName
        self.operation = operation
        let relevant = grants.filter { $0.operation == "*" || $0.operation == operation.rawValue }
        hasAnyGrant = !relevant.isEmpty
        grantedPaths = relevant.contains { $0.orgUnitPath == nil } ? nil : relevant.compactMap(\.orgUnitPath)
    }

    /// Loads the grants of an active user; nil when the user is unknown or inactive.
    public static func load(_ db: Database, userName: String, operation: OperationKind) throws -> UserAccess? {
        guard let user = try db.row("SELECT id FROM users WHERE user_name = ? AND active = 1", [userName]),
              let id = user.int(0) else { return nil }
        let grants = try db.rows("SELECT operation, org_unit_path FROM grants WHERE user_id = ?", [id])
            .map { (operation: $0.string(0) ?? "", orgUnitPath: $0.string(1)) }
        return UserAccess(userName: userName, operation: operation, grants: grants)
    }

    /// Whether the grants cover this org unit: a grant covers its unit and everything below it.
    public func covers(_ path: String) -> Bool {
        guard hasAnyGrant else { return false }
        guard let grantedPaths else { return true }
        return grantedPaths.contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// "You may not create training records in org unit UK/North"
    public func outsideGrants(_ path: String) -> RecordFailure {
        RecordFailure("You may not \(operation.verbPhrase) in org unit \(path)")
    }
}
