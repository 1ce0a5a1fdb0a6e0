import Foundation
@testable import BackdropCore

/// Roles, their courses, members and needs set up straight in the database, and read back as
/// lines that are easy to compare.
extension Workspace {
    /// A role with members (current or not) and courses (not optional, due within 30 days).
    func addRole(_ ref: String, in path: String = "Acme/UK/North", archived: Bool = false,
                 members: [String] = [], courses: [String] = []) throws {
        try db.execute("INSERT INTO roles(role_ref, name, org_unit_id, archived) SELECT ?, ?, id, ? FROM org_units WHERE path = ?",
                       [ref, "Role \(ref)", archived, path])
        for person in members {
            try db.execute("INSERT INTO role_members(role_id, person_id) SELECT r.id, p.id FROM roles r, people p WHERE r.role_ref = ? AND p.person_ref = ?",
                           [ref, person])
        }
        for course in courses {
            try db.execute("INSERT INTO role_courses(role_id, course_id) SELECT r.id, c.id FROM roles r, courses c WHERE r.role_ref = ? AND c.course_code = ?",
                           [ref, course])
        }
    }

    /// A training need, from a role or (role nil) from elsewhere.
    func addNeed(_ person: String, _ course: String, role: String? = nil, status: String = "Open") throws {
        try db.execute("""
            INSERT INTO training_needs(person_id, course_id, role_id, status, required_by)
            SELECT p.id, c.id, (SELECT id FROM roles WHERE role_ref = ?), ?, '2026-01-01'
            FROM people p, courses c WHERE p.person_ref = ? AND c.course_code = ?
            """, [role, status, person, course])
    }

    /// "P001 FIRE-101 R1 Open 2027-01-03 optional=0", ordered by person and course.
    func needs() throws -> [String] {
        try db.rows("""
            SELECT p.person_ref, c.course_code, coalesce(r.role_ref, '-'), n.status, coalesce(n.required_by, '-'), n.optional
            FROM training_needs n JOIN people p ON p.id = n.person_id JOIN courses c ON c.id = n.course_id
            LEFT JOIN roles r ON r.id = n.role_id
            ORDER BY p.person_ref, c.course_code, n.id
            """).map { "\($0.string(0)!) \($0.string(1)!) \($0.string(2)!) \($0.string(3)!) \($0.string(4)!) optional=\($0.int(5)!)" }
    }

    /// "R1 Role R1 Acme/UK/North archived=0 courses=FA-300(optional=0,due=30) members=P001,P003"
    func roles() throws -> [String] {
        try db.rows("""
            SELECT r.role_ref, r.name, o.path, r.archived,
                (SELECT group_concat(code, ' ') FROM (SELECT c.course_code || '(optional=' || rc.optional || ',due=' || rc.due_within_days || ')' AS code
                    FROM role_courses rc JOIN courses c ON c.id = rc.course_id WHERE rc.role_id = r.id ORDER BY c.course_code)),
                (SELECT group_concat(ref, ',') FROM (SELECT p.person_ref AS ref
                    FROM role_members m JOIN people p ON p.id = m.person_id WHERE m.role_id = r.id ORDER BY p.person_ref))
            FROM roles r JOIN org_units o ON o.id = r.org_unit_id ORDER BY r.role_ref
            """).map { "\($0.string(0)!) \($0.string(1)!) \($0.string(2)!) archived=\($0.int(3)!) courses=\($0.string(4) ?? "") members=\($0.string(5) ?? "")" }
    }

    /// Everything the role operations may change.
    func roleState() throws -> [String] { try roles() + needs() }
}
