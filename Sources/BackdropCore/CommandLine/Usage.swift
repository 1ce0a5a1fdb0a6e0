/// The help texts, one per command.
enum Usage {
    static let main = """
        backdrop: runs bulk operations of an EHS&S training and incident system from files dropped in an inbox.

        Usage: backdrop [--config FILE] <command> [options]

        Commands:
          serve                    Run the daemon in the foreground (SIGTERM or SIGINT stops it gracefully).
          load <kind> FILE.csv     Load reference data, all or nothing: \(ReferenceKind.allCases.map(\.rawValue).joined(separator: ", ")).
          jobs [--json]            List jobs with their state and progress.
          job ID [--json]          Show one job: outcome, counts, failures and its email.
          sweep [--as-of DATE]     Run retention now (DATE is YYYY-MM-DD; default today).
          demo                     Set up a demo workspace in the working directory.

        Options:
          --config FILE            Settings file (default: backdrop.json in the working directory, or $BACKDROP_CONFIG).
          -h, --help               Show help; 'backdrop <command> --help' shows a command's help.

        """

    static let serve = """
        Usage: backdrop serve [--config FILE]

        Watches the inbox, takes each file as a job, applies it and tells its user.
        Stops gracefully on SIGTERM or SIGINT: the running batch commits and the job resumes at the next start.

        """

    static let load = """
        Usage: backdrop load <kind> FILE.csv [--config FILE]

        Loads reference data from a CSV file in one transaction: every row is applied, or none.
        A row whose key exists updates it. Kinds and their columns (* required):
          org-units          Path*, Name
          users              UserName*, Email*, Grants (operation@OrgUnitPath;…, * = every operation), Active
          people             PersonRef*, Forename*, Surname*, OrgUnit*, Current, JobTitle
          courses            CourseCode*, Title*, ValidityMonths, Active
          incidents, audits  Reference*, OrgUnit*, Status*
          training-records   RecordRef, PersonRef*, CourseCode*, CompletedOn*, ExpiresOn, Result, Trainer, Hours, CertificateRef, Comments, Archived
          actions            Reference*, Parent*, Status*

        """

    static let jobs = """
        Usage: backdrop jobs [--json] [--config FILE]

        Lists jobs, newest first, with their state (queued, running, finished), outcome, counts and progress.

        """

    static let job = """
        Usage: backdrop job ID [--json] [--config FILE]

        Shows one job: its outcome, counts, whole-file error, failed records and the state of its email.

        """

    static let sweep = """
        Usage: backdrop sweep [--as-of YYYY-MM-DD] [--config FILE]

        Deletes what retention says is due: summaries, per-record outcomes, archived and rejected
        originals and notifications of jobs that ended retention_days (default 30) before the day.

        """

    static let demo = """
        Usage: backdrop demo [--config FILE]

        Loads a small demo dataset (org units, users with grants, people, courses) and writes example
        files to drop under examples/. Run it once in an empty folder, then 'backdrop serve'.

        """
}
