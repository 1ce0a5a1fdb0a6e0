/// A person as the operations see them.
public struct PersonInfo: Sendable {
    public let id: Int64
    public let current: Bool
    public let leaver: Bool
    public let orgUnitPath: String
}

/// Finds people by reference, failing with "Person P0012345 not found".
final class PeopleLookup {
    private let statement: Statement

    init(_ db: Database) throws {
        statement = try db.statement("""
            SELECT p.id, p.current, p.leaver, o.path FROM people p JOIN org_units o ON o.id = p.org_unit_id
            WHERE p.person_ref = ?1
            """)
    }

    func find(_ ref: String) throws -> PersonInfo {
        guard let person = try lookup(ref) else { throw RecordFailure("Person \(ref) not found") }
        return person
    }

    func lookup(_ ref: String) throws -> PersonInfo? {
        statement.reset()
        statement.bind(ref, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return PersonInfo(id: statement.int64(at: 0), current: statement.int64(at: 1) != 0,
                          leaver: statement.int64(at: 2) != 0, orgUnitPath: statement.text(at: 3) ?? "")
    }
}

/// A course as the operations see it.
public struct CourseInfo: Sendable {
    public let id: Int64
    public let active: Bool
    public let validityMonths: Int
}

/// Finds courses by code, failing with "Course FIRE-101 not found". Courses are few and read
/// often, so they are cached for the length of one batch transaction.
final class CourseLookup {
    private let statement: Statement
    private var cache: [String: CourseInfo] = [:]

    init(_ db: Database) throws {
        statement = try db.statement("SELECT id, active, validity_months FROM courses WHERE course_code = ?1")
    }

    func forget() { cache.removeAll(keepingCapacity: true) }

    func find(_ code: String) throws -> CourseInfo {
        guard let course = try lookup(code) else { throw RecordFailure("Course \(code) not found") }
        return course
    }

    func lookup(_ code: String) throws -> CourseInfo? {
        if let cached = cache[code] { return cached }
        statement.reset()
        statement.bind(code, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let course = CourseInfo(id: statement.int64(at: 0), active: statement.int64(at: 1) != 0,
                                validityMonths: Int(statement.int64(at: 2)))
        cache[code] = course
        return course
    }
}
