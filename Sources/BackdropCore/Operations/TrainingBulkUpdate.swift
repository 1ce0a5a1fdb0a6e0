/// `training-bulk-update`: changes existing training records, found by `RecordRef` or, when that
/// is empty, by `PersonRef` + `CourseCode` + `CompletedOn`.
///
/// Only the fields given change: an empty cell keeps the field, `#N/A` clears an optional one
/// (ExpiresOn, Trainer, Hours, CertificateRef, Comments). The values follow the rules of
/// creation. CompletedOn changes only on a record found by RecordRef (otherwise it is part of
/// the key); moving it keeps the stored ExpiresOn, which must then not be before it. With a
/// RecordRef, a PersonRef or CourseCode given too must be the record's: a record never moves to
/// another person or course.
///
/// Training needs follow the result: a record that becomes Passed or Attended meets the
/// person's open need for the course; one that stops being so (becomes Failed) reopens the
/// needs it had met. Every check runs before anything is written.
public final class TrainingBulkUpdate: BulkOperation {
    public static let columns = [
        Column("RecordRef"), Column("PersonRef"), Column("CourseCode"), Column("CompletedOn"), Column("ExpiresOn"),
        Column("Result"), Column("Trainer"), Column("Hours"), Column("CertificateRef"), Column("Comments"),
    ]
    private enum Field: Int { case record, person, course, completed, expires, result, trainer, hours, certificate, comments }

