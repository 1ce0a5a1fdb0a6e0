import Foundation

/// Writes each message as `<folder>/<name>.eml`, where the name is derived from the
/// Message-ID alone, so sending the same message again replaces the same file (idempotent).
///
/// The write is atomic: the octets go to a hidden temporary file in the same folder, which is
/// fsynced and renamed over the final name, and the folder is fsynced; a reader never sees a
/// partial `.eml`. The folder is created when missing. Every failure is `.temporary` (disk
/// full, permissions, a missing mount: the message is kept and retried).
public struct FileMailTransport: MailTransport {
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The file name used for a message id: the id's characters limited to letters, digits and
    /// `. _ @ + -` (others become `_`, a leading dot too), at most 120 of them; when anything had
    /// to change, a hash of the whole id is appended so different ids keep different names.
    public static func fileName(forMessageID id: String) -> String {
        let clean = MailHeader.cleanMessageID(id)
        var safe = String(decoding: clean.utf8.map { byte -> UInt8 in
            MailHeader.isAlnum(byte) || ".-_@+".utf8.contains(byte) ? byte : UInt8(ascii: "_")
        }, as: UTF8.self)
        if safe.hasPrefix(".") { safe = "_" + safe.dropFirst() }
        if safe != id || safe.utf8.count > 120 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, stable across runs
            for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            let hex = String(hash, radix: 16)
            safe = String(safe.prefix(120)) + "-" + String(repeating: "0", count: 16 - hex.count) + hex
        }
        return safe + ".eml"
    }

    /// The path `send` writes for `message`.
    public func path(for message: MailMessage) -> String {
        (folder as NSString).appendingPathComponent(Self.fileName(forMessageID: message.messageID))
    }

    public func send(_ message: MailMessage, rendered: [UInt8]) throws(MailDeliveryError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .temporary("cannot create the mail folder \(folder): \(error.localizedDescription)")
        }
        let target = path(for: message)
        let temporary = (folder as NSString).appendingPathComponent(
            ".\(Self.fileName(forMessageID: message.messageID)).\(UUID().uuidString).tmp")

        func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> MailDeliveryError {
            .temporary("\(what) \(path): \(String(cString: strerror(code)))")
        }

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        if fd < 0 { throw failure("cannot create", temporary) }
        var written = 0
        var problem: MailDeliveryError? = nil
        rendered.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    problem = failure("cannot write", temporary)
                    return
                }
                written += n
            }
        }
        if problem == nil, fsync(fd) != 0 { problem = failure("cannot sync", temporary) }
        if close(fd) != 0, problem == nil { problem = failure("cannot close", temporary) }
        if problem == nil, rename(temporary, target) != 0 { problem = failure("cannot rename to", target) }
        if let problem {
            unlink(temporary)
            throw problem
        }
        // Make the rename itself durable.
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            let synced = fsync(dir)
            let code = errno
            close(dir)
            if synced != 0 { throw failure("cannot sync the folder", folder, code) }
        }
    }
}
