/// `backdrop load training-records`.
extension ReferenceLoader {
    /// RecordRef, PersonRef, CourseCode, CompletedOn, ExpiresOn, Result, Trainer, Hours,
    /// CertificateRef, Comments, Archived. The key is RecordRef, or when it is empty the person,
    /// course and completion date: a row whose key exists updates that record (empty cells keep,
    /// `#N/A` clears); otherwise a record is created and given its reference.
    func upsertTrainingRecord(_ v: [String]) throws -> Bool {
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
}
