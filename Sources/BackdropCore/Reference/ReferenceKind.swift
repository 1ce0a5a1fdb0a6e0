/// The kinds of reference data `backdrop load` takes (CONTRACT.md section 8).
public enum ReferenceKind: String, CaseIterable, Sendable {
    case orgUnits = "org-units", users, people, courses, incidents, audits
    case trainingRecords = "training-records", actions

    public var columns: [Column] {
        switch self {
        case .orgUnits: return [Column("Path", required: true), Column("Name")]
        case .users: return [Column("UserName", required: true), Column("Email", required: true), Column("Grants"), Column("Active")]
        case .people:
            return [Column("PersonRef", required: true), Column("Forename", required: true), Column("Surname", required: true),
                    Column("OrgUnit", required: true), Column("Current"), Column("JobTitle")]
        case .courses: return [Column("CourseCode", required: true), Column("Title", required: true), Column("ValidityMonths"), Column("Active")]
        case .incidents, .audits: return [Column("Reference", required: true), Column("OrgUnit", required: true), Column("Status", required: true)]
        case .trainingRecords:
            return [Column("RecordRef"), Column("PersonRef", required: true), Column("CourseCode", required: true),
                    Column("CompletedOn", required: true), Column("ExpiresOn"), Column("Result"), Column("Trainer"), Column("Hours"),
                    Column("CertificateRef"), Column("Comments"), Column("Archived")]
        case .actions: return [Column("Reference", required: true), Column("Parent", required: true), Column("Status", required: true)]
        }
    }
}
