import Foundation

/// Every setting of `backdrop.json` (CONTRACT.md section 7), with the defaults of the contract.
/// Folders are resolved against the working directory when relative.
public struct Configuration: Sendable {
    public enum StartTLS: String, Sendable { case off, `try`, require }
    public enum MailTransportKind: String, Sendable { case file, smtp }

    public struct Mail: Sendable {
        public var transport: MailTransportKind = .file
        public var url: String?
        public var starttls: StartTLS = .try
        public var from = "Backdrop <backdrop@localhost>"
        public var username: String?
        public var password: String?
        public var caFile: String?
        public var retryInitialSeconds = 30.0
        public var retryMaxSeconds = 3600.0
        /// Nil (the default): a temporarily failing message is retried until it goes through.
        public var giveUpHours: Double?
        public var connectTimeoutSeconds = 10.0
        public var timeoutSeconds = 60.0
    }

    public var inbox: String
    public var outbox: String
    public var state: String
    public var settleMilliseconds = 1000
    public var rescanSeconds = 30.0
    public var workers = 1
    /// How long a batch of records may run before it commits (progress, resume point, stop latency).
    public var batchSeconds = 2.0
    public var maxFileBytes = 512 * 1024 * 1024
    public var retentionDays = 30
    public var summaryBaseURL: String?
    public var dateFormats: [DateFormat] = []
    public var mail = Mail()
    /// The file the settings came from, if any.
    public var source: String?

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        inbox = Configuration.resolve("inbox", against: workingDirectory)
        outbox = Configuration.resolve("outbox", against: workingDirectory)
        state = Configuration.resolve("var", against: workingDirectory)
    }

    public var databasePath: String { state + "/backdrop.db" }
    public var notificationsFolder: String { outbox + "/notifications" }
    public var summariesFolder: String { outbox + "/summaries" }
    public var mailFolder: String { outbox + "/mail" }
    public var claimedFolder: String { state + "/claimed" }
    public var archiveFolder: String { state + "/archive" }
    public var rejectedFolder: String { state + "/rejected" }
    public var dateParser: DateParser { DateParser(extra: dateFormats) }

    /// The URL a summary is reached at: the configured base followed by the token, or a
    /// `file://` URL of its `index.html`.
    public func summaryURL(token: String) -> String {
        if let base = summaryBaseURL { return base + token }
        return URL(fileURLWithPath: summariesFolder + "/" + token + "/index.html").absoluteString
    }

    static func resolve(_ path: String, against directory: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : directory + "/" + expanded
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    // MARK: - Loading

    /// Finds the settings: an explicit `--config` file, else `BACKDROP_CONFIG`, else `backdrop.json`
    /// in the working directory when present, else the defaults.
    public static func load(explicitPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            workingDirectory: String = FileManager.default.currentDirectoryPath) throws(ConfigurationError) -> Configuration {
        if let path = explicitPath ?? environment["BACKDROP_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let resolved = resolve(path, against: workingDirectory)
            guard FileManager.default.fileExists(atPath: resolved) else {
                throw ConfigurationError("config file \(path) does not exist")
            }
            return try parse(fileAt: resolved, workingDirectory: workingDirectory)
        }
        let local = workingDirectory + "/backdrop.json"
        if FileManager.default.fileExists(atPath: local) {
            return try parse(fileAt: local, workingDirectory: workingDirectory)
        }
        return Configuration(workingDirectory: workingDirectory)
    }

    static func parse(fileAt path: String, workingDirectory: String) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read config file \(path)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError("\(path) is not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error.localizedDescription)")
        }
        guard let settings = object as? [String: Any] else {
            throw ConfigurationError("\(path) must hold a JSON object of settings")
        }
        var config = try parse(settings, workingDirectory: workingDirectory, file: path)
        config.source = path
        return config
    }

    /// Builds a configuration from decoded JSON; every key is checked.
    public static func parse(_ settings: [String: Any], workingDirectory: String, file: String = "backdrop.json") throws(ConfigurationError) -> Configuration {
        var config = Configuration(workingDirectory: workingDirectory)
        let reader = SettingsReader(file: file, prefix: "")
        for key in settings.keys.sorted() {
            let value = settings[key]!
            switch key {
            case "inbox": config.inbox = resolve(try reader.folder(key, value), against: workingDirectory)
            case "outbox": config.outbox = resolve(try reader.folder(key, value), against: workingDirectory)
            case "state": config.state = resolve(try reader.folder(key, value), against: workingDirectory)
            case "settle_ms": config.settleMilliseconds = try reader.integer(key, value, range: 0...3_600_000)
            case "rescan_seconds": config.rescanSeconds = try reader.number(key, value, range: 0.1...86_400)
            case "workers": config.workers = try reader.integer(key, value, range: 1...64)
            case "batch_seconds": config.batchSeconds = try reader.number(key, value, range: 0.01...60)
            case "max_file_bytes": config.maxFileBytes = try reader.integer(key, value, range: 1...Int(Int64.max))
            case "retention_days": config.retentionDays = try reader.integer(key, value, range: 1...36_500)
            case "summary_base_url":
                let base = try reader.string(key, value)
                guard base.hasPrefix("http://") || base.hasPrefix("https://") || base.hasPrefix("file://") else {
                    throw ConfigurationError("\(file): summary_base_url must start with http://, https:// or file://, not \"\(base)\"")
                }
                config.summaryBaseURL = base
            case "date_formats":
                guard let patterns = value as? [String] else {
                    throw ConfigurationError("\(file): date_formats must be a list of patterns such as [\"DD/MM/YYYY\"]")
                }
                config.dateFormats = try patterns.map { (pattern: String) throws(ConfigurationError) -> DateFormat in
                    guard let format = DateFormat(pattern: pattern) else {
                        throw ConfigurationError("\(file): date_formats: \"\(pattern)\" is not a date pattern; use YYYY, MM and DD with one separator, such as DD/MM/YYYY")
                    }
                    return format
                }
            case "mail":
                guard let mail = value as? [String: Any] else {
                    throw ConfigurationError("\(file): mail must be an object of mail settings")
                }
                config.mail = try parseMail(mail, file: file, workingDirectory: workingDirectory)
            default:
                throw ConfigurationError("\(file): unknown setting \"\(key)\"; known settings are inbox, outbox, state, settle_ms, rescan_seconds, workers, batch_seconds, max_file_bytes, retention_days, summary_base_url, date_formats, mail")
            }
        }
        return config
    }

    static func parseMail(_ settings: [String: Any], file: String, workingDirectory: String) throws(ConfigurationError) -> Mail {
        var mail = Mail()
        let reader = SettingsReader(file: file, prefix: "mail.")
        var passwordFile: String?
        for key in settings.keys.sorted() {
            let value = settings[key]!
            switch key {
            case "transport":
                guard let kind = MailTransportKind(rawValue: try reader.string(key, value)) else {
                    throw ConfigurationError("\(file): mail.transport must be \"file\" or \"smtp\", not \(reader.show(value))")
                }
                mail.transport = kind
            case "url":
                let url = try reader.string(key, value)
                guard isMailURL(url) else {
                    throw ConfigurationError("\(file): mail.url must look like smtp://host:port or smtps://host:port, not \"\(SMTPSettings(url: url).displayURL)\"")
                }
                mail.url = url
            case "starttls":
                guard let mode = StartTLS(rawValue: try reader.string(key, value)) else {
                    throw ConfigurationError("\(file): mail.starttls must be \"off\", \"try\" or \"require\", not \(reader.show(value))")
                }
                mail.starttls = mode
            case "from":
                let from = try reader.string(key, value)
                do {
                    _ = try MailOutbox.sender(from)
                } catch {
                    throw ConfigurationError("\(file): mail.from must be an address such as \"Backdrop <backdrop@example.com>\" or backdrop@example.com, not \(from.debugDescription) (\(error.reason))")
                }
                mail.from = from
            case "username": mail.username = try reader.string(key, value)
            case "password": mail.password = try reader.string(key, value)
            case "password_file": passwordFile = resolve(try reader.string(key, value), against: workingDirectory)
            case "ca_file": mail.caFile = resolve(try reader.string(key, value), against: workingDirectory)
            case "retry_initial_seconds": mail.retryInitialSeconds = try reader.number(key, value, range: 0.01...86_400)
            case "retry_max_seconds": mail.retryMaxSeconds = try reader.number(key, value, range: 0.01...604_800)
            case "give_up_hours": mail.giveUpHours = try reader.number(key, value, range: 0.01...8_760)
            case "connect_timeout_seconds": mail.connectTimeoutSeconds = try reader.number(key, value, range: 0.1...600)
            case "timeout_seconds": mail.timeoutSeconds = try reader.number(key, value, range: 0.1...3_600)
            default:
                throw ConfigurationError("\(file): unknown setting \"mail.\(key)\"; known mail settings are transport, url, starttls, from, username, password, password_file, ca_file, retry_initial_seconds, retry_max_seconds, give_up_hours, connect_timeout_seconds, timeout_seconds")
            }
        }
        if let passwordFile {
            guard mail.password == nil else {
                throw ConfigurationError("\(file): give mail.password or mail.password_file, not both")
            }
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                throw ConfigurationError("\(file): mail.password_file \(passwordFile) cannot be read")
            }
            mail.password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        if mail.transport == .smtp && mail.url == nil {
            throw ConfigurationError("\(file): mail.transport is \"smtp\" but mail.url is missing; set it to smtp://host:port or smtps://host:port")
        }
        if mail.retryMaxSeconds < mail.retryInitialSeconds {
            throw ConfigurationError("\(file): mail.retry_max_seconds (\(mail.retryMaxSeconds)) is less than mail.retry_initial_seconds (\(mail.retryInitialSeconds))")
        }
        if let ca = mail.caFile, !FileManager.default.fileExists(atPath: ca) {
            throw ConfigurationError("\(file): mail.ca_file \(ca) does not exist")
        }
        return mail
    }

    /// `smtp://` or `smtps://`, a host, an optional numeric port, in printable ASCII without
    /// spaces (what curl would refuse at the first delivery is refused at the start instead).
    static func isMailURL(_ url: String) -> Bool {
        guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://"),
              url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              let scheme = url.range(of: "://") else { return false }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        var host = hostAndPort
        if let colon = hostAndPort.lastIndex(of: ":"), !hostAndPort[colon...].contains("]") {
            host = hostAndPort[..<colon]
            let port = hostAndPort[hostAndPort.index(after: colon)...]
            guard let number = Int(port), (1...65_535).contains(number) else { return false }
        }
        return !host.isEmpty
    }
}

