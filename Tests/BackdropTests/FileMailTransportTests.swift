import Testing
import Foundation
@testable import BackdropCore

@Suite struct FileMailTransportTests {
    @Test func writesOneEmlAtomicallyAndIdempotently() throws {
        let dir = try TemporaryFolder()
        let folder = dir.path("outbox/mail")  // created on demand
        let transport = FileMailTransport(folder: folder)
        let message = try MailMessageTests.sample()

        try transport.send(message, rendered: message.rendered())
        var names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names == ["3f2a9c1e-0b7d-4c55-9a51-1f0e2d3c4b5a@example.org.eml"], "one file, no temporary left")

        let second = message.rendered()  // a new boundary: different octets, same message
        try transport.send(message, rendered: second)
        names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(names.count == 1)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: transport.path(for: message)))
        #expect([UInt8](onDisk) == second, "the resend replaced the file")

        let parsed = try MailTestTools.parse(file: transport.path(for: message), in: dir)
        #expect(parsed.messageId == "<\(message.messageID)>")
        #expect(parsed.text.map(normalise) == normalise(message.text))
    }

    @Test func differentMessagesGetDifferentFiles() throws {
        let dir = try TemporaryFolder()
        let transport = FileMailTransport(folder: dir.path("mail"))
        for id in ["a@example.org", "b@example.org"] {
            let message = try MailMessageTests.sample(messageID: id)
            try transport.send(message, rendered: message.rendered())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("mail")).sorted() == ["a@example.org.eml", "b@example.org.eml"])
    }

    @Test func fileNamesAreSafeAndDistinct() {
        let traversal = FileMailTransport.fileName(forMessageID: "../../etc/passwd")
        #expect(!traversal.contains("/"))
        #expect(!traversal.hasPrefix("."))
        #expect(traversal.hasSuffix(".eml"))
        let a = FileMailTransport.fileName(forMessageID: "x/y@example.org")
        let b = FileMailTransport.fileName(forMessageID: "x_y@example.org")
        #expect(a != b)
        #expect(b == "x_y@example.org.eml")
        let long = FileMailTransport.fileName(forMessageID: String(repeating: "a", count: 500) + "@example.org")
        #expect(long.utf8.count < 160)
        #expect(FileMailTransport.fileName(forMessageID: "") != FileMailTransport.fileName(forMessageID: "<>"))
    }

    @Test func unwritableFolderIsATemporaryFailure() throws {
        let dir = try TemporaryFolder()
        try dir.write("blocker", "not a folder")
        let transport = FileMailTransport(folder: dir.path("blocker/mail"))
        let message = try MailMessageTests.sample()
        #expect(throws: MailDeliveryError.self) { try transport.send(message, rendered: message.rendered()) }
        do {
            try transport.send(message, rendered: message.rendered())
        } catch {
            #expect(error.isTemporary)
        }
    }
}
