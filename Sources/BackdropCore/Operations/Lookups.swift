/// A person as the operations see them.
public struct PersonInfo: Sendable {
    public let id: Int64
    public let current: Bool
    public let leaver: Bool
    public let orgUnitPath: String
}

/// Finds people by reference, failing with "Person P0012345 not found". What it finds is kept
/// until `forget` (operations call it when `CacheValidity` says the database changed).
final class PeopleLookup: Forgetting {
    private let statement: Statement
    private var cache: [String: PersonInfo] = [:]
    /// One copy of each org unit path, shared by everyone in it (there are few units, many people).
    private var paths: Set<String> = []

    func forget() {
        cache.removeAll(keepingCapacity: true)
        paths.removeAll()
    }

    private func intern(_ path: String) -> String {
        if let known = paths.firstIndex(of: path) { return paths[known] }
        paths.insert(path)
        return path
    }

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
        if let cached = cache[ref] { return cached }
        statement.reset()
        statement.bind(ref, at: 1)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        let person = PersonInfo(id: statement.int64(at: 0), current: statement.int64(at: 1) != 0,
                                leaver: statement.int64(at: 2) != 0, orgUnitPath: intern(statement.text(at: 3) ?? ""))
        cache[ref] = person
        return person
    }
}

/// A course as the operations see it.
public struct CourseInfo: Sendable {
    public let id: Int64
    public let active: Bool
    public let validityMonths: Int
}

/// Finds courses by code, failing with "Course FIRE-101 not found". What it finds is kept
/// until `forget`.
final class CourseLookup: Forgetting {
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

/// A lookup that keeps what it found until told to forget.
protocol Forgetting: AnyObject {
    func forget()
}

extension CacheValidity {
    /// Clears the lookups' caches when another connection changed the database (and the
    /// first time); called at the start of every batch.
    func refresh(_ lookups: any Forgetting...) {
        guard (try? changed()) != false else { return }
        for lookup in lookups { lookup.forget() }
    }
}

/// Which people have an open training need for which course, read once and kept in step with
/// the needs this operation meets, so that most records need no UPDATE at all.
final class OpenNeeds: Forgetting {
    private struct Key: Hashable { let person: Int64; let course: Int64 }
    private let db: Database
    private var keys: Set<Key>?

    init(_ db: Database) { self.db = db }

    func forget() { keys = nil }

    func contains(person: Int64, course: Int64) throws -> Bool {
        if keys == nil {
            let statement = try db.statement("SELECT person_id, course_id FROM training_needs WHERE status = 'Open'")
            statement.reset()
            var loaded = Set<Key>()
            while try statement.step() { loaded.insert(Key(person: statement.int64(at: 0), course: statement.int64(at: 1))) }
            statement.reset()
            keys = loaded
        }
        return keys!.contains(Key(person: person, course: course))
    }

    func remove(person: Int64, course: Int64) {
        keys?.remove(Key(person: person, course: course))
    }
}
