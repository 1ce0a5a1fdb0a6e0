/// The demo's example files, one per operation, in the order to drop them: each works on what
/// the ones before it made, and each has a row or two that fails, to show a reason.
enum DemoExamples {
    static let incidents = """
        Reference,OrgUnit,Status
        INC-001,Acme/UK/North,Open
        INC-002,Acme/UK/North,Closed
        INC-003,Acme/UK/South,InProgress

        """

    static let audits = """
        Reference,OrgUnit,Status
        PA-001,Acme/DE,Submitted

        """

    static let actions = """
        Reference,Parent,Status
        ACT-001,INC-003,NotStarted

        """

    /// (operation, file contents), in the order to drop them.
    static let files: [(OperationKind, String)] = [
        (.createTrainingRecords, Demo.trainingRecords),
        (.trainingBulkUpdate, """
            RecordRef,PersonRef,CourseCode,CompletedOn,Trainer,Hours,Comments
            TR-0000001,,,,Sam Smith (lead),2.5,Updated by the example
            ,P0000002,MH-200,2026-02-15,,#N/A,Hours cleared
            TR-0009999,,,,,,no such record

            """),
        (.createRolesAndTraining, """
            RoleRef,Name,OrgUnit,Courses,Members
            ROLE-OPS,Operators North,Acme/UK/North,FIRE-101;FA-300,P0000001;P0000002
            ROLE-BAD,Broken role,Acme/UK/South,FIRE-101;NOPE-1,P0000003

            """),
        (.addCoursesToRoles, """
            RoleRef,CourseCode,Optional,DueWithinDays
            ROLE-OPS,MH-200,N,14
            ROLE-OPS,FIRE-101,N,
            ROLE-NONE,FIRE-101,,

            """),
        (.updateRoles, """
            RoleRef,Name,CourseCode,Optional,RemoveCourse
            ROLE-OPS,Operators (UK North),,,
            ROLE-OPS,,FA-300,,Y
            ROLE-OPS,,IND-001,,Y

            """),
        (.autoArchiveTraining, """
            PersonRef,LeaveDate
            P0000004,2026-11-30
            P0000099,2026-11-30

            """),
        (.bulkDelete, """
            Module,Reference,Reason
            Incident,INC-001,Entered twice
            Incident,INC-002,Closed already
            Incident,INC-003,Test record
            ProceduralAudit,PA-001,Wrong site

            """),
    ]
}
