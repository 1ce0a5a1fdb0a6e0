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
    /// Runs a one-record file as a job. With `reason`: the record failed on line 2 with exactly
    /// that reason and the database did not change. Without: the record succeeded. Returns the
    /// job, for checks of what a success did.
    @discardableResult
    func expectRecord(_ file: String, user: String, operation: OperationKind, reason: String?,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Job {
        let before = try domainSnapshot()
        let job = try run(file, user: user, operation: operation)
        let failures = try failures(job)
        if let reason {
            #expect(failures.map(\.reason) == [reason], sourceLocation: sourceLocation)
            #expect(failures.first?.line == 2, sourceLocation: sourceLocation)
            #expect(job.outcome == .failed, sourceLocation: sourceLocation)
            #expect(try domainSnapshot() == before, "the failed record changed the database", sourceLocation: sourceLocation)
        } else {
            #expect(failures.isEmpty, "\(failures.map(\.reason))", sourceLocation: sourceLocation)
            #expect(job.outcome == .succeeded, sourceLocation: sourceLocation)
        }
        return job
    }
}
