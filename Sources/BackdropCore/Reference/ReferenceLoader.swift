import Foundation

/// `backdrop load <kind> FILE.csv`: reads the whole file, checks every row, and applies all of
/// it in one transaction or nothing. A row whose key exists updates that row.
public struct ReferenceLoader {
    public struct Outcome: Equatable, Sendable { public let created: Int; public let updated: Int }

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
        return Outcome(created: created, updated: updated)
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

    private func exists(_ sql: String, _ key: String) throws -> Int64? {
        try db.row(sql, [key]).flatMap { $0.int(0) }.map(Int64.init)
    }

    private func yesNo(_ name: String, _ text: String, default value: Bool) throws -> Bool {
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
        guard EmailAddress.isValid(email) else { throw RecordFailure("Email \(email) is not an email address") }
        let active = try yesNo("Active", activeText, default: true)
        var grants: [(String, String?)] = []
        for grant in grantsText.split(separator: ";").map({ $0.trimmingWhitespace() }) where !grant.isEmpty {
            let parts = grant.split(separator: "@", maxSplits: 1).map(String.init)
            let operation = parts[0].trimmingWhitespace()
            guard operation == "*" || OperationKind(rawValue: operation) != nil else {
                throw RecordFailure("Grant \(grant) names no operation; use one of \(OperationKind.allCases.map(\.rawValue).joined(separator: ", ")) or *")
            }
            var path: String?
            if parts.count == 2 {
                path = OrgUnitPath.normalise(parts[1])
                _ = try orgUnitID(path!)
            }
            grants.append((operation, path))
        }
        let created: Bool
        let id: Int64
        if let existing = try exists("SELECT id FROM users WHERE user_name = ?", userName) {
            try db.execute("UPDATE users SET email = ?, active = ? WHERE id = ?", [email, active, existing])
            try db.execute("DELETE FROM grants WHERE user_id = ?", [existing])
            id = existing
            created = false
        } else {
            try db.execute("INSERT INTO users(user_name, email, active) VALUES (?, ?, ?)", [userName, email, active])
            id = db.lastInsertRowID
            created = true
        }
        for (operation, path) in grants {
            try db.execute("INSERT INTO grants(user_id, operation, org_unit_path) VALUES (?, ?, ?)", [id, operation, path])
        }
        return created
    }

    private func upsertPerson(_ v: [String]) throws -> Bool {
        let unit = try orgUnitID(v[3])
        let current = try yesNo("Current", v[4], default: true)
        let title: String? = v[5].isEmpty ? nil : v[5]
        if let id = try exists("SELECT id FROM people WHERE person_ref = ?", v[0]) {
            try db.execute("UPDATE people SET forename = ?, surname = ?, org_unit_id = ?, current = ?, job_title = ? WHERE id = ?",
                           [v[1], v[2], unit, current, title, id])
            return false
        }
        try db.execute("INSERT INTO people(person_ref, forename, surname, org_unit_id, current, job_title) VALUES (?, ?, ?, ?, ?, ?)",
                       [v[0], v[1], v[2], unit, current, title])
        return true
    }

    private func upsertCourse(_ v: [String]) throws -> Bool {
        var months = 0
        if !v[2].isEmpty {
            guard let value = Int(v[2]), value >= 0 else { throw RecordFailure("ValidityMonths \(v[2]) is not a whole number of 0 or more") }
            months = value
        }
        let active = try yesNo("Active", v[3], default: true)
        if let id = try exists("SELECT id FROM courses WHERE course_code = ?", v[0]) {
            try db.execute("UPDATE courses SET title = ?, validity_months = ?, active = ? WHERE id = ?", [v[1], months, active, id])
            return false
        }
        try db.execute("INSERT INTO courses(course_code, title, validity_months, active) VALUES (?, ?, ?, ?)", [v[0], v[1], months, active])
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
            try db.execute("UPDATE \(table) SET org_unit_id = ?, status = ?, deleted = 0 WHERE id = ?", [unit, status, id])
            return false
        }
        try db.execute("INSERT INTO \(table)(reference, org_unit_id, status) VALUES (?, ?, ?)", [v[0], unit, status])
        return true
    }

    private func upsertAction(_ v: [String]) throws -> Bool {
        guard let status = Self.canonical(v[2], in: Self.actionStatuses) else {
            throw RecordFailure("Status \(v[2]) is not one of \(Self.actionStatuses.joined(separator: ", "))")
        }
        let parent = v[1]
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

    private func upsertTrainingRecord(_ v: [String]) throws -> Bool {
        let rules = TrainingValues(dates: dates, today: today)
        guard let person = try exists("SELECT id FROM people WHERE person_ref = ?", v[1]) else { throw RecordFailure("Person \(v[1]) not found") }
        guard let course = try db.row("SELECT id, validity_months FROM courses WHERE course_code = ?", [v[2]]) else {
            throw RecordFailure("Course \(v[2]) not found")
        }
        let completed = try rules.date("CompletedOn", v[3])
        var expires = try rules.expiresOn(v[4], completed: completed, completedText: v[3])
        if v[4].isEmpty, let months = course.int(1), months > 0 { expires = completed.adding(months: months) }
        let result = try rules.result(v[5]) ?? .passed
        let hours = try rules.hours(v[7])
        let archived = try yesNo("Archived", v[10], default: false)
        var id: Int64?
        if !v[0].isEmpty {
            guard let number = TrainingRecordRef.parse(v[0]) else { throw RecordFailure("RecordRef \(v[0]) is not TR- and seven digits") }
            id = number
        }
        let values: [any SQLBindable] = [person, course.int(0)!, completed.description, expires?.description, result.rawValue,
                                         v[6].nilIfEmpty, hours, v[8].nilIfEmpty, v[9].nilIfEmpty, archived, id]
        var isUpdate = false
        if let id { isUpdate = try exists("SELECT id FROM training_records WHERE id = ?", String(id)) != nil }
        let sql = isUpdate
            ? """
              UPDATE training_records SET person_id = ?1, course_id = ?2, completed_on = ?3, expires_on = ?4, result = ?5,
                  trainer = ?6, hours = ?7, certificate_ref = ?8, comments = ?9, archived = ?10 WHERE id = ?11
              """
            : """
              INSERT INTO training_records(person_id, course_id, completed_on, expires_on, result, trainer, hours,
                  certificate_ref, comments, archived, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
              """
        if let failure = try constraintFailure({ () throws(DatabaseError) in try db.execute(sql, values) }) {
            _ = failure
            throw RecordFailure("A record of \(v[2]) completed on \(completed) already exists for \(v[1])")
        }
        return !isUpdate
    }

    /// Runs `body`; a constraint violation comes back as a value, any other error is thrown.
    private func constraintFailure(_ body: () throws(DatabaseError) -> Void) throws(DatabaseError) -> DatabaseError? {
        do {
            try body()
            return nil
        } catch {
            if error.isConstraintViolation { return error }
            throw error
        }
    }
}
