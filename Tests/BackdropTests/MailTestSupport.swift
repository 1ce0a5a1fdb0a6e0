import Foundation
@testable import BackdropCore

struct MailTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Outside programs the mail tests lean on: Debian's python3 (its `email` package as a real MIME
/// parser, aiosmtpd as a real SMTP server) and openssl. Not the pyenv shim on PATH.
enum MailTestTools {
    static let python = "/usr/bin/python3"
    static let openssl = "/usr/bin/openssl"

    /// Runs a program to completion; stdout is returned, stderr goes to a file in `folder`.
    static func run(_ executable: String, _ arguments: [String], in folder: TemporaryFolder) throws -> (status: Int32, stdout: Data, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errPath = folder.path("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? errHandle.close() }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, data, stderr)
    }

    // MARK: MIME parsing with Python's email package

    struct ParsedMail: Decodable {
        var subject: String
        var messageId: String
        var fromName: String
        var fromAddress: String
        var toName: String
        var toAddress: String
        var date: String
        var contentType: String
        var text: String?
        var html: String?
        var headerNames: [String]
        var defects: [String]
        var partCount: Int
    }

    static let parseScript = """
    import sys, json, email
    from email import policy
    with open(sys.argv[1], 'rb') as f:
        msg = email.message_from_bytes(f.read(), policy=policy.default)
    defects = []
    for key in msg.keys():
        defects += [repr(d) for d in msg[key].defects]
    parts = {}
    for part in msg.walk():
        defects += [repr(d) for d in part.defects]
        if part.get_content_maintype() == 'text':
            parts[part.get_content_subtype()] = part.get_content()
    def address(name):
        a = msg[name].addresses[0]
        return a.display_name, a.addr_spec
    from_name, from_address = address('from')
    to_name, to_address = address('to')
    print(json.dumps({
        'subject': str(msg['subject']), 'message_id': str(msg['message-id']),
        'from_name': from_name, 'from_address': from_address,
        'to_name': to_name, 'to_address': to_address,
        'date': msg['date'].datetime.isoformat(), 'content_type': msg.get_content_type(),
        'text': parts.get('plain'), 'html': parts.get('html'),
        'header_names': list(msg.keys()), 'defects': defects,
        'part_count': len(list(msg.iter_parts())),
    }))
    """

    static func parse(_ bytes: [UInt8], in folder: TemporaryFolder) throws -> ParsedMail {
        let path = try folder.write("parse-\(UUID().uuidString).eml", Data(bytes))
        return try parse(file: path, in: folder)
    }

    static func parse(file path: String, in folder: TemporaryFolder) throws -> ParsedMail {
        let result = try run(python, ["-c", parseScript, path], in: folder)
        guard result.status == 0 else { throw MailTestFailure("python email parser failed: \(result.stderr)") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ParsedMail.self, from: result.stdout)
    }

    // MARK: Sockets

    /// A port that was free a moment ago (bound to port 0, read back, closed).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MailTestFailure("socket: \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw MailTestFailure("bind: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw MailTestFailure("getsockname: \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func canConnect(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    // MARK: TLS

    /// A self-signed certificate for 127.0.0.1 / localhost, made by openssl in `folder`.
    static func makeCertificate(in folder: TemporaryFolder) throws -> (certificate: String, key: String) {
        let certificate = folder.path("cert.pem"), key = folder.path("key.pem")
        let result = try run(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", key, "-out", certificate,
        ], in: folder)
        guard result.status == 0 else { throw MailTestFailure("openssl failed: \(result.stderr)") }
        return (certificate, key)
    }
}

/// A real SMTP server (aiosmtpd) in a child process, on a free loopback port. Each accepted
/// message becomes `<id>.eml` plus `<id>.json` (envelope) in `mailFolder`; logins are logged in
/// `auth.log` there. It refuses the recipients in `reject` with 550 and those in `deferring`
/// with 450. Stop it with `stop()` (a `defer` in each test).
final class SMTPTestServer {
    enum Mode: String { case plain, starttls, smtps }

    let port: UInt16
    let mailFolder: String
    private let process: Process
    private let logPath: String
    private let stdin = Pipe()
    private let exited = DispatchSemaphore(value: 0)
    private var stopped = false

