/// The seven operations of CONTRACT.md section 4, by their folder name (slug).
public enum OperationKind: String, CaseIterable, Sendable {
    case bulkDelete = "bulk-delete"
    case addCoursesToRoles = "add-courses-to-roles"
    case autoArchiveTraining = "auto-archive-training"
    case trainingBulkUpdate = "training-bulk-update"
    case updateRoles = "update-roles"
    case createRolesAndTraining = "create-roles-and-training"
    case createTrainingRecords = "create-training-records"

    /// "Create Training Records", for titles and subjects.
    public var title: String {
        rawValue.split(separator: "-").map { word in
            word == "to" ? "to" : word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }

    /// What a grant-failure reason says the user may not do, e.g. "create training records".
    public var verbPhrase: String {
        switch self {
        case .bulkDelete: return "delete records"
        case .addCoursesToRoles: return "add courses to roles"
        case .autoArchiveTraining: return "archive training"
        case .trainingBulkUpdate: return "update training records"
        case .updateRoles: return "update roles"
        case .createRolesAndTraining: return "create roles"
        case .createTrainingRecords: return "create training records"
        }
    }
}
