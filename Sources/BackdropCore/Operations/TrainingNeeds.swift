/// The training needs that follow from a role's courses: created for its current members,
/// removed or changed with the course. Only Open needs are ever touched; Met ones are history.
final class TrainingNeeds {
    private let create: Statement
    private let remove: Statement
    private let setOptional: Statement

    init(_ db: Database) throws {
        // Current members who are not leavers and have no Open need for the course already.
        create = try db.statement("""
            INSERT INTO training_needs(person_id, course_id, role_id, optional, required_by, status)
            SELECT m.person_id, ?2, ?1, ?3, ?4, 'Open'
            FROM role_members m JOIN people p ON p.id = m.person_id
            WHERE m.role_id = ?1 AND p.current = 1 AND p.leaver = 0
              AND NOT EXISTS (SELECT 1 FROM training_needs n
                              WHERE n.person_id = m.person_id AND n.course_id = ?2 AND n.status = 'Open')
            """)
        remove = try db.statement("""
            UPDATE training_needs SET status = 'Removed' WHERE role_id = ?1 AND course_id = ?2 AND status = 'Open'
            """)
        setOptional = try db.statement("""
            UPDATE training_needs SET optional = ?3 WHERE role_id = ?1 AND course_id = ?2 AND status = 'Open'
            """)
    }

    /// Creates an Open need for the course for every current member of the role who lacks one.
    func createForMembers(role: Int64, course: Int64, optional: Bool, requiredBy: Day) throws {
        try create.execute([role, course, optional, requiredBy.description])
    }

    /// The role's Open needs for the course become Removed.
    func removeOpen(role: Int64, course: Int64) throws {
        try remove.execute([role, course])
    }

    /// The role's Open needs for the course take the course's new optional flag.
    func setOptional(role: Int64, course: Int64, optional: Bool) throws {
        try setOptional.execute([role, course, optional])
    }
}
