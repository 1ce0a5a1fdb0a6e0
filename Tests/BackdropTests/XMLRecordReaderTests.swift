import Testing
import Foundation
@testable import BackdropCore

/// What reading a whole file gave: the records read, then the error that stopped it, if any.
private struct Outcome {
    var records: [RawRecord] = []
    var header: [String] = []
    var error: FormatError?
}

private func read(_ path: String, header: [String] = []) -> Outcome {
    var outcome = Outcome()
    do throws(FormatError) {
        let reader = try XMLRecordReader(path: path, header: header)
        while let record = try reader.next() { outcome.records.append(record) }
        outcome.header = reader.header
    } catch {
        outcome.error = error
    }
    return outcome
}

@Suite struct XMLRecordReaderTests {
    // MARK: Normal files

    @Test func readsRecordsInHeaderOrderWithLines() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("people.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <people>
              <person id="1">
                <PersonRef>P1</PersonRef>
                <Name>Smith &amp; Sons</Name>
              </person>
              <person><Name><![CDATA[<b>bold</b> & co]]></Name><PersonRef>P2</PersonRef></person>
              <!-- a comment between records -->
              <person>
                stray text directly in the record is ignored
                <Course kind="x"> FIRE-101 </Course>
                <PersonRef>P3</PersonRef>
              </person>
            </people>

            """)
        let outcome = read(path)
        #expect(outcome.error == nil)
        #expect(outcome.header == ["PersonRef", "Name", "Course"])
        #expect(outcome.records == [
            RawRecord(line: 3, values: ["P1", "Smith & Sons"]),
            RawRecord(line: 7, values: ["P2", "<b>bold</b> & co"]),
            RawRecord(line: 9, values: ["P3", "", " FIRE-101 "]),
        ])
    }

    @Test func headerGrowsAsRecordsRevealFields() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("grow.xml", "<r>\n<x><a>1</a></x>\n<x><b>2</b></x>\n<x/>\n<x><b/><a></a></x>\n</r>")
        let reader = try XMLRecordReader(path: path)
        #expect(reader.header == [])
        #expect(try reader.next() == RawRecord(line: 2, values: ["1"]))
        #expect(reader.header == ["a"])
        #expect(try reader.next() == RawRecord(line: 3, values: ["", "2"]))
        #expect(reader.header == ["a", "b"])
        #expect(try reader.next() == RawRecord(line: 4, values: ["", ""]))
        #expect(try reader.next() == RawRecord(line: 5, values: ["", ""]))
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test func knownHeaderFixesTheColumnOrder() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("known.xml", "<r><x><a>1</a><c>3</c><b>2</b></x></r>")
        let outcome = read(path, header: ["b", "a"])
        #expect(outcome.error == nil)
        #expect(outcome.header == ["b", "a", "c"])
        #expect(outcome.records == [RawRecord(line: 1, values: ["2", "1", "3"])])
    }

    @Test(arguments: [
        ("a &amp; b", "a & b"),
        ("&lt;&gt;&quot;&apos;", "<>\"'"),
        ("&#233;&#x41;", "éA"),
        ("<![CDATA[<x> & &amp;]]>", "<x> & &amp;"),
        ("x<![CDATA[y]]>z", "xyz"),
        ("  spaced  ", "  spaced  "),
        ("   ", "   "),
        ("", ""),
        ("a<!-- note -->b<?pi x?>c", "abc"),
        ("line 1\nline 2", "line 1\nline 2"),
        ("Zoë – ünïcode 漢字", "Zoë – ünïcode 漢字"),
    ])
    func decodesFieldText(field: String, expected: String) throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("f.xml", "<r><x><v>\(field)</v></x></r>")
        let outcome = read(path)
        #expect(outcome.error == nil)
        #expect(outcome.records == [RawRecord(line: 1, values: [expected])])
    }

    @Test func declaredAndUTF16EncodingsAreDecoded() throws {
        let dir = try TemporaryFolder()
        let latin1 = try dir.write("latin1.xml", Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r><x><v>caf\u{E9}</v></x></r>".data(using: .isoLatin1)!))
        let utf16 = try dir.write("utf16.xml", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<r>\n<x><v>café</v></x></r>".data(using: .utf16)!)
        let bom8 = try dir.write("bom8.xml", Data([0xEF, 0xBB, 0xBF]) + Data("<r><x><v>café</v></x></r>".utf8))
        #expect(read(latin1).records == [RawRecord(line: 2, values: ["café"])])
        #expect(read(utf16).records == [RawRecord(line: 3, values: ["café"])])
        #expect(read(bom8).records == [RawRecord(line: 1, values: ["café"])])
    }

    @Test(arguments: ["<r/>", "<r></r>", "<?xml version=\"1.0\"?>\n<!-- nothing -->\n<r>\n  \n</r>\n"])
    func emptyRootHasNoRecords(document: String) throws {
        let dir = try TemporaryFolder()
        let outcome = read(try dir.write("empty.xml", document))
        #expect(outcome.error == nil)
        #expect(outcome.records.isEmpty)
        #expect(outcome.header.isEmpty)
    }

    // MARK: Unusable files

    @Test func missingFileOrDirectoryThrows() throws {
        let dir = try TemporaryFolder()
        let missing = read(dir.path("nope.xml")).error
        #expect(missing?.line == 0)
        #expect(missing?.message.contains("No such file") == true)
        #expect(missing?.message.contains("nope.xml") == true)
        let directory = read(dir.url.path).error
        #expect(directory?.line == 0)
        #expect(directory?.message.contains("directory") == true)
    }

    @Test(arguments: [
        ("csv", "PersonRef,Name\nP1,Alice\n", 1, 0),
        ("json", "{\"a\": 1}", 1, 0),
        ("empty file", "", 1, 0),
        ("whitespace only", "  \n\n", 3, 0),
        ("text after the root", "<r>\n<x/>\n</r>\njunk", 4, 1),
        ("second root", "<r></r>\n<r></r>", 2, 0),
        ("mismatched tag", "<r>\n<x><a>1</a></x>\n<x><a>2</b></x></r>", 3, 1),
        ("unclosed attribute", "<r>\n<x a=\"1><a>2</a></x></r>", 2, 0),
        ("undefined entity", "<r>\n<x><a>1</a></x>\n<x><a>&nbsp;</a></x></r>", 3, 1),
        ("bare ampersand", "<r>\n<x><a>1</a></x>\n<x><a>a & b</a></x></r>", 3, 1),
        ("NUL byte", "<r>\n<x><a>1</a></x>\n<x><a>a\u{0}b</a></x></r>", 3, 1),
        ("field nested in field", "<r>\n<x><a>1</a></x>\n<x><a><b>2</b></a></x></r>", 3, 1),
        ("field twice", "<r>\n<x><a>1</a></x>\n<x><a>2</a><a>3</a></x></r>", 3, 1),
        ("undeclared prefix", "<r>\n<x><a>1</a></x>\n<x><p:a>2</p:a></x></r>", 3, 1),
    ])
    func malformedFilesThrowWithTheLine(name: String, document: String, line: Int, recordsBefore: Int) throws {
        let dir = try TemporaryFolder()
        let outcome = read(try dir.write("bad.xml", document))
        let error = try #require(outcome.error, "\(name) was accepted")
        #expect(error.line == line, "\(name): \(error)")
        #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(name): \(error)")
        // At most the records before the error (those in the error's chunk may not come out).
        #expect(outcome.records.count <= recordsBefore, "\(name)")
    }

    @Test func invalidUTF8IsAnError() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("bad.xml", Data("<r>\n<x><a>ok</a></x>\n<x><a>".utf8) + Data([0xC3, 0x28, 0xFF]) + Data("</a></x></r>".utf8))
        let error = try #require(read(path).error)
        #expect(error.line == 3)
        #expect(error.column != nil)
        #expect(error.message.contains("UTF-8"))
    }

    @Test func readerKeepsThrowingTheSameError() throws {
        let dir = try TemporaryFolder()
        let reader = try XMLRecordReader(path: try dir.write("bad.xml", "<r>\n<x><a>1</a></x>\n<x><a>2</b></x></r>"))
        #expect(try reader.next()?.values == ["1"])
        let first = #expect(throws: FormatError.self) { try reader.next() }
        let second = #expect(throws: FormatError.self) { try reader.next() }
        #expect(first == second)
    }

    /// 50,000 records over 100,000 lines (past libxml2's 16-bit element line numbers), then a
    /// problem at the very end: every record before it is read with its line, then next() throws.
    @Test(arguments: [
        ("missing root end tag", "", 100_002, 50_000),
        ("mismatched tag in the last record", "  <rec>\n    <a>last</b></rec>\n</root>\n", 100_004, 50_000),
    ])
    func malformedEndOfALargeFile(name: String, tail: String, errorLine: Int, goodRecords: Int) throws {
        let dir = try TemporaryFolder()
        var text = "<?xml version=\"1.0\"?>\n<root>\n"
        for i in 0..<50_000 { text += "  <rec>\n    <a>\(i)</a><b>x &amp; y</b></rec>\n" }
        text += tail
        let outcome = read(try dir.write("big.xml", text))
        // The records before the error come out in order with their lines (those in the same
        // chunk as the error may not), then the error.
        #expect(outcome.records.count <= goodRecords && outcome.records.count > goodRecords - 1000, "\(name): \(outcome.records.count)")
        let wrongLines = outcome.records.enumerated().filter { $1.line != 3 + 2 * $0 }
        #expect(wrongLines.isEmpty, "\(name): first wrong line \(String(describing: wrongLines.first))")
        let error = try #require(outcome.error, "\(name) was accepted")
        #expect(error.line == errorLine, "\(name): \(error)")
    }

    /// The same with one record per line, the bad record on the line after the last good one.
    @Test func malformedLastRecordOfAOneLinePerRecordFile() throws {
        let dir = try TemporaryFolder()
        var text = "<root>\n"
        for i in 0..<70_000 { text += "<rec><a>\(i)</a><b>x</b></rec>\n" }
        text += "<rec><a>bad</b></rec>\n</root>\n"
        let outcome = read(try dir.write("big.xml", text))
        #expect(outcome.records.count <= 70_000 && outcome.records.count > 69_000)
        #expect(outcome.records.enumerated().allSatisfy { $1.line == $0 + 2 })
        #expect(outcome.error?.line == 70_002)
        #expect(outcome.error?.message.contains("mismatch") == true)
    }

    // MARK: Hostile files

    /// With `longProlog`, a comment longer than the reader's first buffer comes first, so that the
    /// DOCTYPE reaches libxml2 and is caught by the document type node check, not the prolog scan.
    private static func prolog(long: Bool) -> String {
        "<?xml version=\"1.0\"?>\n" + (long ? "<!--" + String(repeating: "padding ", count: 10_000) + "-->\n" : "")
    }

    @Test(arguments: [false, true])
    func externalEntityIsNeverRead(longProlog: Bool) throws {
        let dir = try TemporaryFolder()
        let refused = [
            "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r><rec><a>&x;</a></rec></r>\n",
            "<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n<r><rec><a>x</a></rec></r>\n",
            "<!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>\n<r><rec><a>&x;</a></rec></r>\n",
        ]
        for (index, body) in refused.enumerated() {
            let outcome = read(try dir.write("xxe\(index).xml", Self.prolog(long: longProlog) + body))
            let error = try #require(outcome.error, "document #\(index) was accepted")
            #expect(!error.description.contains("root:"), "document #\(index): \(error)")
            #expect(!outcome.records.contains { $0.values.contains { $0.contains("root:") } }, "document #\(index)")
            #expect(outcome.records.isEmpty, "document #\(index)")
            if longProlog {
                #expect(error.message == XMLRecordReader.doctypeRefusal || error.message.contains("ntity"), "document #\(index): \(error)")
            } else {
                #expect(error == FormatError(line: 2, column: 1, message: XMLRecordReader.doctypeRefusal))
            }
        }
    }

    /// A DOCTYPE without declarations is read past; its external DTD is never loaded, and an
    /// entity it might declare stays an error rather than being expanded.
    @Test(arguments: [false, true])
    func aDoctypeWithoutDeclarationsIsReadPastAndItsDTDNeverLoaded(longProlog: Bool) throws {
        let dir = try TemporaryFolder()
        let plain = read(try dir.write("plain.xml", Self.prolog(long: longProlog)
            + "<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n<r><rec><a>x</a></rec></r>\n"))
        #expect(plain.error == nil)
        #expect(plain.records.map(\.values) == [["x"]])
        let referenced = read(try dir.write("ref.xml", Self.prolog(long: longProlog)
            + "<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n<r><rec><a>&x;</a></rec></r>\n"))
        let error = try #require(referenced.error)
        #expect(!error.description.contains("root:"))
        #expect(!referenced.records.contains { $0.values.contains { $0.contains("root:") } })
    }

    @Test(arguments: [false, true])
    func billionLaughsIsRejectedQuickly(longProlog: Bool) throws {
        var doctype = "<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        doctype += " <!ENTITY lol1 \"" + String(repeating: "&lol;", count: 10) + "\">\n"
        for level in 2...10 {
            doctype += " <!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n"
        }
        doctype += "]>\n"
        let dir = try TemporaryFolder()
        let path = try dir.write("lol.xml", Self.prolog(long: longProlog) + doctype + "<lolz><r><a>&lol10;</a></r></lolz>\n")
        let started = ContinuousClock.now
        let outcome = read(path)
        #expect(outcome.error != nil)
        #expect(outcome.records.isEmpty)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func nonXMLStartIsReportedWithItsPosition() throws {
        let dir = try TemporaryFolder()
        let error = read(try dir.write("a.csv", "\n  PersonRef,Name\n")).error
        #expect(error?.line == 2)
        #expect(error?.column == 3)
    }

    /// libxml2 must print nothing: its messages become the FormatError. fd 2 is captured for the
    /// duration, and whatever else the process writes there meanwhile is passed on afterwards.
    @Test func libxml2PrintsNothingToStderr() throws {
        let dir = try TemporaryFolder()
        let documents: [Data] = [
            Data("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>\n<r><x><a>".utf8) + Data([0x81, 0xFF, 0x81]) + Data("</a></x></r>".utf8),
            Data("<?xml version=\"1.0\" encoding=\"no-such-encoding\"?>\n<r/>".utf8),
            Data("<r>\n<x><a>".utf8) + Data([0xFF, 0xFE]) + Data("</a></x></r>".utf8),
            Data("<r><x><a>&undefined;</a></x></r>".utf8),
            Data("<r><x></r>".utf8),
            Data("<?xml version=\"1.1\"?><r/>".utf8),
        ]
        let paths = try documents.enumerated().map { try dir.write("e\($0).xml", $1) }
        let captured = dir.path("stderr.txt")
        _ = FileManager.default.createFile(atPath: captured, contents: nil)
        let capture = open(captured, O_WRONLY)
        let savedStderr = dup(2)
        fflush(nil)
        dup2(capture, 2)
        let outcomes = paths.map { read($0) }
        fflush(nil)
        dup2(savedStderr, 2)
        close(savedStderr)
        close(capture)
        let text = try String(contentsOfFile: captured, encoding: .utf8)
        FileHandle.standardError.write(Data(text.utf8))
        for marker in ["error :", "warning :", "xmlParseChunk", "I/O", "encoder"] {
            #expect(!text.contains(marker), "libxml2 wrote to stderr: \(text)")
        }
        #expect(outcomes.dropLast().allSatisfy { $0.error != nil })
        for outcome in outcomes.dropLast() {
            #expect(outcome.error.map { $0.line >= 1 && !$0.message.isEmpty } == true, "\(String(describing: outcome.error))")
        }
        #expect(outcomes.last?.error == nil)  // a version 1.1 document is only a warning
    }

    /// Readers on several threads at once keep their records and errors apart.
    @Test func readersOnSeveralThreadsAtOnce() async throws {
        let dir = try TemporaryFolder()
        var paths: [String] = []
        for file in 0..<8 {
            var text = "<r>\n"
            for i in 0..<2_000 { text += "<x><n>\(file)-\(i)</n></x>\n" }
            if file % 2 == 1 { text += "<x><n>oops</m></x>\n" }
            paths.append(try dir.write("f\(file).xml", text + "</r>\n"))
        }
        let results = await withTaskGroup(of: (Int, Int, Int?, String?).self) { group in
            for (file, path) in paths.enumerated() {
                group.addTask {
                    let outcome = read(path)
                    return (file, outcome.records.count, outcome.error?.line, outcome.records.last?.values.first)
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = ($1.1, $1.2, $1.3) }
        }
        for file in 0..<8 {
            let result = try #require(results[file])
            #expect(result.1 == (file % 2 == 1 ? 2_002 : nil))
            if file % 2 == 0 {
                #expect(result.0 == 2_000)
                #expect(result.2 == "\(file)-1999")
            } else {
                // A reader that failed read only its own records, in order, before failing.
                #expect(result.0 <= 2_000 && result.2?.hasPrefix("\(file)-") != false)
            }
        }
    }

    // MARK: Speed (manual)

    /// `BACKDROP_XML_BENCH=1 swift test -c release --filter XMLRecordReaderTests/speed`
    /// (or BACKDROP_XML_BENCH=/path/to/file.xml to time an existing file).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BACKDROP_XML_BENCH"] != nil))
    func speed() throws {
        let dir = try TemporaryFolder()
        var path = ProcessInfo.processInfo.environment["BACKDROP_XML_BENCH"] ?? ""
        if !FileManager.default.fileExists(atPath: path) {
            var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<people>\n"
            for i in 0..<200_000 {
                text += "  <person>\n    <PersonRef>P\(i)</PersonRef>\n    <Name>Alice &amp; Bob Example \(i)</Name>\n"
                text += "    <CourseCode>FIRE-101</CourseCode>\n    <Completed>2024-01-15</Completed>\n"
                text += "    <Result>Pass</Result>\n    <Notes>Some notes about this record</Notes>\n  </person>\n"
            }
            text += "</people>\n"
            path = try dir.write("speed.xml", text)
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let started = ContinuousClock.now
        let reader = try XMLRecordReader(path: path)
        var count = 0
        var bytes = 0
        while let record = try reader.next() {
            count += 1
            bytes += record.values.count
        }
        let elapsed = ContinuousClock.now - started
        print("XMLRecordReader: \(count) records (\(bytes) values), \(size / 1_000_000) MB in \(elapsed)")
    }
}