/// Checks one setting's type and range, with messages that name the key.
private struct SettingsReader {
    let file: String
    let prefix: String

    func show(_ value: Any) -> String {
        if let text = value as? String { return "\"\(text)\"" }
        if value is NSNull { return "null" }
        if isBoolean(value) { return (value as? Bool) == true ? "true" : "false" }
        return "\(value)"
    }

    func string(_ key: String, _ value: Any) throws(ConfigurationError) -> String {
        guard let text = value as? String, !(value is NSNumber) else {
            throw ConfigurationError("\(file): \(prefix)\(key) must be a string, not \(show(value))")
        }
        return text
    }

    func folder(_ key: String, _ value: Any) throws(ConfigurationError) -> String {
        let text = try string(key, value)
        guard !text.isEmpty else { throw ConfigurationError("\(file): \(prefix)\(key) must name a folder, not an empty string") }
        return text
    }

    func number(_ key: String, _ value: Any, range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        guard let number = value as? NSNumber, !isBoolean(value) else {
            throw ConfigurationError("\(file): \(prefix)\(key) must be a number, not \(show(value))")
        }
        let double = number.doubleValue
        guard range.contains(double) else {
            throw ConfigurationError("\(file): \(prefix)\(key) must be between \(clean(range.lowerBound)) and \(clean(range.upperBound)), not \(show(value))")
        }
        return double
    }

    func integer(_ key: String, _ value: Any, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let number = value as? NSNumber, !isBoolean(value),
              number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 9.2e18 else {
            throw ConfigurationError("\(file): \(prefix)\(key) must be a whole number, not \(show(value))")
        }
        let int = number.intValue
        guard range.contains(int) else {
            throw ConfigurationError("\(file): \(prefix)\(key) must be between \(range.lowerBound) and \(range.upperBound), not \(show(value))")
        }
        return int
    }

    /// JSON's true and false decode as NSNumber too; tell them apart by their type.
    private func isBoolean(_ value: Any) -> Bool {
        String(describing: type(of: value)).contains("Boolean") || (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    }

    private func clean(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