    static let script = """
    import argparse, json, os, signal, ssl, sys, uuid
    # Children of the test process may inherit a blocked SIGTERM; undo that.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    p = argparse.ArgumentParser()
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--mode', choices=['plain', 'starttls', 'smtps'], default='plain')
    p.add_argument('--reject', action='append', default=[])
    p.add_argument('--defer', action='append', default=[])
    p.add_argument('--user')
    p.add_argument('--password')
    p.add_argument('--exclude-auth', action='append', default=[])
    p.add_argument('--cert')
    p.add_argument('--key')
    a = p.parse_args()

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address in a.reject:
                return '550 5.1.1 <%s>: Recipient address rejected: User unknown' % address
            if address in a.defer:
                return '450 4.2.1 <%s>: Mailbox busy, try again later' % address
            envelope.rcpt_tos.append(address)
            return '250 2.1.5 OK'

        async def handle_DATA(self, server, session, envelope):
            name = uuid.uuid4().hex
            meta = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                    'tls': session.ssl is not None or server.transport.get_extra_info('ssl_object') is not None,
                    'login': session.login_data.decode() if session.login_data else None}
            with open(os.path.join(a.out, name + '.json'), 'w') as f:
                json.dump(meta, f)
            temporary = os.path.join(a.out, name + '.part')
            with open(temporary, 'wb') as f:
                f.write(envelope.original_content)
            os.rename(temporary, os.path.join(a.out, name + '.eml'))
            return '250 2.0.0 OK queued as ' + name

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == a.user.encode()
              and auth_data.password == a.password.encode())
        with open(os.path.join(a.out, 'auth.log'), 'a') as f:
            f.write('%s %s\\n' % (mechanism, 'accepted' if ok else 'refused'))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    kwargs = {}
    if a.user:
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=False,
                      auth_exclude_mechanism=a.exclude_auth)
    context = None
    if a.mode != 'plain':
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    if a.mode == 'starttls':
        kwargs.update(tls_context=context, require_starttls=True)
    controller = Controller(Handler(), hostname='127.0.0.1', port=a.port,
                            ssl_context=context if a.mode == 'smtps' else None, **kwargs)
    controller.start()
    print('ready', flush=True)
    # Runs until stdin reaches end of file: the test closed its end, or the test process died.
    sys.stdin.buffer.read()
    os._exit(0)
    """

    /// `port`: a given port (e.g. to start a server where a client already tries to connect);
    /// nil picks a free one.
    init(in folder: TemporaryFolder, port fixedPort: UInt16? = nil, mode: Mode = .plain, reject: [String] = [],
         deferring: [String] = [], login: (user: String, password: String)? = nil, excludeAuth: [String] = [],
         certificate: (certificate: String, key: String)? = nil) throws {
        port = try fixedPort ?? MailTestTools.freePort()
        mailFolder = folder.path("received")
        try FileManager.default.createDirectory(atPath: mailFolder, withIntermediateDirectories: true)
        let scriptPath = try folder.write("smtp_server.py", SMTPTestServer.script)
        var arguments = [scriptPath, "--port", "\(port)", "--out", mailFolder, "--mode", mode.rawValue]
        for address in reject { arguments += ["--reject", address] }
        for address in deferring { arguments += ["--defer", address] }
        if let login { arguments += ["--user", login.user, "--password", login.password] }
        for mechanism in excludeAuth { arguments += ["--exclude-auth", mechanism] }
        if let certificate { arguments += ["--cert", certificate.certificate, "--key", certificate.key] }

        logPath = folder.path("smtp-server.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        process = Process()
        process.executableURL = URL(fileURLWithPath: MailTestTools.python)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = stdin
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
        try? stdin.fileHandleForReading.close()

        // Ready when it accepts a TCP connection; give up after a deadline.
        let deadline = Date().addingTimeInterval(15)
        while !MailTestTools.canConnect(port: port) {
            if !process.isRunning || Date() > deadline {
                stop()
                throw MailTestFailure("SMTP test server did not start: \(self.log)")
            }
            usleep(20_000)
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Closes the server's stdin (it exits at end of file); SIGKILL if it has not exited in 5 s.
    func stop() {
        guard !stopped else { return }
        stopped = true
        try? stdin.fileHandleForWriting.close()
        if exited.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// The accepted messages, oldest first by name (names are random, so order is not meaningful).
    func messages() throws -> [(eml: String, envelope: [String: Any])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: mailFolder).filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { name in
            let eml = (mailFolder as NSString).appendingPathComponent(name)
            let json = (eml as NSString).deletingPathExtension + ".json"
            let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any] ?? [:]
            return (eml, envelope)
        }
    }

    var authLog: [String] {
        let text = (try? String(contentsOfFile: (mailFolder as NSString).appendingPathComponent("auth.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }
}
