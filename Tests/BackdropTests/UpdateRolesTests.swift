import Foundation
import Testing
@testable import BackdropCore

@Suite struct UpdateRolesTests {
    static let header = "RoleRef,Name,OrgUnit,Archived,CourseCode,Optional,RemoveCourse\n"

    /// R1 (Acme/UK/North, FIRE-101 on it, member P001 with an Open need for it), R2 (Acme/UK/South),
    /// RA (archived, FIRE-101 on it).
    static func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.addRole("R1", members: ["P001"], courses: ["FIRE-101"])
        try workspace.addRole("R2", in: "Acme/UK/South", members: ["P002"])
        try workspace.addRole("RA", archived: true, courses: ["FIRE-101"])
        try workspace.addNeed("P001", "FIRE-101", role: "R1")
        return workspace
    }

    /// One row each; the expected reason, or nil when the row succeeds.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("R1,Wardens,,,,,", "admin", nil),
        ("R1,,Acme/UK/South,,,,", "admin", nil),
        ("R1,,,Y,,,", "north", nil),
        ("R1,,,,FIRE-101,Y,", "admin", nil),
        ("R1,,,,FIRE-101,,Y", "admin", nil),
        ("R1,,,,FIRE-101,,N", "admin", nil),
        ("R1,,,,,,N", "admin", nil),
        ("RA,Wardens,,N,,,", "admin", nil),
        ("RA,,,no,FIRE-101,,yes", "admin", nil),
        (",Wardens,,,,,", "admin", "RoleRef is required"),
        ("R9,Wardens,,,,,", "admin", "Role R9 not found"),
        ("R2,Wardens,,,,,", "north", "You may not update roles in org unit Acme/UK/South"),
        ("R1,,Acme/UK/South,,,,", "north", "You may not update roles in org unit Acme/UK/South"),
        ("RA,Wardens,,,,,", "admin", "Role RA is archived"),
        ("RA,,,Y,,,", "admin", "Role RA is archived"),
        ("RA,,,,FIRE-101,,Y", "admin", "Role RA is archived"),
        ("R1,,Acme/XX,,,,", "admin", "Org unit Acme/XX not found"),
        ("R1,#N/A,,,,,", "admin", "Name cannot be cleared"),
        ("R1,,#N/A,,,,", "admin", "OrgUnit cannot be cleared"),
        ("R1,,,#N/A,,,", "admin", "Archived cannot be cleared"),
        ("R1,,,,FIRE-101,#N/A,", "admin", "Optional cannot be cleared"),
        ("R1,,,maybe,,,", "admin", "Archived maybe is not Y/N, Yes/No, true/false or 1/0"),
        ("R1,,,,FIRE-101,maybe,", "admin", "Optional maybe is not Y/N, Yes/No, true/false or 1/0"),
        ("R1,,,,FIRE-101,,maybe", "admin", "RemoveCourse maybe is not Y/N, Yes/No, true/false or 1/0"),
        ("R1,,,,NOPE-1,Y,", "admin", "Course NOPE-1 not found"),
        ("R1,Wardens,,,FA-300,Y,", "admin", "Course FA-300 is not on role R1"),
        ("R1,,,,FA-300,,Y", "admin", "Course FA-300 is not on role R1"),
        ("R1,,,,,Y,", "admin", "Optional needs a CourseCode"),
        ("R1,,,,,,Y", "admin", "RemoveCourse needs a CourseCode"),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValueAndChangesNothing(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Self.workspace()
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .updateRoles, reason: reason)
    }

    @Test func nameOrgUnitAndArchivedChangeAndEmptyCellsLeaveFieldsAsTheyAre() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "R1,Fire wardens,,,,,\nR1,, Acme/DE ,,,,\nR2,,,Y,,,\nRA,Back again,,N,,,\n", operation: .updateRoles)
        #expect(job.outcome == .succeeded)
        #expect(try workspace.roles() == [
            "R1 Fire wardens Acme/DE archived=0 courses=FIRE-101(optional=0,due=30) members=P001",
            "R2 Role R2 Acme/UK/South archived=1 courses= members=P002",
            "RA Back again Acme/UK/North archived=0 courses=FIRE-101(optional=0,due=30) members=",
        ])
    }

    @Test func removingACourseMarksTheRolesOpenNeedsRemovedAndKeepsMetOnes() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.addRole("R1", members: ["P001", "P002", "P004"], courses: ["FIRE-101", "FA-300"])
        try workspace.addNeed("P001", "FIRE-101", role: "R1")
        try workspace.addNeed("P001", "FA-300", role: "R1")
        try workspace.addNeed("P002", "FIRE-101", role: "R1", status: "Met")
        try workspace.addNeed("P004", "FIRE-101")  // from elsewhere, not from the role
        let job = try workspace.run(Self.header + "R1,,,,FIRE-101,,Y\nR1,,,,FIRE-101,,Y\n", operation: .updateRoles)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.reason) == ["Course FIRE-101 is not on role R1"])
        #expect(failures.map(\.reference) == ["R1/FIRE-101"])
        #expect(try workspace.roles() == ["R1 Role R1 Acme/UK/North archived=0 courses=FA-300(optional=0,due=30) members=P001,P002,P004"])
        #expect(try workspace.needs() == [
            "P001 FA-300 R1 Open 2026-01-01 optional=0",
            "P001 FIRE-101 R1 Removed 2026-01-01 optional=0",
            "P002 FIRE-101 R1 Met 2026-01-01 optional=0",
            "P004 FIRE-101 - Open 2026-01-01 optional=0",
        ])
    }

    @Test func optionalChangesTheCourseOnTheRoleAndItsOpenNeeds() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.addRole("R1", members: ["P001", "P002"], courses: ["FIRE-101"])
        try workspace.addNeed("P001", "FIRE-101", role: "R1")
        try workspace.addNeed("P002", "FIRE-101", role: "R1", status: "Met")
        let job = try workspace.run(Self.header + "R1,,,,FIRE-101,true,\n", operation: .updateRoles)
        #expect(job.outcome == .succeeded)
        #expect(try workspace.roles() == ["R1 Role R1 Acme/UK/North archived=0 courses=FIRE-101(optional=1,due=30) members=P001,P002"])
        #expect(try workspace.needs() == [
            "P001 FIRE-101 R1 Open 2026-01-01 optional=1",
            "P002 FIRE-101 R1 Met 2026-01-01 optional=0",
        ])
    }

    @Test func northFailsForRolesOutsideItsGrantsWhileTheRestSucceed() throws {
        let workspace = try Self.workspace()
        let job = try workspace.run(Self.header + "R1,North wardens,,,,,\nR2,South wardens,,,,,\nR1,,,,FIRE-101,Y,\n", user: "north", operation: .updateRoles)
        #expect(job.outcome == .partiallySucceeded)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reason) == ["You may not update roles in org unit Acme/UK/South"])
        #expect(failures.map(\.reference) == ["R2"])
        #expect(try workspace.roles().first == "R1 North wardens Acme/UK/North archived=0 courses=FIRE-101(optional=1,due=30) members=P001")
    }

    @Test func aUserWithoutAGrantForTheOperationHasTheWholeFileRejected() throws {
        let workspace = try Self.workspace()
        let before = try workspace.roleState()
        let job = try workspace.run(Self.header + "R1,Wardens,,,,,\n", user: "lms", operation: .updateRoles)
        #expect(job.outcome == .rejected)
        #expect(job.error == "user lms has no grant for update-roles")
        #expect(try workspace.roleState() == before)
    }
}
