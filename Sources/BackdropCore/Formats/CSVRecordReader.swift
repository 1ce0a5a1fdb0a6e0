/// A streaming RFC 4180 reader. The delimiter (comma, semicolon or tab) is whichever occurs most
/// in the header line; quoted fields may hold delimiters, doubled quotes and line breaks.
/// Lines end in LF, CRLF or CR. Blank lines, and rows whose cells are all empty (as spreadsheets
/// export them), are skipped. Every record carries the physical line it starts on; every error
/// names its line and column.
public final class CSVRecordReader: RecordReader {
    public private(set) var header: [String] = []
    public private(set) var delimiter: UInt8 = UInt8(ascii: ",")

    private let source: ByteSource
    private var line = 1          // the physical line of the next byte
    private var lineStart = 0     // bytes consumed before the current line began (for columns)
    private var consumed = 0      // bytes consumed in all
    private var field: [UInt8] = []
    private var failed = false

    public init(path: String) throws(FormatError) {
        source = try ByteSource(path: path)
        delimiter = try detectDelimiter()
        guard let first = try readRow() else {
            throw FormatError(line: 1, message: "the file has no header row")
        }
        header = first.values
        if header.allSatisfy({ $0.trimmingWhitespace().isEmpty }) {
            throw FormatError(line: first.line, message: "the header row is empty")
        }
    }

    public func next() throws(FormatError) -> RawRecord? {
        precondition(!failed, "a CSVRecordReader is not used again after it threw")
        do {
            return try readRow()
        } catch {
            failed = true
            throw error
        }
    }

    // MARK: - Parsing

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// Reads one row, skipping blank ones. Nil at the end of the file.
    private func readRow() throws(FormatError) -> RawRecord? {
        while true {
            guard try available() else { return nil }
            let startLine = line
            var values: [String] = []
            values.reserveCapacity(header.count)
            var rowEnded = false
            while !rowEnded {
                let (value, endedRow) = try readField()
                values.append(value)
                rowEnded = endedRow
            }
            if values.allSatisfy({ $0.isEmpty }) { continue }
            return RawRecord(line: startLine, values: values)
        }
    }

    /// Ensures at least one unconsumed byte; false at the end of the file.
    @inline(__always)
    private func available() throws(FormatError) -> Bool {
        if source.position < source.buffer.count { return true }
        return try source.refill() && source.position < source.buffer.count
    }

    @inline(__always)
    private func take() -> UInt8 {
        let byte = source.buffer[source.position]
        source.position += 1
        consumed += 1
        return byte
    }

    @inline(__always)
    private func peek() throws(FormatError) -> UInt8? {
        try available() ? source.buffer[source.position] : nil
    }

    private func newLine() {
        line += 1
        lineStart = consumed
    }

    private var column: Int { consumed - lineStart + 1 }

    /// Reads one field; returns its value and whether it ended the row (line end or file end).
    private func readField() throws(FormatError) -> (String, Bool) {
        field.removeAll(keepingCapacity: true)
        let fieldLine = line
        let fieldColumn = column
        guard try available() else { return ("", true) }
        if source.buffer[source.position] == Self.quote {
            _ = take()
            return try readQuotedField(openedAt: (fieldLine, fieldColumn))
        }
        if let fast = try readUnquotedFieldInBuffer(line: fieldLine, column: fieldColumn) { return fast }
        var nonASCII: UInt8 = 0
        while try available() {
            let byte = take()
            switch byte {
            case delimiter:
                return (try makeString(nonASCII, line: fieldLine, column: fieldColumn), false)
            case Self.lf:
                newLine()
                return (try makeString(nonASCII, line: fieldLine, column: fieldColumn), true)
            case Self.cr:
                if try peek() == Self.lf { _ = take() }
                newLine()
                return (try makeString(nonASCII, line: fieldLine, column: fieldColumn), true)
            case 0:
                throw FormatError(line: line, column: column - 1, message: "the file contains a NUL byte; it is not a text file")
            default:
                nonASCII |= byte
                field.append(byte)
            }
        }
        return (try makeString(nonASCII, line: fieldLine, column: fieldColumn), true)
    }

