/// `bulk-delete`: deletes incidents and procedural audits. A record is deleted softly
/// (`deleted = 1`): it no longer counts, and loading it again brings it back.
///
/// Checks, in order, each failing with a reason naming the value: the module, that the record
/// exists and is not already deleted, the user's grants for its org unit, that it is not
/// Approved or Closed, and that no action on it is still open (Draft, NotStarted, InProgress).
/// The `Reason` column is accepted for the integrator's own records; the schema has nowhere
/// to keep it, so it is not stored.
public final class BulkDelete: BulkOperation {
    public static let columns = [Column("Module", required: true), Column("Reference", required: true), Column("Reason")]
    private enum Field: Int { case module, reference, reason }

    /// The two modules, each with its table and the words its reasons use.
    enum Module: CaseIterable {
        case incident, proceduralAudit

        var table: String { self == .incident ? "incidents" : "audits" }
        var noun: String { self == .incident ? "Incident" : "Procedural audit" }

        /// `Incident` or `ProceduralAudit`, ignoring letter case, spaces, underscores and hyphens.
        init?(_ text: String) {
            switch Column.normalise(text) {
            case "incident": self = .incident
            case "proceduralaudit": self = .proceduralAudit
            default: return nil
            }
        }
    }

    private struct Lookup {
        let find: Statement
        let delete: Statement
    }

    private let context: OperationContext
    private let map: ColumnMap
    private let lookups: [Module: Lookup]
    private let openActions: Statement

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        var lookups: [Module: Lookup] = [:]
        for module in Module.allCases {
            lookups[module] = Lookup(
                find: try context.db.statement("""
                    SELECT t.id, t.status, t.deleted, o.path FROM \(module.table) t JOIN org_units o ON o.id = t.org_unit_id
                    WHERE t.reference = ?1
                    """),
                delete: try context.db.statement("UPDATE \(module.table) SET deleted = 1 WHERE id = ?1"))
        }
        self.lookups = lookups
        openActions = try context.db.statement("""
            SELECT count(*) FROM actions WHERE parent_ref = ?1 AND status IN ('Draft', 'NotStarted', 'InProgress')
            """)
    }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    public func reference(_ values: [String]) -> String { value(.reference, values) }

    public func apply(_ values: [String], line: Int) throws {
        let moduleText = value(.module, values), reference = value(.reference, values)
        if moduleText.isEmpty { throw RecordFailure("Module is required") }
        if reference.isEmpty { throw RecordFailure("Reference is required") }
        guard let module = Module(moduleText) else {
            throw RecordFailure("Module \(moduleText) is not Incident or ProceduralAudit")
        }
        let lookup = lookups[module]!
        let named = "\(module.noun) \(reference)"

        lookup.find.reset()
        lookup.find.bind(reference, at: 1)
        defer { lookup.find.reset() }
        guard try lookup.find.step() else { throw RecordFailure("\(named) not found") }
        let id = lookup.find.int64(at: 0)
        let status = lookup.find.text(at: 1) ?? ""
        let deleted = lookup.find.int64(at: 2) != 0
        let path = lookup.find.text(at: 3) ?? ""
        lookup.find.reset()

        guard context.access.covers(path) else { throw context.access.outsideGrants(path) }
        if deleted { throw RecordFailure("\(named) is already deleted") }
        if status == "Approved" || status == "Closed" {
            throw RecordFailure("\(named) is \(status) and cannot be deleted")
        }
        let open = try countOpenActions(reference)
        if open > 0 { throw RecordFailure("\(named) has \(open) open action\(open == 1 ? "" : "s")") }

        lookup.delete.reset()
        lookup.delete.bind(id, at: 1)
        _ = try lookup.delete.step()
    }

    private func countOpenActions(_ reference: String) throws -> Int {
        openActions.reset()
        openActions.bind(reference, at: 1)
        defer { openActions.reset() }
        _ = try openActions.step()
        return Int(openActions.int64(at: 0))
    }
}
