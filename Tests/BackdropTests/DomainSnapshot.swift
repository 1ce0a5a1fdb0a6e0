@testable import BackdropCore

extension Workspace {
    /// Every row of the tables operations change, as text: equal snapshots before and after a
    /// job mean the job changed nothing.
    func domainSnapshot() throws -> [String] {
        let tables = ["people", "training_records", "training_needs", "incidents", "audits", "actions",
                      "roles", "role_courses", "role_members"]
        return try tables.flatMap { table in
            try db.rows("SELECT * FROM \(table) ORDER BY rowid").map { row in
                table + ": " + row.values.map { "\($0)" }.joined(separator: "|")
            }
        }
    }
}
