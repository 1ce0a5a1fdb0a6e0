/// What a path in the inbox means: whose it is, which operation, and whether it is a file to
/// take, an upload still in progress, or a file to refuse (and why).
struct InboxPath: Equatable {
    enum Verdict: Equatable {
        /// An upload still being written (`.part`, `.tmp`, a dot file, …): leave it alone.
        case inProgress
        /// Take it as a job for this user and operation.
        case take(user: String, operation: OperationKind, dryRun: Bool)
        /// Refuse it; `user` is the folder's user name when there is one.
        case refuse(user: String?, operation: String, reason: String)
    }

    static let inProgressSuffixes = [".tmp", ".part", ".partial", ".filepart", ".crdownload", "~"]

    static func isInProgress(_ name: String) -> Bool {
        let lower = name.lowercased()
        return name.hasPrefix(".") || inProgressSuffixes.contains { lower.hasSuffix($0) }
    }

    static func isDryRun(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix(".dryrun.csv") || lower.hasSuffix(".dryrun.xml")
    }

    /// The verdict for a path relative to the inbox, by its place and name only (the checks of
    /// users, grants, type and size come after).
    static func classify(_ relative: String) -> Verdict {
        let parts = relative.split(separator: "/").map(String.init)
        guard let name = parts.last else { return .inProgress }
        if isInProgress(name) { return .inProgress }
        let user = parts.count >= 2 ? parts[0] : nil
        let operation = parts.count >= 3 ? parts[1] : ""
        let lower = name.lowercased()
        guard lower.hasSuffix(".csv") || lower.hasSuffix(".xml") else {
            return .refuse(user: user, operation: operation, reason: "\(name) is neither a .csv nor an .xml file")
        }
        switch parts.count {
        case 1:
            return .refuse(user: nil, operation: "", reason: "\(name) was dropped directly in the inbox; drop files in inbox/<user>/<operation>/")
        case 2:
            return .refuse(user: user, operation: "", reason: "\(name) was dropped directly in inbox/\(parts[0])/; drop it in the folder of its operation, such as inbox/\(parts[0])/create-training-records/")
        case 3:
            guard let kind = OperationKind(rawValue: operation) else {
                return .refuse(user: user, operation: operation, reason: "\(operation) is not an operation; the operations are \(OperationKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return .take(user: parts[0], operation: kind, dryRun: isDryRun(name))
        default:
            return .refuse(user: user, operation: operation, reason: "\(name) is in a subfolder of inbox/\(parts[0])/\(operation)/; drop files in the operation folder itself")
        }
    }
}
