/// A role (TNA template) as the operations see it.
public struct RoleInfo: Sendable {
    public let id: Int64
    public let ref: String
    public let orgUnitID: Int64
    public let orgUnitPath: String
    public let archived: Bool
}

/// Finds roles by reference, failing with "Role R1 not found". Nothing is cached: records see
/// the roles that earlier records of the same file created or changed.
final class RoleLookup {
    private let statement: Statement

    init(_ db: Database) throws {
        statement = try db.statement("""
            SELECT r.id, r.org_unit_id, o.path, r.archived FROM roles r JOIN org_units o ON o.id = r.org_unit_id
            WHERE r.role_ref = ?1
            """)
    }

    func find(_ ref: String) throws -> RoleInfo {
        guard let role = try lookup(ref) else { throw RecordFailure("Role \(ref) not found") }
        return role
    }

    func lookup(_ ref: String) throws -> RoleInfo? {
        statement.reset()
        statement.bind(ref, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return RoleInfo(id: statement.int64(at: 0), ref: ref, orgUnitID: statement.int64(at: 1),
                        orgUnitPath: statement.text(at: 2) ?? "", archived: statement.int64(at: 3) != 0)
    }
}

/// Finds org units by path (spaces around segments and outer slashes ignored), failing with
/// "Org unit Acme/XX not found".
final class OrgUnitLookup {
    private let statement: Statement

    init(_ db: Database) throws {
        statement = try db.statement("SELECT id, path FROM org_units WHERE path = ?1")
    }

    /// The org unit's id and its stored path.
    func find(_ path: String) throws -> (id: Int64, path: String) {
        statement.reset()
        statement.bind(OrgUnitPath.normalise(path), at: 1)
        defer { statement.reset() }
        guard try statement.step() else { throw RecordFailure("Org unit \(path) not found") }
        return (statement.int64(at: 0), statement.text(at: 1) ?? path)
    }
}
