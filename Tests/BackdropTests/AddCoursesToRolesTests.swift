import Foundation
import Testing
@testable import BackdropCore

@Suite struct AddCoursesToRolesTests {
    static let header = "RoleRef,CourseCode,Optional,DueWithinDays\n"

    /// R1 (Acme/UK/North, FA-300 on it, members P001 and P003), R2 (Acme/UK/South), RA (archived).
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.addRole("R1", members: ["P001", "P003"], courses: ["FA-300"])
        try workspace.addRole("R2", in: "Acme/UK/South", members: ["P002"])
        try workspace.addRole("RA", archived: true, members: ["P001"])
        return workspace
    }

    /// One row each; the expected reason, or nil when the row succeeds.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("R1,FIRE-101,,", "admin", nil),
        ("R1,FIRE-101,Yes,0", "north", nil),
        ("R2,FIRE-101,false,365", "admin", nil),
        (",FIRE-101,,", "admin", "RoleRef is required"),
        ("R1,,,", "admin", "CourseCode is required"),
        ("R9,FIRE-101,,", "admin", "Role R9 not found"),
        ("RA,FIRE-101,,", "admin", "Role RA is archived"),
        ("R2,FIRE-101,,", "north", "You may not add courses to roles in org unit Acme/UK/South"),
        ("R1,NOPE-1,,", "admin", "Course NOPE-1 not found"),
        ("R1,OLD-999,,", "admin", "Course OLD-999 is inactive"),
        ("R1,FA-300,,", "admin", "Course FA-300 is already on role R1"),
        ("R1,FIRE-101,maybe,", "admin", "Optional maybe is not Y/N, Yes/No, true/false or 1/0"),
        ("R1,FIRE-101,,-1", "admin", "DueWithinDays -1 is not a whole number of 0 or more"),
        ("R1,FIRE-101,,2.5", "admin", "DueWithinDays 2.5 is not a whole number of 0 or more"),
        ("R1,FIRE-101,,ten", "admin", "DueWithinDays ten is not a whole number of 0 or more"),
        ("R1,FIRE-101,,99999999999999999999", "admin", "DueWithinDays 99999999999999999999 is not a whole number of 0 or more"),
        ("R1,FIRE-101,,36501", "admin", "DueWithinDays 36501 is more than 36500 (100 years)"),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValueAndChangesNothing(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Self.workspace()
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .addCoursesToRoles, reason: reason)
        guard reason == nil else { return }
        #expect(try workspace.count("SELECT count(*) FROM role_courses rc JOIN courses c ON c.id = rc.course_id WHERE c.course_code = 'FIRE-101'") == 1)
    }

    @Test func needsAreCreatedOnlyForCurrentMembersWithoutAnOpenNeed() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.db.execute("UPDATE people SET leaver = 1 WHERE person_ref = 'P004'")
        try workspace.addRole("R1", members: ["P001", "P002", "P003", "P004"])
        try workspace.addNeed("P002", "FIRE-101")           // open already: no second one
        try workspace.addNeed("P001", "FA-300", status: "Met")  // met before: a new one is due
        let job = try workspace.run(Self.header + "R1,FIRE-101,Y,10\nR1,FA-300,,\n", operation: .addCoursesToRoles)
        #expect(job.outcome == .succeeded)
        #expect(try workspace.roles() == ["R1 Role R1 Acme/UK/North archived=0 courses=FA-300(optional=0,due=30) FIRE-101(optional=1,due=10) members=P001,P002,P003,P004"])
        #expect(try workspace.needs() == [
            "P001 FA-300 - Met 2026-01-01 optional=0",
            "P001 FA-300 R1 Open 2027-01-03 optional=0",
            "P001 FIRE-101 R1 Open 2026-12-14 optional=1",
            "P002 FA-300 R1 Open 2027-01-03 optional=0",
            "P002 FIRE-101 - Open 2026-01-01 optional=0",
        ])
    }

    @Test func recordsSeeEarlierRecordsAndRolesCreatedByAnEarlierFile() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.run("RoleRef,Name,OrgUnit,Members\nR5,Wardens,Acme/DE,P004\n", operation: .createRolesAndTraining, name: "roles.csv")
        let job = try workspace.run(Self.header + "R5,FIRE-101,,0\nR5,FIRE-101,Y,\n", operation: .addCoursesToRoles)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.reason) == ["Course FIRE-101 is already on role R5"])
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reference) == ["R5/FIRE-101"])
        #expect(try workspace.needs() == ["P004 FIRE-101 R5 Open 2026-12-04 optional=0"])
    }

    @Test func northFailsForRolesOutsideItsGrantsWhileTheRestSucceed() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "R1,FIRE-101,,\nR2,FIRE-101,,\nR2,FA-300,,\n", user: "north", operation: .addCoursesToRoles)
        #expect(job.outcome == .partiallySucceeded)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3, 4])
        #expect(failures.map(\.reason) == Array(repeating: "You may not add courses to roles in org unit Acme/UK/South", count: 2))
        #expect(try workspace.needs() == ["P001 FIRE-101 R1 Open 2027-01-03 optional=0"])
    }

    @Test func aUserWithoutAGrantForTheOperationHasTheWholeFileRejected() throws {
        let workspace = try Self.workspace()
        let before = try workspace.roleState()
        let job = try workspace.run(Self.header + "R1,FIRE-101,,\n", user: "lms", operation: .addCoursesToRoles)
        #expect(job.outcome == .rejected)
        #expect(job.error == "user lms has no grant for add-courses-to-roles")
        #expect(try workspace.roleState() == before)
    }
}
