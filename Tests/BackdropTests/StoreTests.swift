import Testing
import Foundation
@testable import BackdropCore

@Suite struct StoreTests {
    @Test func migratesAndRoundTripsValues() throws {
        let dir = try TemporaryFolder()
        let db = try Database(path: dir.path("t.db"))
        try Schema.migrate(db)
        try Schema.migrate(db)  // a second run is a no-op
        #expect(try db.row("PRAGMA user_version")?.int(0) == Schema.migrations.count)
        try db.execute("INSERT INTO courses(course_code, title, validity_months) VALUES (?, ?, ?)", ["FIRE-101", "Fire – safety", 12])
        let row = try #require(try db.row("SELECT course_code, title, validity_months, active FROM courses"))
        #expect(row.string(0) == "FIRE-101")
        #expect(row.string(1) == "Fire – safety")
        #expect(row.int(2) == 12)
        #expect(row.bool(3))
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        let dir = try TemporaryFolder()
        let db = try Database(path: dir.path("t.db"))
        try Schema.migrate(db)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO courses(course_code, title) VALUES (?, ?)", ["A", "a"])
                throw Boom()
            }
        }
        #expect(try db.row("SELECT count(*) FROM courses")?.int(0) == 0)
    }

    @Test func constraintViolationsAreRecognisable() throws {
        let dir = try TemporaryFolder()
        let db = try Database(path: dir.path("t.db"))
        try Schema.migrate(db)
        try db.execute("INSERT INTO courses(course_code, title) VALUES (?, ?)", ["A", "a"])
        do {
            try db.execute("INSERT INTO courses(course_code, title) VALUES (?, ?)", ["A", "b"])
            Issue.record("expected a constraint violation")
        } catch {
            #expect(error.isConstraintViolation)
            #expect(error.sql?.contains("INSERT INTO courses") == true)
            #expect(!error.description.contains("\"b\""))
        }
    }
}

@Suite struct JSONTests {
    @Test(arguments: [
        [], [""], ["a"], ["a", "b, c", "quote \" back\\slash", "line\nbreak\r\ttab", "Zoë 😀", "\u{1}\u{2028}", "=1+1"],
    ])
    func storedRowsComeBackAsTheyWere(_ fields: [String]) {
        #expect(JSON.stringArray(from: JSON.encode(fields)) == fields)
    }

    @Test func foreignJSONStillParses() {
        #expect(JSON.stringArray(from: #"[ "a" , "\u00e9" ]"#) == ["a", "é"])
        #expect(JSON.stringArray(from: "not json") == [])
    }
}
