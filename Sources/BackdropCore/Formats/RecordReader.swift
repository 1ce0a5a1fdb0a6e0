/// One record as read from a file, before any operation looks at it.
public struct RawRecord: Sendable, Equatable {
    /// The physical line on which the record starts; the CSV header is line 1.
    /// For XML, the line of the record's start tag.
    public var line: Int
    /// The values in header order. A CSV row may have more or fewer values than the header
    /// (the operation then fails that record alone); an XML record has one value per header
    /// column known when it was read, "" where the element was absent.
    public var values: [String]

    public init(line: Int, values: [String]) {
        self.line = line
        self.values = values
    }
}

/// A stream of records from one file. CSV and XML both feed this, so the rest of Backdrop never
/// knows which format a file was in. Memory does not grow with the file.
public protocol RecordReader: AnyObject {
    /// The columns as written in the file, in file order. For CSV this is the header row,
    /// known once the reader is created; for XML it grows as records reveal new field names.
    var header: [String] { get }
    /// The next record, nil at the end of the file. Throws when the file as a whole is unusable
    /// (encoding, quoting, malformed XML); once it has thrown, the reader must not be used again.
    func next() throws(FormatError) -> RawRecord?
}

/// A problem that makes a whole file unusable: nothing in it is applied.
public struct FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int?
    public var message: String

    public init(line: Int, column: Int? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line 12, column 5: unterminated quoted field`
    public var description: String {
        if let column { return "line \(line), column \(column): \(message)" }
        return "line \(line): \(message)"
    }
}
