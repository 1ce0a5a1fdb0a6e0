/// A stored training record with its person and course, as `training-bulk-update` sees it.
struct TrainingRecordInfo {
    let id: Int64
    let personID: Int64
    let courseID: Int64
    let completedOn: Day
    let expiresOn: Day?
    let result: String
    let trainer: String?
    let hours: Double?
    let certificateRef: String?
    let comments: String?
    let archived: Bool
    let personRef: String
    let leaver: Bool
    let orgUnitPath: String
    let courseCode: String

    var reference: String { TrainingRecordRef.format(id) }
}

/// Finds training records by id or by person, course and completion date, and tells whether
/// another record already holds a key.
final class TrainingRecordLookup {
    private static let select = """
        SELECT r.id, r.person_id, r.course_id, r.completed_on, r.expires_on, r.result, r.trainer, r.hours,
            r.certificate_ref, r.comments, r.archived, p.person_ref, p.leaver, o.path, c.course_code
        FROM training_records r JOIN people p ON p.id = r.person_id JOIN org_units o ON o.id = p.org_unit_id
            JOIN courses c ON c.id = r.course_id
        """
    private let byID: Statement
    private let byKey: Statement
    private let keyTaken: Statement

    init(_ db: Database) throws {
        byID = try db.statement(Self.select + " WHERE r.id = ?1")
        byKey = try db.statement(Self.select + " WHERE r.person_id = ?1 AND r.course_id = ?2 AND r.completed_on = ?3")
        keyTaken = try db.statement("""
            SELECT 1 FROM training_records WHERE person_id = ?1 AND course_id = ?2 AND completed_on = ?3 AND id != ?4
            """)
    }

    func find(id: Int64) throws -> TrainingRecordInfo? {
        byID.reset()
        byID.bind(id, at: 1)
        return try read(byID)
    }

    func find(personID: Int64, courseID: Int64, completedOn: Day) throws -> TrainingRecordInfo? {
        byKey.reset()
        byKey.bind(personID, at: 1)
        byKey.bind(courseID, at: 2)
        byKey.bind(completedOn.description, at: 3)
        return try read(byKey)
    }

    /// Whether a record other than `record` has this person, course and completion date.
    func isTaken(_ record: TrainingRecordInfo, completedOn: Day) throws -> Bool {
        keyTaken.reset()
        keyTaken.bind(record.personID, at: 1)
        keyTaken.bind(record.courseID, at: 2)
        keyTaken.bind(completedOn.description, at: 3)
        keyTaken.bind(record.id, at: 4)
        defer { keyTaken.reset() }
        return try keyTaken.step()
    }

    private func read(_ s: Statement) throws -> TrainingRecordInfo? {
        defer { s.reset() }
        guard try s.step() else { return nil }
        return TrainingRecordInfo(
            id: s.int64(at: 0), personID: s.int64(at: 1), courseID: s.int64(at: 2),
            completedOn: Day(iso: s.text(at: 3) ?? "") ?? Day(ordinal: 0),
            expiresOn: s.text(at: 4).flatMap(Day.init(iso:)),
            result: s.text(at: 5) ?? "",
            trainer: s.text(at: 6), hours: s.isNull(at: 7) ? nil : s.double(at: 7),
            certificateRef: s.text(at: 8), comments: s.text(at: 9), archived: s.int64(at: 10) != 0,
            personRef: s.text(at: 11) ?? "", leaver: s.int64(at: 12) != 0, orgUnitPath: s.text(at: 13) ?? "",
            courseCode: s.text(at: 14) ?? "")
    }
}
