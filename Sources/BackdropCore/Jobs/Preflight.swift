/// The check of a whole file before any record is applied: it must be readable, correctly
/// encoded and quoted (or well-formed XML), and have every required column. It counts the
/// records and names the columns the operation ignores.
public struct Preflight {
    public struct Result {
        public let header: [String]
        public let map: ColumnMap
        public let total: Int
    }

    public static func check(path: String, name: String, columns: [Column]) throws(FormatError) -> Result {
        let reader = try RecordFiles.open(path: path, name: name)
        var total = 0
        var map: ColumnMap?
        if !RecordFiles.isXML(name) {
            map = try ColumnMap(header: reader.header, columns: columns)
        }
        while try reader.next() != nil { total += 1 }
        let header = reader.header
        let finalMap: ColumnMap
        if let map { finalMap = map } else { finalMap = try ColumnMap(header: header, columns: columns) }
        if total == 0 {
            throw FormatError(line: 1, message: RecordFiles.isXML(name) ? "the file holds no records" : "the file has a header but no records")
        }
        return Result(header: header, map: finalMap, total: total)
    }
}
