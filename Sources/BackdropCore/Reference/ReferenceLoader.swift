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

    /// An optional cell on update: empty keeps the stored value, `#N/A` clears it.
    enum Cell<T> {
        case keep, clear, set(T)

        func map<U>(_ transform: (T) -> U) -> Cell<U> {
            switch self {
            case .keep: return .keep
            case .clear: return .clear
            case .set(let value): return .set(transform(value))
            }
        }
    }

    func cell<T>(_ text: String, _ parse: (String) throws -> T) rethrows -> Cell<T> {
        if text.isEmpty { return .keep }
        if text.uppercased() == "#N/A" { return .clear }
        return .set(try parse(text))
    }

    /// Sets `column` from a cell, leaving it alone when the cell says keep.
    private func apply<T: SQLBindable>(_ cell: Cell<T>, to column: String, cleared: SQLValue = .null,
                                       sets: inout [String], values: inout [any SQLBindable]) {
        switch cell {
        case .keep: return
        case .clear: sets.append("\(column) = ?"); values.append(cleared)
        case .set(let value): sets.append("\(column) = ?"); values.append(value)
        }
    }

    private func flag(_ name: String, _ text: String) throws -> Cell<Bool> {
        if text.uppercased() == "#N/A" { throw RecordFailure("\(name) cannot be cleared") }
        return try cell(text) { text in try yesNo(name, text, default: true) }
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

    /// RecordRef, PersonRef, CourseCode, CompletedOn, ExpiresOn, Result, Trainer, Hours,
    /// CertificateRef, Comments, Archived. The key is RecordRef, or when it is empty the person,
    /// course and completion date: a row whose key exists updates that record (empty cells keep,
    /// `#N/A` clears); otherwise a record is created and given its reference.
    private func upsertTrainingRecord(_ v: [String]) throws -> Bool {
        let rules = TrainingValues(dates: dates, today: today)
        guard let person = try exists("SELECT id FROM people WHERE person_ref = ?", v[1]) else { throw RecordFailure("Person \(v[1]) not found") }
        guard let course = try db.row("SELECT id, validity_months FROM courses WHERE course_code = ?", [v[2]]) else {
            throw RecordFailure("Course \(v[2]) not found")
        }
        let courseID = Int64(course.int(0)!)
        let completed = try rules.date("CompletedOn", v[3])
        var existing: Int64?
        if !v[0].isEmpty {
            guard let number = TrainingRecordRef.parse(v[0]) else { throw RecordFailure("RecordRef \(v[0]) is not TR- and seven digits") }
            existing = try exists("SELECT id FROM training_records WHERE id = ?", String(number))
            if existing == nil {
                return try insertTrainingRecord(v, id: number, person: person, course: courseID,
                                                validityMonths: course.int(1) ?? 0, completed: completed, rules: rules)
            }
        } else {
            existing = try db.row("SELECT id FROM training_records WHERE person_id = ? AND course_id = ? AND completed_on = ?",
                                  [person, courseID, completed.description])?.int(0).map(Int64.init)
        }
        guard let id = existing else {
            return try insertTrainingRecord(v, id: nil, person: person, course: courseID,
                                            validityMonths: course.int(1) ?? 0, completed: completed, rules: rules)
        }
        let stored = try db.row("SELECT expires_on FROM training_records WHERE id = ?", [id])
        let expires = try cell(v[4]) { try rules.date("ExpiresOn", $0) }
        var keptExpiry: Day?
        switch expires {
        case .keep: keptExpiry = stored?.string(0).flatMap(Day.init(iso:))
        case .clear: keptExpiry = nil
        case .set(let day): keptExpiry = day
        }
        if let day = keptExpiry, day < completed {
            throw RecordFailure("ExpiresOn \(day) is before CompletedOn \(v[3])")
        }
        if v[5].uppercased() == "#N/A" { throw RecordFailure("Result cannot be cleared") }
        let result = try cell(v[5]) { try rules.result($0)!.rawValue }
        let hours = try cell(v[7]) { try rules.hours($0)! }
        var sets = ["person_id = ?", "course_id = ?", "completed_on = ?"]
        var values: [any SQLBindable] = [person, courseID, completed.description]
        apply(expires.map { $0.description }, to: "expires_on", sets: &sets, values: &values)
        apply(result, to: "result", sets: &sets, values: &values)
        apply(cell(v[6]) { $0 }, to: "trainer", sets: &sets, values: &values)
        apply(hours, to: "hours", sets: &sets, values: &values)
        apply(cell(v[8]) { $0 }, to: "certificate_ref", sets: &sets, values: &values)
        apply(cell(v[9]) { $0 }, to: "comments", sets: &sets, values: &values)
        apply(try flag("Archived", v[10]), to: "archived", sets: &sets, values: &values)
        let sql = "UPDATE training_records SET \(sets.joined(separator: ", ")) WHERE id = ?"
        if try constraintFailure({ () throws(DatabaseError) in try db.execute(sql, values + [id]) }) != nil {
            throw RecordFailure("Another record of \(v[2]) completed on \(completed) already exists for \(v[1])")
        }
        return false
    }

    private func insertTrainingRecord(_ v: [String], id: Int64?, person: Int64, course: Int64, validityMonths: Int,
                                      completed: Day, rules: TrainingValues) throws -> Bool {
        func given(_ text: String) -> String { text.uppercased() == "#N/A" ? "" : text }
        var expires = try rules.expiresOn(given(v[4]), completed: completed, completedText: v[3])
        if given(v[4]).isEmpty, validityMonths > 0 { expires = completed.adding(months: validityMonths) }
        let result = try rules.result(given(v[5])) ?? .passed
        let hours = try rules.hours(given(v[7]))
        let archived = try yesNo("Archived", given(v[10]), default: false)
        let values: [any SQLBindable] = [person, course, completed.description, expires?.description, result.rawValue,
                                         given(v[6]).nilIfEmpty, hours, given(v[8]).nilIfEmpty, given(v[9]).nilIfEmpty, archived, id]
        let sql = """
            INSERT INTO training_records(person_id, course_id, completed_on, expires_on, result, trainer, hours,
                certificate_ref, comments, archived, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """
        if try constraintFailure({ () throws(DatabaseError) in try db.execute(sql, values) }) != nil {
            throw RecordFailure("A record of \(v[2]) completed on \(completed) already exists for \(v[1])")
        }
        return true
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
