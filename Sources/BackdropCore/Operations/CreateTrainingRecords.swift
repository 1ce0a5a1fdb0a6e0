/// `create-training-records`: records completed training. A Passed or Attended record closes the
/// person's open training need for the course. The same person, course and CompletedOn twice is
/// a duplicate, whether stored before or earlier in the same file (the unique index decides).
public final class CreateTrainingRecords: BulkOperation {
    public static let columns = [
        Column("PersonRef", required: true), Column("CourseCode", required: true),
        Column("CompletedOn", required: true), Column("ExpiresOn"), Column("Result"), Column("Trainer"),
        Column("Hours"), Column("CertificateRef"), Column("Comments"),
    ]
    private enum Field: Int { case person, course, completed, expires, result, trainer, hours, certificate, comments }

    private let context: OperationContext
    private let map: ColumnMap
    private let people: PeopleLookup
    private let courses: CourseLookup
    private let insert: Statement
    private let meetNeed: Statement
    private let rules: TrainingValues
    private let openNeeds: OpenNeeds

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        rules = TrainingValues(dates: context.dates, today: context.today)
        people = try PeopleLookup(context.db)
        openNeeds = OpenNeeds(context.db)
        courses = try CourseLookup(context.db)
        insert = try context.db.statement("""
            INSERT INTO training_records(person_id, course_id, completed_on, expires_on, result, trainer, hours,
                certificate_ref, comments, job_id)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            ON CONFLICT(person_id, course_id, completed_on) DO NOTHING
            """)
        meetNeed = try context.db.statement("""
            UPDATE training_needs SET status = 'Met', met_by_record_id = ?1, met_on = ?2
            WHERE person_id = ?3 AND course_id = ?4 AND status = 'Open'
            """)
    }

    public func beginBatch() { context.cacheValidity.refresh(people, courses, openNeeds) }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    public func reference(_ values: [String]) -> String {
        "\(value(.person, values))/\(value(.course, values))/\(value(.completed, values))"
    }

    public func apply(_ values: [String], line: Int) throws {
        let personRef = value(.person, values), code = value(.course, values), completedText = value(.completed, values)
        if personRef.isEmpty { throw RecordFailure("PersonRef is required") }
        if code.isEmpty { throw RecordFailure("CourseCode is required") }
        if completedText.isEmpty { throw RecordFailure("CompletedOn is required") }

        let person = try people.find(personRef)
        let course = try courses.find(code)
        // Grants first: nothing about a person outside them is revealed.
        guard context.access.covers(person.orgUnitPath) else { throw context.access.outsideGrants(person.orgUnitPath) }
        guard person.current, !person.leaver else { throw RecordFailure("Person \(personRef) is not current") }
        guard course.active else { throw RecordFailure("Course \(code) is inactive") }

        let completed = try rules.completedOn(completedText)
        let expiresText = value(.expires, values)
        var expires = try rules.expiresOn(expiresText, completed: completed, completedText: completedText)
        if expiresText.isEmpty, course.validityMonths > 0 { expires = completed.adding(months: course.validityMonths) }
        let result = try rules.result(value(.result, values)) ?? .passed
        let hours = try rules.hours(value(.hours, values))

        insert.reset()
        insert.bind(person.id, at: 1)
        insert.bind(course.id, at: 2)
        insert.bind(completed.description, at: 3)
        insert.bind(expires?.description, at: 4)
        insert.bind(result.rawValue, at: 5)
        insert.bind(value(.trainer, values).nilIfEmpty, at: 6)
        if let hours { insert.bind(hours, at: 7) } else { insert.bindNull(at: 7) }
        insert.bind(value(.certificate, values).nilIfEmpty, at: 8)
        insert.bind(value(.comments, values).nilIfEmpty, at: 9)
        insert.bind(context.jobID, at: 10)
        _ = try insert.step()
        guard context.db.changes == 1 else {
            throw RecordFailure("A record of \(code) completed on \(completed) already exists for \(personRef)")
        }
        if result.meetsNeed, try openNeeds.contains(person: person.id, course: course.id) {
            openNeeds.remove(person: person.id, course: course.id)
            meetNeed.reset()
            meetNeed.bind(context.db.lastInsertRowID, at: 1)
            meetNeed.bind(completed.description, at: 2)
            meetNeed.bind(person.id, at: 3)
            meetNeed.bind(course.id, at: 4)
            _ = try meetNeed.step()
        }
    }
}
