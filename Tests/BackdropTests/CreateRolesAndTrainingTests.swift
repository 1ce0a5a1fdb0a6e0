import Foundation
import Testing
@testable import BackdropCore

@Suite struct CreateRolesAndTrainingTests {
    static let header = "RoleRef,Name,OrgUnit,Courses,Members\n"

    /// One row each, against a store holding role R0; the expected reason, or nil when the row succeeds.
    static let cases: [(row: String, user: String, reason: String?)] = [
        ("R1,Fire wardens,Acme/UK/North,FIRE-101;FA-300,P001;P002", "admin", nil),
        ("R1,Fire wardens, /Acme/UK/North/ ,,", "north", nil),
        (",Fire wardens,Acme/UK/North,FIRE-101,P001", "admin", "RoleRef is required"),
        ("R1,,Acme/UK/North,FIRE-101,P001", "admin", "Name is required"),
        ("R1,Fire wardens,,FIRE-101,P001", "admin", "OrgUnit is required"),
        ("R0,Fire wardens,Acme/UK/North,FIRE-101,P001", "admin", "Role R0 already exists"),
        ("R1,Fire wardens,Acme/XX,FIRE-101,P001", "admin", "Org unit Acme/XX not found"),
        ("R1,Fire wardens,Acme/UK/South,FIRE-101,P002", "north", "You may not create roles in org unit Acme/UK/South"),
        ("R1,Fire wardens,Acme/UK/North,FIRE-101;NOPE-1,P001", "admin", "Course NOPE-1 not found"),
        ("R1,Fire wardens,Acme/UK/North,FIRE-101;OLD-999,P001", "admin", "Course OLD-999 is inactive"),
        ("R1,Fire wardens,Acme/UK/North,FIRE-101,P001;P999", "admin", "Person P999 not found"),
        ("R1,Fire wardens,Acme/UK/North,FIRE-101,P001;P003", "admin", "Person P003 is not current"),
        ("R1,Fire wardens,Acme/UK/North,FIRE-101", "admin", "Row has 4 fields, the header has 5"),
    ]

    @Test(arguments: cases.indices)
    func eachRuleFailsWithAReasonNamingTheValueAndCreatesNothing(_ index: Int) throws {
        let (row, user, reason) = Self.cases[index]
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.addRole("R0")
        try workspace.expectRecord(Self.header + row + "\n", user: user, operation: .createRolesAndTraining, reason: reason)
        guard reason == nil else { return }
        #expect(try workspace.count("SELECT count(*) FROM roles WHERE role_ref = 'R1' AND org_unit_id = (SELECT id FROM org_units WHERE path = 'Acme/UK/North')") == 1)
    }

    @Test func createsTheRoleItsCoursesMembersAndANeedForEachDueIn30Days() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.addNeed("P002", "FA-300")  // already open elsewhere: no second Open need
        let job = try workspace.run(Self.header + "R1,Fire wardens,Acme/UK/North, FIRE-101 ; FA-300;;FIRE-101; ,P001; P002;P001;\n",
                                    operation: .createRolesAndTraining)
        #expect(job.outcome == .succeeded)
        #expect(try workspace.roles() == ["R1 Fire wardens Acme/UK/North archived=0 courses=FA-300(optional=0,due=30) FIRE-101(optional=0,due=30) members=P001,P002"])
        #expect(try workspace.needs() == [
            "P001 FA-300 R1 Open 2027-01-03 optional=0",
            "P001 FIRE-101 R1 Open 2027-01-03 optional=0",
            "P002 FA-300 - Open 2026-01-01 optional=0",
            "P002 FIRE-101 R1 Open 2027-01-03 optional=0",
        ])
    }

    @Test func aRoleWithoutCoursesOrMembersIsCreatedAlone() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run("RoleRef,Name,OrgUnit\nR1,Fire wardens,Acme/DE\n", operation: .createRolesAndTraining)
        #expect(job.outcome == .succeeded)
        #expect(try workspace.roles() == ["R1 Fire wardens Acme/DE archived=0 courses= members="])
        #expect(try workspace.needs().isEmpty)
    }

    @Test func aLeaverIsNotCurrent() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        try workspace.db.execute("UPDATE people SET leaver = 1 WHERE person_ref = 'P001'")
        let job = try workspace.run(Self.header + "R1,Fire wardens,Acme/UK/North,FIRE-101,P001\n", operation: .createRolesAndTraining)
        #expect(try workspace.failures(job).map(\.reason) == ["Person P001 is not current"])
        #expect(try workspace.roleState().isEmpty)
    }

    @Test func aSecondRowWithTheSameRoleRefFailsAsAlreadyExisting() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + "R1,Fire wardens,Acme/UK/North,FIRE-101,P001\nR1,Other,Acme/DE,FA-300,P004\n",
                                    operation: .createRolesAndTraining)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.reason) == ["Role R1 already exists"])
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reference) == ["R1"])
        #expect(job.outcome == .partiallySucceeded)
        #expect(try workspace.needs() == ["P001 FIRE-101 R1 Open 2027-01-03 optional=0"])
    }

    @Test func northFailsForRolesOutsideItsGrantsWhileTheRestSucceed() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + """
            R1,North wardens,Acme/UK/North,FIRE-101,P001
            R2,South wardens,Acme/UK/South,FIRE-101,P002
            R3,North first aid,Acme/UK/North/,FA-300,P001

            """, user: "north", operation: .createRolesAndTraining)
        #expect(job.outcome == .partiallySucceeded)
        let failures = try workspace.failures(job)
        #expect(failures.map(\.line) == [3])
        #expect(failures.map(\.reason) == ["You may not create roles in org unit Acme/UK/South"])
        #expect(try workspace.db.rows("SELECT role_ref FROM roles ORDER BY role_ref").map { $0.string(0) } == ["R1", "R3"])
    }

    @Test func aUserWithoutAGrantForTheOperationHasTheWholeFileRejected() throws {
        let workspace = try Workspace()
        try workspace.loadStandardData()
        let job = try workspace.run(Self.header + "R1,Fire wardens,Acme/UK/North,FIRE-101,P001\n", user: "lms", operation: .createRolesAndTraining)
        #expect(job.outcome == .rejected)
        #expect(job.error == "user lms has no grant for create-roles-and-training")
        #expect(try workspace.roleState().isEmpty)
    }
}
