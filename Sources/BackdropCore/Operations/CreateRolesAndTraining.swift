/// `create-roles-and-training`: creates a role with its courses and members, and an Open
/// training need for every member and course, required by today + 30 days. A row is all or
/// nothing: one unknown course or one member who is unknown or not current creates nothing.
public final class CreateRolesAndTraining: BulkOperation {
    public static let columns = [
        Column("RoleRef", required: true), Column("Name", required: true), Column("OrgUnit", required: true),
        Column("Courses"), Column("Members"),
    ]
    public static let needsSavepoint = true
    /// Courses given when a role is created are due within this many days, and not optional.
    static let dueWithinDays = 30
    private enum Field: Int { case role, name, orgUnit, courses, members }

    private let context: OperationContext
    private let map: ColumnMap
    private let roles: RoleLookup
    private let orgUnits: OrgUnitLookup
    private let people: PeopleLookup
    private let courses: CourseLookup
    private let needs: TrainingNeeds
    private let insertRole: Statement
    private let insertCourse: Statement
    private let insertMember: Statement

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        roles = try RoleLookup(context.db)
        orgUnits = try OrgUnitLookup(context.db)
        people = try PeopleLookup(context.db)
        courses = try CourseLookup(context.db)
        needs = try TrainingNeeds(context.db)
        insertRole = try context.db.statement("INSERT INTO roles(role_ref, name, org_unit_id) VALUES (?1, ?2, ?3)")
        insertCourse = try context.db.statement("""
            INSERT INTO role_courses(role_id, course_id, optional, due_within_days) VALUES (?1, ?2, 0, ?3)
            """)
        insertMember = try context.db.statement("INSERT INTO role_members(role_id, person_id) VALUES (?1, ?2)")
    }

    public func beginBatch() { context.cacheValidity.refresh(people, courses) }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    public func reference(_ values: [String]) -> String { value(.role, values) }

    public func apply(_ values: [String], line: Int) throws {
        let ref = value(.role, values), name = value(.name, values), path = value(.orgUnit, values)
        if ref.isEmpty { throw RecordFailure("RoleRef is required") }
        if name.isEmpty { throw RecordFailure("Name is required") }
        if path.isEmpty { throw RecordFailure("OrgUnit is required") }

        if try roles.lookup(ref) != nil { throw RecordFailure("Role \(ref) already exists") }
        let orgUnit = try orgUnits.find(path)
        guard context.access.covers(orgUnit.path) else { throw context.access.outsideGrants(orgUnit.path) }
        let courseIDs = try RoleValues.list(value(.courses, values)).map { code in
            let course = try courses.find(code)
            guard course.active else { throw RecordFailure("Course \(code) is inactive") }
            return course.id
        }
        let memberIDs = try RoleValues.list(value(.members, values)).map { personRef in
            let person = try people.find(personRef)
            guard person.current, !person.leaver else { throw RecordFailure("Person \(personRef) is not current") }
            return person.id
        }

        try insertRole.execute([ref, name, orgUnit.id])
        let roleID = context.db.lastInsertRowID
        for personID in memberIDs { try insertMember.execute([roleID, personID]) }
        let requiredBy = context.today.adding(days: Self.dueWithinDays)
        for courseID in courseIDs {
            try insertCourse.execute([roleID, courseID, Self.dueWithinDays])
            try needs.createForMembers(role: roleID, course: courseID, optional: false, requiredBy: requiredBy)
        }
    }
}
