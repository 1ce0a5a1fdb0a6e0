/// `auto-archive-training`: marks a person as a leaver (not current, left on `LeaveDate`,
/// today by default) and archives their training:
///
/// - every training need still Open or already Met becomes Archived (a Met need keeps
///   `met_by_record_id` and `met_on`, so the history of how it was met stays); Removed needs stay
///   Removed;
/// - every training record is archived;
/// - actions on those records (parent `TR-0000042`) in Draft, NotStarted or InProgress become
///   Removed; Completed ones stay as they are.
///
/// Any valid LeaveDate is taken, also one in the future (an HR feed may send leavers ahead).
/// Archiving a person twice fails with the date they left.
public final class AutoArchiveTraining: BulkOperation {
    public static let columns = [Column("PersonRef", required: true), Column("LeaveDate")]
    public static let needsSavepoint = true
    private enum Field: Int { case person, leaveDate }

    private let context: OperationContext
    private let map: ColumnMap
    private let rules: TrainingValues
    private let findPerson: Statement
    private let markLeaver: Statement
    private let archiveNeeds: Statement
    private let archiveRecords: Statement
    private let removeActions: Statement

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        rules = TrainingValues(dates: context.dates, today: context.today)
        findPerson = try context.db.statement("""
            SELECT p.id, p.leaver, p.left_on, o.path FROM people p JOIN org_units o ON o.id = p.org_unit_id
            WHERE p.person_ref = ?1
            """)
        markLeaver = try context.db.statement("UPDATE people SET current = 0, leaver = 1, left_on = ?2 WHERE id = ?1")
        archiveNeeds = try context.db.statement("""
            UPDATE training_needs SET status = 'Archived' WHERE person_id = ?1 AND status IN ('Open', 'Met')
            """)
        archiveRecords = try context.db.statement("UPDATE training_records SET archived = 1 WHERE person_id = ?1")
        // Action parents are stored as written; `TR-` is matched in either letter case.
        removeActions = try context.db.statement("""
            UPDATE actions SET status = 'Removed'
            WHERE status IN ('Draft', 'NotStarted', 'InProgress') AND parent_ref IN (
                SELECT 'TR-' || printf('%07d', id) FROM training_records WHERE person_id = ?1
                UNION ALL SELECT 'tr-' || printf('%07d', id) FROM training_records WHERE person_id = ?1)
            """)
    }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    public func reference(_ values: [String]) -> String { value(.person, values) }

    public func apply(_ values: [String], line: Int) throws {
        let personRef = value(.person, values), dateText = value(.leaveDate, values)
        if personRef.isEmpty { throw RecordFailure("PersonRef is required") }

        findPerson.reset()
        findPerson.bind(personRef, at: 1)
        defer { findPerson.reset() }
        guard try findPerson.step() else { throw RecordFailure("Person \(personRef) not found") }
        let personID = findPerson.int64(at: 0)
        let leaver = findPerson.int64(at: 1) != 0
        let leftOn = findPerson.text(at: 2)
        let path = findPerson.text(at: 3) ?? ""
        findPerson.reset()

        guard context.access.covers(path) else { throw context.access.outsideGrants(path) }
        if leaver {
            throw RecordFailure("Person \(personRef) is already archived" + (leftOn.map { " (left on \($0))" } ?? ""))
        }
        let leaveDate = dateText.isEmpty ? context.today : try rules.date("LeaveDate", dateText)

        // Actions first: they are found through the person's records, whatever their state.
        try run(removeActions, personID)
        try run(archiveNeeds, personID)
        try run(archiveRecords, personID)
        markLeaver.reset()
        markLeaver.bind(personID, at: 1)
        markLeaver.bind(leaveDate.description, at: 2)
        _ = try markLeaver.step()
    }

    private func run(_ statement: Statement, _ personID: Int64) throws {
        statement.reset()
        statement.bind(personID, at: 1)
        _ = try statement.step()
    }
}
