/// Opens the right reader for a file by its extension: `.xml` → XML, anything else → CSV.
public enum RecordFiles {
    public static func isXML(_ name: String) -> Bool { name.lowercased().hasSuffix(".xml") }

    /// `header` is the header found by an earlier pass over the same file (XML only: it keeps
    /// the columns of every record in the same order from the first record on).
    public static func open(path: String, name: String, header: [String]? = nil) throws(FormatError) -> any RecordReader {
        if isXML(name) {
            return try XMLRecordReader(path: path, header: header ?? [])
        }
        return try CSVRecordReader(path: path)
    }
}
