import Foundation

/// Creates `inbox/<user>/<operation>/` for every operation each active user may run, so an
/// SFTP account chrooted to `inbox/<user>/` sees exactly what it may do.
struct UserFolders {
    let configuration: Configuration
    let db: Database

    func create() throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: configuration.inbox, withIntermediateDirectories: true)
        let rows = try db.rows("""
            SELECT u.user_name, g.operation FROM users u JOIN grants g ON g.user_id = u.id WHERE u.active = 1
            """)
        for row in rows {
            guard let user = row.string(0), UserName.isValid(user), let operation = row.string(1) else { continue }
            let kinds = operation == "*" ? OperationKind.allCases : [OperationKind(rawValue: operation)].compactMap { $0 }
            for kind in kinds {
                let folder = configuration.inbox + "/" + user + "/" + kind.rawValue
                if !manager.fileExists(atPath: folder) {
                    try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
                }
            }
        }
    }
}
