/// A column an operation reads, by its canonical name.
public struct Column: Sendable, Hashable {
    public let name: String
    public let required: Bool

    public init(_ name: String, required: Bool = false) {
        self.name = name
        self.required = required
    }

    /// Column names match ignoring letter case, spaces, underscores and hyphens.
    public static func normalise(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0 != " " && $0 != "_" && $0 != "-" && $0 != "\u{FEFF}" }
            .map(Character.init))
            .trimmingWhitespace()
    }
}

/// Where each of an operation's columns sits in a file's header.
public struct ColumnMap: Sendable {
    public let columns: [Column]
    /// For each of `columns`, its index in the header, or nil when the file lacks it.
    private let slots: [Int?]
    /// Header names that no column of the operation claims, as written in the file.
    public let ignored: [String]
    public let headerCount: Int

    /// Maps a header; throws when a required column is missing or a column appears twice.
    public init(header: [String], columns: [Column], line: Int = 1) throws(FormatError) {
        self.columns = columns
        headerCount = header.count
        let wanted = Dictionary(uniqueKeysWithValues: columns.enumerated().map { (Column.normalise($1.name), $0) })
        var slots = [Int?](repeating: nil, count: columns.count)
        var ignored: [String] = []
        for (index, name) in header.enumerated() {
            guard let column = wanted[Column.normalise(name)] else {
                if !name.trimmingWhitespace().isEmpty { ignored.append(name) }
                continue
            }
            if slots[column] != nil {
                throw FormatError(line: line, message: "column \(columns[column].name) appears twice in the header")
            }
            slots[column] = index
        }
        let missing = columns.indices.filter { columns[$0].required && slots[$0] == nil }.map { columns[$0].name }
        if !missing.isEmpty {
            let list = missing.joined(separator: ", ")
            throw FormatError(line: line, message: "missing required column\(missing.count > 1 ? "s" : "") \(list) (the header has \(header.map { "\"\($0)\"" }.joined(separator: ", ")))")
        }
        self.slots = slots
        self.ignored = ignored
    }

    /// Whether the file has this column at all.
    public func has(_ column: Int) -> Bool { slots[column] != nil }

    /// The trimmed value of column `column` in this record ("" when absent).
    @inline(__always)
    public func value(_ column: Int, in values: [String]) -> String {
        guard let slot = slots[column], slot < values.count else { return "" }
        return values[slot].trimmingWhitespace()
    }
}