    private let context: OperationContext
    private let map: ColumnMap
    private let rules: TrainingValues
    private let people: PeopleLookup
    private let courses: CourseLookup
    private let records: TrainingRecordLookup
    private let update: Statement
    private let meetNeed: Statement
    private let reopenNeeds: Statement

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        rules = TrainingValues(dates: context.dates, today: context.today)
        people = try PeopleLookup(context.db)
        courses = try CourseLookup(context.db)
        records = try TrainingRecordLookup(context.db)
        update = try context.db.statement("""
            UPDATE training_records SET completed_on = ?2, expires_on = ?3, result = ?4, trainer = ?5, hours = ?6,
                certificate_ref = ?7, comments = ?8
            WHERE id = ?1
            """)
        meetNeed = try context.db.statement("""
            UPDATE training_needs SET status = 'Met', met_by_record_id = ?1, met_on = ?2
            WHERE person_id = ?3 AND course_id = ?4 AND status = 'Open'
            """)
        reopenNeeds = try context.db.statement("""
            UPDATE training_needs SET status = 'Open', met_by_record_id = NULL, met_on = NULL
            WHERE met_by_record_id = ?1 AND status = 'Met'
            """)
    }

    public func beginBatch() { context.cacheValidity.refresh(people, courses) }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    /// `#N/A`, in any letter case: clear the field.
    private static func isClear(_ text: String) -> Bool { text.uppercased() == "#N/A" }

    public func reference(_ values: [String]) -> String {
        let ref = value(.record, values)
        return ref.isEmpty ? "\(value(.person, values))/\(value(.course, values))/\(value(.completed, values))" : ref
    }

    public func apply(_ values: [String], line: Int) throws {
        let (record, byRef) = try find(values)
        // Grants first: nothing about a record outside them is revealed.
        guard context.access.covers(record.orgUnitPath) else { throw context.access.outsideGrants(record.orgUnitPath) }
        if record.archived { throw RecordFailure("Training record \(record.reference) is archived") }
        if record.leaver {
            throw RecordFailure("Training record \(record.reference) belongs to \(record.personRef), who has left")
        }
        if byRef { try checkSameOwner(record, values) }
        let changed = try changes(to: record, values, byRef: byRef)
        try write(changed, over: record)
    }

    /// The record the row names, and whether it was named by RecordRef.
    private func find(_ values: [String]) throws -> (TrainingRecordInfo, Bool) {
        let refText = value(.record, values)
        if !refText.isEmpty {
            guard let id = TrainingRecordRef.parse(refText) else {
                throw RecordFailure("RecordRef \(refText) is not TR- and seven digits")
            }
            guard let record = try records.find(id: id) else {
                throw RecordFailure("Training record \(TrainingRecordRef.format(id)) not found")
            }
            return (record, true)
        }
        let personRef = value(.person, values), code = value(.course, values), completedText = value(.completed, values)
        if personRef.isEmpty || code.isEmpty || completedText.isEmpty {
            throw RecordFailure("Give RecordRef, or PersonRef, CourseCode and CompletedOn")
        }
        if Self.isClear(completedText) { throw RecordFailure("CompletedOn cannot be cleared") }
        let person = try people.find(personRef)
        let course = try courses.find(code)
        let completed = try rules.date("CompletedOn", completedText)
        guard let record = try records.find(personID: person.id, courseID: course.id, completedOn: completed) else {
            throw RecordFailure("No training record of \(code) completed on \(completed) for \(personRef)")
        }
        return (record, false)
    }

    /// With a RecordRef, PersonRef and CourseCode may be given too, but only as the record's own.
    private func checkSameOwner(_ record: TrainingRecordInfo, _ values: [String]) throws {
        let personRef = value(.person, values), code = value(.course, values)
        if !personRef.isEmpty && personRef != record.personRef {
            throw RecordFailure("PersonRef \(personRef) does not match training record \(record.reference)")
        }
        if !code.isEmpty && code != record.courseCode {
            throw RecordFailure("CourseCode \(code) does not match training record \(record.reference)")
        }
    }

    /// The record's fields after the row: given ones checked and changed, empty ones kept.
    private struct Fields {
        var completedOn: Day
        var expiresOn: Day?
        var result: String
        var trainer: String?
        var hours: Double?
        var certificateRef: String?
        var comments: String?
    }

    private func changes(to record: TrainingRecordInfo, _ values: [String], byRef: Bool) throws -> Fields {
        var new = Fields(completedOn: record.completedOn, expiresOn: record.expiresOn, result: record.result,
                         trainer: record.trainer, hours: record.hours, certificateRef: record.certificateRef,
                         comments: record.comments)
        let completedText = value(.completed, values)
        if byRef && !completedText.isEmpty {
            if Self.isClear(completedText) { throw RecordFailure("CompletedOn cannot be cleared") }
            new.completedOn = try rules.completedOn(completedText)
        }
        let completedShown = completedText.isEmpty ? record.completedOn.description : completedText

        let expiresText = value(.expires, values)
        if Self.isClear(expiresText) {
            new.expiresOn = nil
        } else if !expiresText.isEmpty {
            new.expiresOn = try rules.expiresOn(expiresText, completed: new.completedOn, completedText: completedShown)
        } else if new.completedOn != record.completedOn, let kept = record.expiresOn, kept < new.completedOn {
            throw RecordFailure("ExpiresOn \(kept) is before CompletedOn \(completedShown)")
        }

        let resultText = value(.result, values)
        if Self.isClear(resultText) { throw RecordFailure("Result cannot be cleared") }
        if let result = try rules.result(resultText) { new.result = result.rawValue }

        let hoursText = value(.hours, values)
        if Self.isClear(hoursText) { new.hours = nil } else if let hours = try rules.hours(hoursText) { new.hours = hours }
        new.trainer = text(.trainer, values, keeping: record.trainer)
        new.certificateRef = text(.certificate, values, keeping: record.certificateRef)
        new.comments = text(.comments, values, keeping: record.comments)

        if new.completedOn != record.completedOn, try records.isTaken(record, completedOn: new.completedOn) {
            throw RecordFailure("A record of \(record.courseCode) completed on \(new.completedOn) already exists for \(record.personRef)")
        }
        return new
    }

    private func text(_ field: Field, _ values: [String], keeping current: String?) -> String? {
        let text = value(field, values)
        if text.isEmpty { return current }
        return Self.isClear(text) ? nil : text
    }

    private func write(_ new: Fields, over record: TrainingRecordInfo) throws {
        update.reset()
        update.bind(record.id, at: 1)
        update.bind(new.completedOn.description, at: 2)
        update.bind(new.expiresOn?.description, at: 3)
        update.bind(new.result, at: 4)
        update.bind(new.trainer, at: 5)
        if let hours = new.hours { update.bind(hours, at: 6) } else { update.bindNull(at: 6) }
        update.bind(new.certificateRef, at: 7)
        update.bind(new.comments, at: 8)
        _ = try update.step()

        let wasMet = TrainingValues.Result(rawValue: record.result)?.meetsNeed ?? false
        let meets = TrainingValues.Result(rawValue: new.result)?.meetsNeed ?? false
        if meets && !wasMet {
            meetNeed.reset()
            meetNeed.bind(record.id, at: 1)
            meetNeed.bind(new.completedOn.description, at: 2)
            meetNeed.bind(record.personID, at: 3)
            meetNeed.bind(record.courseID, at: 4)
            _ = try meetNeed.step()
        } else if wasMet && !meets {
            reopenNeeds.reset()
            reopenNeeds.bind(record.id, at: 1)
            _ = try reopenNeeds.step()
        }
    }
}
