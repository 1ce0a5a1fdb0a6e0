import Foundation
import Testing
@testable import BackdropCore

@Suite struct ConfigurationTests {
    @Test func defaultsAreTheContractsRelativeToTheWorkingDirectory() throws {
        let config = try Configuration.parse([:], workingDirectory: "/srv/backdrop")
        #expect(config.inbox == "/srv/backdrop/inbox")
        #expect(config.outbox == "/srv/backdrop/outbox")
        #expect(config.state == "/srv/backdrop/var")
        #expect(config.settleMilliseconds == 1000)
        #expect(config.rescanSeconds == 30)
        #expect(config.maxFileBytes == 512 * 1024 * 1024)
        #expect(config.retentionDays == 30)
        #expect(config.mail.transport == .file)
        #expect(config.mail.retryInitialSeconds == 30)
        #expect(config.mail.retryMaxSeconds == 3600)
        #expect(config.summaryURL(token: "abc") == "file:///srv/backdrop/outbox/summaries/abc/index.html")
    }

    @Test func everyKeyIsRead() throws {
        let config = try Configuration.parse([
            "inbox": "/data/in", "outbox": "out", "state": "state", "settle_ms": 0, "rescan_seconds": 5, "workers": 2,
            "max_file_bytes": 1000, "retention_days": 7, "summary_base_url": "https://x.example/s/", "date_formats": ["DD/MM/YYYY"],
            "mail": ["transport": "smtp", "url": "smtp://127.0.0.1:2525", "starttls": "require", "from": "B <b@example.com>",
                     "username": "u", "password": "p", "retry_initial_seconds": 1, "retry_max_seconds": 8],
        ], workingDirectory: "/w")
        #expect(config.inbox == "/data/in")
        #expect(config.outbox == "/w/out")
        #expect(config.settleMilliseconds == 0)
        #expect(config.workers == 2)
        #expect(config.dateFormats == [DateFormat(pattern: "DD/MM/YYYY")!])
        #expect(config.mail.transport == .smtp)
        #expect(config.mail.starttls == .require)
        #expect(config.summaryURL(token: "abc") == "https://x.example/s/abc")
    }

    static let bad: [(settings: String, message: String)] = [
        (#"{"inbx": "x"}"#, "backdrop.json: unknown setting \"inbx\"; known settings are inbox, outbox, state, settle_ms, rescan_seconds, workers, batch_seconds, max_file_bytes, retention_days, summary_base_url, date_formats, mail"),
        (#"{"settle_ms": -1}"#, "backdrop.json: settle_ms must be between 0 and 3600000, not -1"),
        (#"{"settle_ms": "fast"}"#, "backdrop.json: settle_ms must be a whole number, not \"fast\""),
        (#"{"workers": 1.5}"#, "backdrop.json: workers must be a whole number, not 1.5"),
        (#"{"retention_days": true}"#, "backdrop.json: retention_days must be a whole number, not true"),
        (#"{"inbox": 3}"#, "backdrop.json: inbox must be a string, not 3"),
        (#"{"date_formats": ["DD/MM/YY"]}"#, "backdrop.json: date_formats: \"DD/MM/YY\" is not a date pattern; use YYYY, MM and DD with one separator, such as DD/MM/YYYY"),
        (#"{"summary_base_url": "ftp://x/"}"#, "backdrop.json: summary_base_url must start with http://, https:// or file://, not \"ftp://x/\""),
        (#"{"mail": {"transport": "pigeon"}}"#, "backdrop.json: mail.transport must be \"file\" or \"smtp\", not \"pigeon\""),
        (#"{"mail": {"transport": "smtp"}}"#, "backdrop.json: mail.transport is \"smtp\" but mail.url is missing; set it to smtp://host:port or smtps://host:port"),
        (#"{"mail": {"url": "http://mail"}}"#, "backdrop.json: mail.url must look like smtp://host:port or smtps://host:port, not \"http://mail\""),
        (#"{"mail": {"starttls": "maybe"}}"#, "backdrop.json: mail.starttls must be \"off\", \"try\" or \"require\", not \"maybe\""),
        (#"{"mail": {"port": 25}}"#, "backdrop.json: unknown setting \"mail.port\"; known mail settings are transport, url, starttls, from, username, password, password_file, ca_file, retry_initial_seconds, retry_max_seconds, give_up_hours, connect_timeout_seconds, timeout_seconds"),
        (#"{"mail": {"retry_initial_seconds": 60, "retry_max_seconds": 30}}"#, "backdrop.json: mail.retry_max_seconds (30.0) is less than mail.retry_initial_seconds (60.0)"),
        (#"{"mail": {"password": "a", "password_file": "/dev/null"}}"#, "backdrop.json: give mail.password or mail.password_file, not both"),
    ]

    @Test(arguments: bad)
    func aWrongSettingStopsTheStartNamingIt(_ settings: String, _ message: String) throws {
        let dir = try TemporaryFolder()
        try dir.write("backdrop.json", settings)
        #expect(throws: ConfigurationError(message.replacingOccurrences(of: "backdrop.json:", with: dir.path("backdrop.json") + ":"))) {
            _ = try Configuration.load(explicitPath: nil, environment: [:], workingDirectory: dir.url.path)
        }
    }

    @Test func theConfigFileComesFromTheFlagThenTheEnvironmentThenTheWorkingDirectory() throws {
        let dir = try TemporaryFolder()
        try dir.write("backdrop.json", #"{"workers": 2}"#)
        try dir.write("other.json", #"{"workers": 3}"#)
        try dir.write("env.json", #"{"workers": 4}"#)
        let cwd = dir.url.path
        #expect(try Configuration.load(explicitPath: nil, environment: [:], workingDirectory: cwd).workers == 2)
        #expect(try Configuration.load(explicitPath: nil, environment: ["BACKDROP_CONFIG": "env.json"], workingDirectory: cwd).workers == 4)
        #expect(try Configuration.load(explicitPath: "other.json", environment: ["BACKDROP_CONFIG": "env.json"], workingDirectory: cwd).workers == 3)
        #expect(throws: ConfigurationError("config file missing.json does not exist")) {
            _ = try Configuration.load(explicitPath: "missing.json", environment: [:], workingDirectory: cwd)
        }
    }

    @Test func aPasswordFileKeepsTheSecretOutOfTheConfig() throws {
        let dir = try TemporaryFolder()
        try dir.write("secret", "s3cret\n")
        let config = try Configuration.parse(["mail": ["password_file": "secret"]], workingDirectory: dir.url.path)
        #expect(config.mail.password == "s3cret")
    }
}
