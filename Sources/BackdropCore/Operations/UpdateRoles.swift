/// `update-roles`: updates a role's Name, OrgUnit and Archived flag, and, with CourseCode, either
/// one course's Optional setting on it or (RemoveCourse = Y) removes the course: the role's Open
/// needs for it become Removed, Met ones stay as history. An empty cell leaves a field as it is.
/// An archived role is changed only by a row that un-archives it (Archived = N).
public final class UpdateRoles: BulkOperation {
    public static let columns = [
        Column("RoleRef", required: true), Column("Name"), Column("OrgUnit"), Column("Archived"),
        Column("CourseCode"), Column("Optional"), Column("RemoveCourse"),
    ]
    public static let needsSavepoint = true
    private enum Field: Int { case role, name, orgUnit, archived, course, optional, remove }

    private let context: OperationContext
    private let map: ColumnMap
    private let roles: RoleLookup
    private let orgUnits: OrgUnitLookup
    private let courses: CourseLookup
    private let needs: TrainingNeeds
    private let updateRole: Statement
    private let updateCourse: Statement
    private let removeCourse: Statement

    public init(context: OperationContext, map: ColumnMap) throws {
        self.context = context
        self.map = map
        roles = try RoleLookup(context.db)
        orgUnits = try OrgUnitLookup(context.db)
        courses = try CourseLookup(context.db)
        needs = try TrainingNeeds(context.db)
        updateRole = try context.db.statement("""
            UPDATE roles SET name = coalesce(?2, name), org_unit_id = coalesce(?3, org_unit_id),
                archived = coalesce(?4, archived)
            WHERE id = ?1
            """)
        updateCourse = try context.db.statement("UPDATE role_courses SET optional = ?3 WHERE role_id = ?1 AND course_id = ?2")
        removeCourse = try context.db.statement("DELETE FROM role_courses WHERE role_id = ?1 AND course_id = ?2")
    }

    public func beginBatch() { courses.forget() }

    private func value(_ field: Field, _ values: [String]) -> String { map.value(field.rawValue, in: values) }

    public func reference(_ values: [String]) -> String {
        let code = value(.course, values)
        return code.isEmpty ? value(.role, values) : "\(value(.role, values))/\(code)"
    }

    public func apply(_ values: [String], line: Int) throws {
        let ref = value(.role, values)
        if ref.isEmpty { throw RecordFailure("RoleRef is required") }
        let role = try roles.find(ref)
        guard context.access.covers(role.orgUnitPath) else { throw context.access.outsideGrants(role.orgUnitPath) }

        let name = try settable("Name", value(.name, values))
        let path = try settable("OrgUnit", value(.orgUnit, values))
        let archived = try RoleValues.flag("Archived", settable("Archived", value(.archived, values)) ?? "")
        if role.archived && archived != false { throw RecordFailure("Role \(ref) is archived") }

        var orgUnitID: Int64?
        if let path {
            let orgUnit = try orgUnits.find(path)
            guard context.access.covers(orgUnit.path) else { throw context.access.outsideGrants(orgUnit.path) }
            orgUnitID = orgUnit.id
        }
        try applyCourse(values, role: role)
        try updateRole.execute([role.id, name, orgUnitID, archived])
    }

    /// The course part of a row: its Optional setting on the role, or its removal.
    private func applyCourse(_ values: [String], role: RoleInfo) throws {
        let code = value(.course, values)
        let optional = try RoleValues.flag("Optional", settable("Optional", value(.optional, values)) ?? "")
        let remove = try RoleValues.flag("RemoveCourse", value(.remove, values)) ?? false
        guard !code.isEmpty else {
            if remove { throw RecordFailure("RemoveCourse needs a CourseCode") }
            if optional != nil { throw RecordFailure("Optional needs a CourseCode") }
            return
        }
        let course = try courses.find(code)
        if remove {
            try removeCourse.execute([role.id, course.id])
            guard context.db.changes == 1 else { throw notOnRole(code, role) }
            try needs.removeOpen(role: role.id, course: course.id)
        } else {
            guard try context.db.row("SELECT 1 FROM role_courses WHERE role_id = ? AND course_id = ?", [role.id, course.id]) != nil
            else { throw notOnRole(code, role) }
            if let optional {
                try updateCourse.execute([role.id, course.id, optional])
                try needs.setOptional(role: role.id, course: course.id, optional: optional)
            }
        }
    }

    private func notOnRole(_ code: String, _ role: RoleInfo) -> RecordFailure {
        RecordFailure("Course \(code) is not on role \(role.ref)")
    }

    /// A cell that may set a field but not clear it: nil when empty.
    private func settable(_ name: String, _ text: String) throws -> String? {
        if RoleValues.isClear(text) { throw RecordFailure("\(name) cannot be cleared") }
        return text.nilIfEmpty
    }
}
