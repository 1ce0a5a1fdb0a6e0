import Foundation

/// Parses the command line and runs one command. Output goes through `out` and `err` so tests
/// can read it word for word; the caller maps the thrown error with `ExitStatus.of`.
public struct BackdropCommand {
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    public var out: (String) -> Void
    public var err: (String) -> Void

    public init(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: String = FileManager.default.currentDirectoryPath,
                out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.out = out
        self.err = err
    }

    /// Runs the command; returns the exit status on success and throws otherwise.
    public func run(serve: (Configuration) throws -> Void = { _ in }) throws -> Int32 {
        var rest: [String] = []
        var configPath: String?
        var help = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--config" {
                guard index + 1 < arguments.count else { throw CommandError.usage("--config needs a file name") }
                configPath = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix("--config=") {
                configPath = String(argument.dropFirst("--config=".count))
            } else if argument == "--help" || argument == "-h" {
                help = true
            } else {
                rest.append(argument)
            }
            index += 1
        }
        guard let command = rest.first else {
            if help { out(Usage.main); return ExitStatus.ok }
            throw CommandError.usage("no command given")
        }
        let options = Array(rest.dropFirst())
        if command == "help" {
            out(Usage.main)
            return ExitStatus.ok
        }
        let helpText: [String: String] = ["serve": Usage.serve, "load": Usage.load, "jobs": Usage.jobs, "job": Usage.job,
                                          "sweep": Usage.sweep, "demo": Usage.demo]
        guard let text = helpText[command] else {
            throw CommandError.usage("unknown command '\(command)'; the commands are serve, load, jobs, job, sweep, demo")
        }
        if help {
            out(text)
            return ExitStatus.ok
        }
        let configuration = try Configuration.load(explicitPath: configPath, environment: environment, workingDirectory: workingDirectory)
        switch command {
        case "serve":
            try expectNoMore(options, command)
            try serve(configuration)
        case "load": try load(options, configuration)
        case "jobs": try JobsReport(configuration: configuration, out: out).list(options)
        case "job": try JobsReport(configuration: configuration, out: out).show(options)
        case "sweep": try sweep(options, configuration)
        case "demo":
            try expectNoMore(options, command)
            try Demo(configuration: configuration, workingDirectory: workingDirectory, out: out).run()
        default: break
        }
        return ExitStatus.ok
    }

    private func expectNoMore(_ options: [String], _ command: String) throws {
        if let extra = options.first { throw CommandError.usage("'\(command)' takes no argument '\(extra)'") }
    }

    private func load(_ options: [String], _ configuration: Configuration) throws {
        guard options.count == 2 else {
            throw CommandError.usage("load needs a kind and a CSV file: backdrop load <kind> FILE.csv")
        }
        guard let kind = ReferenceKind(rawValue: options[0]) else {
            throw CommandError.usage("'\(options[0])' is not a kind of reference data; the kinds are \(ReferenceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let path = Configuration.resolve(options[1], against: workingDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CommandError.noInput("\(options[1]) does not exist")
        }
        let db = try Store.open(configuration)
        let outcome = try ReferenceLoader(db: db, dates: configuration.dateParser).load(kind, path: path)
        out("\(options[1]): loaded \(kind.rawValue): \(outcome.created) created, \(outcome.updated) updated\n")
        if !outcome.ignored.isEmpty {
            err("warning: \(options[1]): ignored column\(outcome.ignored.count == 1 ? "" : "s") \(outcome.ignored.joined(separator: ", ")), not used by \(kind.rawValue)\n")
        }
    }

    private func sweep(_ options: [String], _ configuration: Configuration) throws {
        var now = Date()
        var rest = options
        if let at = rest.firstIndex(of: "--as-of") {
            guard at + 1 < rest.count, let day = Day(iso: rest[at + 1]) else {
                throw CommandError.usage("--as-of needs a date written YYYY-MM-DD")
            }
            // As of the end of that day (UTC): everything that falls due on it is swept.
            now = Date(timeIntervalSince1970: Double(day.ordinal + 1) * 86_400 - 1)
            rest.removeSubrange(at...(at + 1))
        }
        try expectNoMore(rest, "sweep")
        let db = try Store.open(configuration)
        let report = try Sweeper(configuration: configuration, db: db).sweep(now: now)
        out("swept \(report.jobs) job\(report.jobs == 1 ? "" : "s") and \(report.notifications) notification\(report.notifications == 1 ? "" : "s") as of \(Timestamp.string(now))\n")
    }
}
