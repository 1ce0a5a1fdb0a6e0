/// `add-courses-to-roles`: adds a course to a role and creates an Open training need for it for
/// every current member of the role (required by today + DueWithinDays, default 30). Members who
/// are not current, leavers, and people who already have an Open need for the course get none.
public final class AddCoursesToRoles: BulkOperation {
    public static let columns = [
        Column("RoleRef", required: true), Column("CourseCode", required: true), Column("Optional"), Column("DueWithinDays"),
    ]
    public static let needsSavepoint = true
    private enum Field: Int { case role, course, optional, due }

    private let context: OperationContext
    private let map: ColumnMap
    private let roles: RoleLookup
    private let courses: CourseLookup
    private let needs: TrainingNeeds
    private let insertCourse: Statement

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        roles = try RoleLookup(context.db)
        courses = try CourseLookup(context.db)
        needs = try TrainingNeeds(context.db)
        insertCourse = try context.db.statement("""
            INSERT INTO role_courses(role_id, course_id, optional, due_within_days) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT(role_id, course_id) DO NOTHING
            """)
    }

    public func beginBatch() { context.cacheValidity.refresh(courses) }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    public func reference(_ values: [String]) -> String { "\(value(.role, values))/\(value(.course, values))" }

    public func apply(_ values: [String], line: Int) throws {
        let ref = value(.role, values), code = value(.course, values)
        if ref.isEmpty { throw RecordFailure("RoleRef is required") }
        if code.isEmpty { throw RecordFailure("CourseCode is required") }

        let role = try roles.find(ref)
        guard context.access.covers(role.orgUnitPath) else { throw context.access.outsideGrants(role.orgUnitPath) }
        guard !role.archived else { throw RecordFailure("Role \(ref) is archived") }
        let course = try courses.find(code)
        guard course.active else { throw RecordFailure("Course \(code) is inactive") }
        let optional = try RoleValues.flag("Optional", value(.optional, values)) ?? false
        let days = try RoleValues.dueWithinDays(value(.due, values)) ?? CreateRolesAndTraining.dueWithinDays

        try insertCourse.execute([role.id, course.id, optional, days])
        guard context.db.changes == 1 else { throw RecordFailure("Course \(code) is already on role \(ref)") }
        try needs.createForMembers(role: role.id, course: course.id, optional: optional,
                                   requiredBy: context.today.adding(days: days))
    }
}
