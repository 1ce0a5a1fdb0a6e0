/// The database schema as an ordered list of migrations. `PRAGMA user_version` records how many
/// have run; opening a store runs the rest, each in its own transaction. Never edit a migration
/// that has shipped: append a new one.
enum Schema {
    static let migrations: [String] = [
        // 1: reference data, training, jobs and their outcomes, the mail outbox.
        """
        CREATE TABLE org_units (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            parent_id INTEGER REFERENCES org_units(id)
        );
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            user_name TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE grants (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            operation TEXT NOT NULL,            -- an operation slug, or '*'
            org_unit_path TEXT                  -- NULL: every org unit
        );
        CREATE INDEX grants_user ON grants(user_id);
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            person_ref TEXT NOT NULL UNIQUE,
            forename TEXT NOT NULL,
            surname TEXT NOT NULL,
            org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
            current INTEGER NOT NULL DEFAULT 1,
            job_title TEXT,
            leaver INTEGER NOT NULL DEFAULT 0,
            left_on TEXT
        );
        CREATE TABLE courses (
            id INTEGER PRIMARY KEY,
            course_code TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            validity_months INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE training_records (
            id INTEGER PRIMARY KEY,             -- the reference is TR- and seven digits of this id
            person_id INTEGER NOT NULL REFERENCES people(id),
            course_id INTEGER NOT NULL REFERENCES courses(id),
            completed_on TEXT NOT NULL,
            expires_on TEXT,
            result TEXT NOT NULL,
            trainer TEXT,
            hours REAL,
            certificate_ref TEXT,
            comments TEXT,
            archived INTEGER NOT NULL DEFAULT 0,
            job_id INTEGER
        );
        CREATE UNIQUE INDEX training_records_key ON training_records(person_id, course_id, completed_on);
        CREATE TABLE roles (
            id INTEGER PRIMARY KEY,
            role_ref TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
            archived INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE role_courses (
            role_id INTEGER NOT NULL REFERENCES roles(id),
            course_id INTEGER NOT NULL REFERENCES courses(id),
            optional INTEGER NOT NULL DEFAULT 0,
            due_within_days INTEGER NOT NULL DEFAULT 30,
            PRIMARY KEY (role_id, course_id)
        );
        CREATE TABLE role_members (
            role_id INTEGER NOT NULL REFERENCES roles(id),
            person_id INTEGER NOT NULL REFERENCES people(id),
            PRIMARY KEY (role_id, person_id)
        );
        CREATE INDEX role_members_person ON role_members(person_id);
        CREATE TABLE training_needs (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES people(id),
            course_id INTEGER NOT NULL REFERENCES courses(id),
            role_id INTEGER REFERENCES roles(id),
            optional INTEGER NOT NULL DEFAULT 0,
            required_by TEXT,
            status TEXT NOT NULL DEFAULT 'Open',  -- Open, Met, Removed, Archived
            met_by_record_id INTEGER,
            met_on TEXT
        );
        CREATE INDEX training_needs_open ON training_needs(person_id, course_id) WHERE status = 'Open';
        CREATE INDEX training_needs_person ON training_needs(person_id);
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
            status TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE audits (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            org_unit_id INTEGER NOT NULL REFERENCES org_units(id),
            status TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            parent_ref TEXT NOT NULL,
            status TEXT NOT NULL
        );
        CREATE INDEX actions_parent ON actions(parent_ref);

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            user_name TEXT NOT NULL,
            operation TEXT NOT NULL,
            file_name TEXT NOT NULL,            -- the name as dropped
            inbox_path TEXT NOT NULL,           -- where it was dropped
            path TEXT NOT NULL,                 -- where the file is now (claimed, archived or rejected)
            dry_run INTEGER NOT NULL DEFAULT 0,
            sha256 TEXT,
            state TEXT NOT NULL,                -- claiming, queued, running, finished
            outcome TEXT,                       -- succeeded, partially_succeeded, failed, rejected
            error TEXT,                         -- the whole-file problem or the rejection reason
            header TEXT,                        -- JSON array: the file's columns as written
            ignored_columns TEXT,               -- JSON array
            total INTEGER,
            done INTEGER NOT NULL DEFAULT 0,    -- records applied so far (committed with them)
            succeeded INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            token TEXT NOT NULL UNIQUE,         -- the summary folder's unguessable name
            received_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            expires_at TEXT,
            published_at TEXT,                  -- summary and job.finished written
            swept_at TEXT                       -- personal data removed by retention
        );
        CREATE INDEX jobs_state ON jobs(state);
        CREATE TABLE job_failures (
            job_id INTEGER NOT NULL REFERENCES jobs(id),
            line INTEGER NOT NULL,
            reference TEXT NOT NULL,
            reason TEXT NOT NULL,
            fields TEXT NOT NULL                -- JSON array: the row as it was in the file
        );
        CREATE INDEX job_failures_job ON job_failures(job_id, line);
        CREATE TABLE mail_outbox (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL UNIQUE REFERENCES jobs(id),
            message_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            message BLOB NOT NULL,              -- the whole RFC 5322 message
            state TEXT NOT NULL DEFAULT 'queued', -- queued, retrying, sent, failed
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            sent_at TEXT
        );
        """,
    ]

    /// Brings the database up to the latest version.
    static func migrate(_ db: Database) throws {
        let current = try db.row("PRAGMA user_version")?.int(0) ?? 0
        guard current < migrations.count else { return }
        for version in current..<migrations.count {
            try db.transaction {
                try db.execute(migrations[version])
                try db.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }
}
