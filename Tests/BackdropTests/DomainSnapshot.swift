import Testing
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

extension Workspace {
    /// A one-record job failed on line 2 with exactly this reason, and changed nothing.
    func expectOnlyFailure(_ job: Job, _ reason: String, unchanged: Bool,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let failures = try failures(job)
        #expect(failures.map(\.reason) == [reason], sourceLocation: sourceLocation)
        #expect(failures.first?.line == 2, sourceLocation: sourceLocation)
        #expect(job.outcome == .failed, sourceLocation: sourceLocation)
        #expect(unchanged, "the failed record changed the database", sourceLocation: sourceLocation)
    }
}