    /// The usual case, done in one sweep: an unquoted field that ends inside the buffer.
    /// Nil when the field runs past the buffer's end or holds a NUL (the byte-wise path decides).
    private func readUnquotedFieldInBuffer(line fieldLine: Int, column fieldColumn: Int) throws(FormatError) -> (String, Bool)? {
        let start = source.position
        let delimiter = self.delimiter
        let scan: (stop: Int, nonASCII: UInt8, value: String?)? = source.buffer.withUnsafeBufferPointer { bytes in
            var index = start
            var nonASCII: UInt8 = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == delimiter || byte == Self.lf || byte == Self.cr || byte == 0 {
                    guard byte != 0 else { return nil }
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    let value = nonASCII & 0x80 == 0 ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
                    return (index, nonASCII, value)
                }
                nonASCII |= byte
                index += 1
            }
            return nil
        }
        guard let scan else { return nil }
        guard let value = scan.value else {
            throw FormatError(line: fieldLine, column: fieldColumn, message: "the text is not valid \(source.encoding.rawValue)")
        }
        let ending = source.buffer[scan.stop]
        let length = scan.stop - start + 1
        source.position += length
        consumed += length
        switch ending {
        case delimiter:
            return (value, false)
        case Self.cr:
            if try peek() == Self.lf { _ = take() }
            newLine()
            return (value, true)
        default:
            newLine()
            return (value, true)
        }
    }

    private func readQuotedField(openedAt start: (line: Int, column: Int)) throws(FormatError) -> (String, Bool) {
        var nonASCII: UInt8 = 0
        while true {
            guard try available() else {
                throw FormatError(line: start.line, column: start.column,
                                  message: "a quoted field is never closed: the quote that opens here runs to the end of the file")
            }
            let byte = take()
            switch byte {
            case Self.quote:
                guard let following = try peek() else {
                    return (try makeString(nonASCII, line: start.line, column: start.column), true)
                }
                if following == Self.quote {
                    _ = take()
                    field.append(Self.quote)
                    continue
                }
                _ = take()
                switch following {
                case delimiter:
                    return (try makeString(nonASCII, line: start.line, column: start.column), false)
                case Self.lf:
                    newLine()
                    return (try makeString(nonASCII, line: start.line, column: start.column), true)
                case Self.cr:
                    if try peek() == Self.lf { _ = take() }
                    newLine()
                    return (try makeString(nonASCII, line: start.line, column: start.column), true)
                default:
                    throw FormatError(line: line, column: column - 1,
                                      message: "unexpected \(describe(following)) after the closing quote of a field; a quote inside a quoted field is written twice (\"\")")
                }
            case Self.lf:
                newLine()
                field.append(byte)
            case Self.cr:
                if try peek() != Self.lf { newLine() }
                field.append(byte)
            case 0:
                throw FormatError(line: line, column: column - 1, message: "the file contains a NUL byte; it is not a text file")
            default:
                nonASCII |= byte
                field.append(byte)
            }
        }
    }

    private func makeString(_ nonASCII: UInt8, line: Int, column: Int) throws(FormatError) -> String {
        if nonASCII & 0x80 == 0 { return String(decoding: field, as: UTF8.self) }
        guard let text = String(validating: field, as: UTF8.self) else {
            throw FormatError(line: line, column: column, message: "the text is not valid \(source.encoding.rawValue)")
        }
        return text
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "character '\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02X", byte)
    }

    /// The delimiter that occurs most often, outside quotes, in the first line.
    private func detectDelimiter() throws(FormatError) -> UInt8 {
        let candidates = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")]
        while true {
            var counts = [0, 0, 0]
            var inQuotes = false
            var foundEnd = false
            for byte in source.buffer[source.position...] {
                if byte == Self.quote {
                    inQuotes.toggle()
                } else if !inQuotes && (byte == Self.lf || byte == Self.cr) {
                    foundEnd = true
                    break
                } else if !inQuotes, let slot = candidates.firstIndex(of: byte) {
                    counts[slot] += 1
                }
            }
            var more = false
            if !foundEnd { more = try source.refill() }
            if !more {
                let best = counts.indices.max { counts[$0] < counts[$1] || (counts[$0] == counts[$1] && $0 > $1) }!
                return counts[best] > 0 ? candidates[best] : candidates[0]
            }
        }
    }
}
