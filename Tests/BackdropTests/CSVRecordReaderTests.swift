import Foundation
import Testing
@testable import BackdropCore

/// Where the shared conformance files live, relative to this file: ../shared beside the checkout.
let sharedFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared")

private func readAll(_ path: String) throws -> (header: [String], records: [RawRecord]) {
    let reader = try CSVRecordReader(path: path)
    var records: [RawRecord] = []
    while let record = try reader.next() { records.append(record) }
    return (reader.header, records)
}

@Suite struct CSVRecordReaderTests {
    static let spectrum = sharedFolder.appendingPathComponent("conformance/csv-spectrum")
    static let spectrumNames: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: spectrum.appendingPathComponent("csvs").path)) ?? []
        return files.filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) }.sorted()
    }()

    @Test func theConformanceSuiteIsThere() {
        #expect(Self.spectrumNames.count >= 10)
    }

    @Test(arguments: spectrumNames)
    func csvSpectrum(_ name: String) throws {
        let csv = Self.spectrum.appendingPathComponent("csvs/\(name).csv").path
        let json = try Data(contentsOf: Self.spectrum.appendingPathComponent("json/\(name).json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: String]])
        if expected.isEmpty {
            // A header-only or empty file: no records (an empty file has no header at all).
            if let reader = try? CSVRecordReader(path: csv) { #expect(try reader.next() == nil) }
            return
        }
        let (header, records) = try readAll(csv)
        let actual = records.map { Dictionary(uniqueKeysWithValues: zip(header, $0.values)) }
        #expect(actual == expected)
    }

    @Test func lineNumbersArePhysicalLinesWhereTheRecordStarts() throws {
        let dir = try TemporaryFolder()
        let path = try dir.write("a.csv", "a,b\r\n1,\"two\r\nlines\"\r\n\r\n3,4\r\n")
        let (_, records) = try readAll(path)
        #expect(records.map(\.line) == [2, 5])
        #expect(records[0].values == ["1", "two\r\nlines"])
    }

    @Test(arguments: [
        ("comma", "A,B,C\n1,2,3\n"),
        ("semicolon", "A;B;C\n1;2;3\n"),
        ("tab", "A\tB\tC\n1\t2\t3\n"),
        ("semicolon with commas in quotes", "\"A,x\";B;C\n1;2;3\n"),
        ("UTF-8 BOM", "\u{FEFF}A,B,C\n1,2,3\n"),
        ("CR line ends", "A,B,C\r1,2,3\r"),
    ])
    func delimitersAndBOM(_ name: String, _ text: String) throws {
        let dir = try TemporaryFolder()
        let (header, records) = try readAll(try dir.write("x.csv", text))
        #expect(header.count == 3)
        #expect(header[1] == "B")
        #expect(records.map(\.values) == [["1", "2", "3"]])
    }

    @Test(arguments: [true, false])
    func utf16WithBOM(_ littleEndian: Bool) throws {
        let dir = try TemporaryFolder()
        let text = "Name,Town\r\nZoë,Zürich 😀\r\n"
        var data = Data(littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF])
        data.append(text.data(using: littleEndian ? .utf16LittleEndian : .utf16BigEndian)!)
        let (header, records) = try readAll(try dir.write("x.csv", data))
        #expect(header == ["Name", "Town"])
        #expect(records.map(\.values) == [["Zoë", "Zürich 😀"]])
    }

    @Test(arguments: [
        ("an unclosed quote on the last line", "a,b\n1,2\n3,\"four\n", FormatError(line: 3, column: 3, message: "a quoted field is never closed: the quote that opens here runs to the end of the file")),
        ("text after a closing quote", "a,b\n1,\"2\"x\n", FormatError(line: 2, column: 6, message: "unexpected character 'x' after the closing quote of a field; a quote inside a quoted field is written twice (\"\")")),
        ("invalid UTF-8", "a,b\n1,caf\u{E9}\n", FormatError(line: 2, column: 3, message: "the text is not valid UTF-8")),
        ("a NUL byte", "a,b\n1,x\u{0}y\n", FormatError(line: 2, column: 4, message: "the file contains a NUL byte; it is not a text file")),
    ])
    func wholeFileProblemsNameTheLineAndColumn(_ name: String, _ text: String, _ expected: FormatError) throws {
        let dir = try TemporaryFolder()
        // Latin-1 bytes for the invalid UTF-8 case; UTF-8 for the rest.
        let data = name == "invalid UTF-8" ? text.data(using: .isoLatin1)! : Data(text.utf8)
        let path = try dir.write("x.csv", data)
        #expect(throws: expected) { _ = try readAll(path) }
    }

    @Test func rowsOfTheWrongWidthAreReadAsTheyAre() throws {
        let dir = try TemporaryFolder()
        let (_, records) = try readAll(try dir.write("x.csv", "a,b,c\n1,2\n1,2,3,4\n,,\n"))
        #expect(records.map(\.values.count) == [2, 4])
    }

    @Test func aFileLargerThanOneChunkStreams() throws {
        let dir = try TemporaryFolder()
        var text = "id,comment\n"
        for i in 1...40_000 { text += "\(i),\"a, \"\"quoted\"\"\nvalue \(i)\"\n" }
        let (_, records) = try readAll(try dir.write("x.csv", text))
        #expect(records.count == 40_000)
        #expect(records.last?.line == 2 + 39_999 * 2)
        #expect(records.last?.values == ["40000", "a, \"quoted\"\nvalue 40000"])
    }
}
