import Foundation

/// `backdrop load <kind> FILE.csv`: reads the whole file, checks every row, and applies all of
/// it in one transaction or nothing. A row whose key exists updates that row.
public struct ReferenceLoader {
    public struct Outcome: Equatable, Sendable {
        public let created: Int
        public let updated: Int
        /// Columns of the file that no field of this kind claims (section 3: ignored and named).
        public var ignored: [String] = []
    }

    let db: Database
    let dates: DateParser
    let today: Day

    public init(db: Database, dates: DateParser = DateParser(), today: Day = .today()) {
        self.db = db
        self.dates = dates
        self.today = today
    }

    public func load(_ kind: ReferenceKind, path: String) throws -> Outcome {
        let name = (path as NSString).lastPathComponent
        let reader: CSVRecordReader
        let map: ColumnMap
        do {
            reader = try CSVRecordReader(path: path)
            map = try ColumnMap(header: reader.header, columns: kind.columns)
        } catch {
            throw LoadError(file: name, problems: [error.description])
        }
        var problems: [String] = []
        var created = 0, updated = 0
        try db.execute("BEGIN IMMEDIATE")
        do {
            while let record = try nextRecord(reader, file: name) {
                if record.values.count != map.headerCount {
                    problems.append("line \(record.line): the row has \(record.values.count) fields, the header has \(map.headerCount)")
                    continue
                }
                let values = kind.columns.indices.map { map.value($0, in: record.values) }
                do {
                    if let missing = kind.columns.indices.first(where: { kind.columns[$0].required && values[$0].isEmpty }) {
                        throw RecordFailure("\(kind.columns[missing].name) is required")
                    }
                    if try upsert(kind, values) { created += 1 } else { updated += 1 }
                } catch let failure as RecordFailure {
                    problems.append("line \(record.line): \(failure.reason)")
                }
            }
            if !problems.isEmpty { throw LoadError(file: name, problems: problems) }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
        return Outcome(created: created, updated: updated, ignored: map.ignored)
    }

    private func nextRecord(_ reader: CSVRecordReader, file: String) throws -> RawRecord? {
        do {
            return try reader.next()
        } catch {
            throw LoadError(file: file, problems: [error.description])
        }
    }

    /// Applies one row; true when it created a row, false when it updated one.
    private func upsert(_ kind: ReferenceKind, _ v: [String]) throws -> Bool {
        switch kind {
        case .orgUnits: return try upsertOrgUnit(path: v[0], name: v[1])
        case .users: return try upsertUser(v)
        case .people: return try upsertPerson(v)
        case .courses: return try upsertCourse(v)
        case .incidents, .audits: return try upsertCase(kind == .incidents ? "incidents" : "audits", v)
        case .trainingRecords: return try upsertTrainingRecord(v)
        case .actions: return try upsertAction(v)
        }
    }

    func exists(_ sql: String, _ key: String) throws -> Int64? {
        try db.row(sql, [key]).flatMap { $0.int(0) }.map(Int64.init)
    }

    func yesNo(_ name: String, _ text: String, default value: Bool) throws -> Bool {
        if text.isEmpty { return value }
        guard let flag = YesNo.parse(text) else { throw RecordFailure("\(name) \(text) is not Y/N, Yes/No, true/false or 1/0") }
        return flag
    }

    func orgUnitID(_ path: String) throws -> Int64 {
        guard let id = try exists("SELECT id FROM org_units WHERE path = ?", OrgUnitPath.normalise(path)) else {
            throw RecordFailure("Org unit \(path) not found; load it with backdrop load org-units first")
        }
        return id
    }

    @discardableResult
    private func upsertOrgUnit(path rawPath: String, name: String) throws -> Bool {
        let path = OrgUnitPath.normalise(rawPath)
        guard OrgUnitPath.isValid(path) else { throw RecordFailure("Path \(rawPath) is not an org unit path such as UK/North/Leeds") }
        let segments = path.split(separator: "/").map(String.init)
        var parent: Int64?
        var createdLeaf = false
        for depth in 1...segments.count {
            let prefix = segments[0..<depth].joined(separator: "/")
            let isLeaf = depth == segments.count
            if let id = try exists("SELECT id FROM org_units WHERE path = ?", prefix) {
                if isLeaf && !name.isEmpty { try db.execute("UPDATE org_units SET name = ? WHERE id = ?", [name, id]) }
                parent = id
            } else {
                let unitName = isLeaf && !name.isEmpty ? name : segments[depth - 1]
                try db.execute("INSERT INTO org_units(path, name, parent_id) VALUES (?, ?, ?)", [prefix, unitName, parent])
                parent = db.lastInsertRowID
                if isLeaf { createdLeaf = true }
            }
        }
        return createdLeaf
    }

    private func upsertUser(_ v: [String]) throws -> Bool {
        let (userName, email, grantsText, activeText) = (v[0], v[1], v[2], v[3])
        guard UserName.isValid(userName) else {
            throw RecordFailure("UserName \(userName) may hold only letters, digits, '.', '_', '-' and '@'")
        }
        guard MailAddress.isValid(email) else { throw RecordFailure("Email \(email) is not an email address") }
        let active = try flag("Active", activeText)
        let grants = try cell(grantsText) { try parseGrants($0) }
        let created: Bool
        let id: Int64
        if let existing = try exists("SELECT id FROM users WHERE user_name = ?", userName) {
            var sets = ["email = ?"]
            var values: [any SQLBindable] = [email]
            apply(active, to: "active", sets: &sets, values: &values)
            try db.execute("UPDATE users SET \(sets.joined(separator: ", ")) WHERE id = ?", values + [existing])
            id = existing
            created = false
        } else {
            var isActive = true
            if case .set(let value) = active { isActive = value }
            try db.execute("INSERT INTO users(user_name, email, active) VALUES (?, ?, ?)", [userName, email, isActive])
            id = db.lastInsertRowID
            created = true
        }
        // Grants: empty keeps the user's grants, `#N/A` removes them all, a list replaces them.
        switch grants {
        case .keep: break
        case .clear: try db.execute("DELETE FROM grants WHERE user_id = ?", [id])
        case .set(let list):
            try db.execute("DELETE FROM grants WHERE user_id = ?", [id])
            for (operation, path) in list {
                try db.execute("INSERT INTO grants(user_id, operation, org_unit_path) VALUES (?, ?, ?)", [id, operation, path])
            }
        }
        return created
    }

    /// `operation@OrgUnitPath;…`: `*` for every operation, no `@` for every org unit.
    private func parseGrants(_ text: String) throws -> [(String, String?)] {
        var grants: [(String, String?)] = []
        for grant in text.split(separator: ";").map({ $0.trimmingWhitespace() }) where !grant.isEmpty {
            let parts = grant.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let operation = parts[0].trimmingWhitespace()
            guard operation == "*" || OperationKind(rawValue: operation) != nil else {
                throw RecordFailure("Grant \(grant) names no operation; use one of \(OperationKind.allCases.map(\.rawValue).joined(separator: ", ")) or *")
            }
            var path: String?
            if parts.count == 2 {
                let unit = OrgUnitPath.normalise(parts[1])
                guard !unit.isEmpty else { throw RecordFailure("Grant \(grant) names no org unit after @; leave out the @ to grant every org unit") }
                _ = try orgUnitID(unit)
                path = unit
            }
            grants.append((operation, path))
        }
        return grants
    }

    private func upsertPerson(_ v: [String]) throws -> Bool {
        let unit = try orgUnitID(v[3])
        let current = try flag("Current", v[4])
        let title = cell(v[5]) { $0 }
        if let id = try exists("SELECT id FROM people WHERE person_ref = ?", v[0]) {
            var sets = ["forename = ?", "surname = ?", "org_unit_id = ?"]
            var values: [any SQLBindable] = [v[1], v[2], unit]
            apply(current, to: "current", sets: &sets, values: &values)
            apply(title, to: "job_title", sets: &sets, values: &values)
            try db.execute("UPDATE people SET \(sets.joined(separator: ", ")) WHERE id = ?", values + [id])
            return false
        }
        var isCurrent = true, jobTitle: String?
        if case .set(let value) = current { isCurrent = value }
        if case .set(let value) = title { jobTitle = value }
        try db.execute("INSERT INTO people(person_ref, forename, surname, org_unit_id, current, job_title) VALUES (?, ?, ?, ?, ?, ?)",
                       [v[0], v[1], v[2], unit, isCurrent, jobTitle])
        return true
    }

    private func upsertCourse(_ v: [String]) throws -> Bool {
        let months = try cell(v[2]) { text -> Int in
            guard let value = Int(text), value >= 0 else { throw RecordFailure("ValidityMonths \(text) is not a whole number of 0 or more") }
            return value
        }
        let active = try flag("Active", v[3])
        if let id = try exists("SELECT id FROM courses WHERE course_code = ?", v[0]) {
            var sets = ["title = ?"]
            var values: [any SQLBindable] = [v[1]]
            apply(months, to: "validity_months", cleared: .integer(0), sets: &sets, values: &values)
            apply(active, to: "active", sets: &sets, values: &values)
            try db.execute("UPDATE courses SET \(sets.joined(separator: ", ")) WHERE id = ?", values + [id])
            return false
        }
        var validity = 0, isActive = true
        if case .set(let value) = months { validity = value }
        if case .set(let value) = active { isActive = value }
        try db.execute("INSERT INTO courses(course_code, title, validity_months, active) VALUES (?, ?, ?, ?)", [v[0], v[1], validity, isActive])
        return true
    }

    static let caseStatuses = ["Open", "InProgress", "Submitted", "Approved", "Closed"]
    static let actionStatuses = ["Draft", "NotStarted", "InProgress", "Completed", "Removed"]

    static func canonical(_ text: String, in values: [String]) -> String? {
        values.first { $0.lowercased() == text.lowercased() }
    }

    private func upsertCase(_ table: String, _ v: [String]) throws -> Bool {
        let unit = try orgUnitID(v[1])
        guard let status = Self.canonical(v[2], in: Self.caseStatuses) else {
            throw RecordFailure("Status \(v[2]) is not one of \(Self.caseStatuses.joined(separator: ", "))")
        }
        if let id = try exists("SELECT id FROM \(table) WHERE reference = ?", v[0]) {
            // A record deleted by bulk-delete stays deleted: a routine re-sync does not bring it back.
            try db.execute("UPDATE \(table) SET org_unit_id = ?, status = ? WHERE id = ?", [unit, status, id])
            return false
        }
        try db.execute("INSERT INTO \(table)(reference, org_unit_id, status) VALUES (?, ?, ?)", [v[0], unit, status])
        return true
    }

    private func upsertAction(_ v: [String]) throws -> Bool {
        guard let status = Self.canonical(v[2], in: Self.actionStatuses) else {
            throw RecordFailure("Status \(v[2]) is not one of \(Self.actionStatuses.joined(separator: ", "))")
        }
        // A training record parent is stored as TR- and seven digits, whatever its case was.
        let parent = TrainingRecordRef.parse(v[1]).map(TrainingRecordRef.format) ?? v[1]
        var known = try exists("SELECT id FROM incidents WHERE reference = ?", parent) != nil
        if !known { known = try exists("SELECT id FROM audits WHERE reference = ?", parent) != nil }
        if !known, let record = TrainingRecordRef.parse(parent) {
            known = try exists("SELECT id FROM training_records WHERE id = ?", String(record)) != nil
        }
        guard known else { throw RecordFailure("Parent \(parent) is not a known incident, audit or training record") }
        if let id = try exists("SELECT id FROM actions WHERE reference = ?", v[0]) {
            try db.execute("UPDATE actions SET parent_ref = ?, status = ? WHERE id = ?", [parent, status, id])
            return false
        }
        try db.execute("INSERT INTO actions(reference, parent_ref, status) VALUES (?, ?, ?)", [v[0], parent, status])
        return true
    }

    /// Runs `body`; a constraint violation comes back as a value, any other error is thrown.
    func constraintFailure(_ body: () throws(DatabaseError) -> Void) throws(DatabaseError) -> DatabaseError? {
        do {
            try body()
            return nil
        } catch {
            if error.isConstraintViolation { return error }
            throw error
        }
    }
}
