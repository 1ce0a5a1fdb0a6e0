import CLibXML2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads records from an XML file with libxml2's streaming reader (`xmlTextReader`).
///
/// The layout is one root element holding one element per record; each child element of a
/// record is a field whose text is the value. The header is the field names in order of first
/// appearance and grows as records reveal new names.
///
/// Security: the parser runs with `XML_PARSE_NONET` and never with entity substitution or DTD
/// loading. A DOCTYPE is refused outright: first by a scan of the prolog before libxml2 sees any
/// byte of it, and again if the reader ever reports a document type node. Without a DTD, any
/// entity reference other than the five predefined ones is a well-formedness error.
///
/// libxml2 writes nothing to stderr: errors go to a structured handler (per reader, plus the
/// thread's handlers for the duration of each call into libxml2), and the first one becomes a
/// `FormatError` with libxml2's line, column and message.
public final class XMLRecordReader: RecordReader {
    /// Why a file with a DOCTYPE internal subset is refused.
    static let doctypeRefusal = "a DOCTYPE with declarations ([…]) is not allowed: Backdrop loads no DTD and expands no entity"
    public private(set) var header: [String] = []

    private let state: XMLReaderState
    private let reader: xmlTextReaderPtr

    /// Column per field name.
    private var columnByName: [String: Int] = [:]
    /// Column per element-name pointer. libxml2 interns element names in the parser's dictionary,
    /// so one name is one pointer for the life of the reader; the hit is still checked with
    /// strcmp against the column's own copy of the name, so a cache miss is only ever slower.
    private var columnByNamePointer: [UnsafeRawPointer: Int] = [:]
    /// NUL-terminated copy of each header name, for that check; freed in deinit.
    private var cNames: [UnsafeMutablePointer<CChar>] = []
    /// Per column, the serial number of the last record that held the field (finds duplicates).
    private var lastRecordWithColumn: [Int] = []
    private var recordSerial = 0

    private enum Level { case beforeRoot, inRoot, inRecord, inField, afterRoot }
    private var level = Level.beforeRoot
    /// Line of the last text node delivered: the line of the '<' that ended it. Used for a
    /// record's line where libxml2 2.9 caps element line numbers at 65535.
    private var lastTextLine = 0
    private var failure: FormatError?
    private var finished = false

    /// Opens `path`. Throws when the file cannot be opened or read, is empty, does not start like
    /// XML, or declares a DOCTYPE.
    public convenience init(path: String) throws(FormatError) {
        try self.init(path: path, header: [])
    }

    /// Opens `path` with columns already known (for example from an earlier pass over the same
    /// file): values are placed in that order, and names not in it are appended as they appear.
    public init(path: String, header knownHeader: [String]) throws(FormatError) {
        // Idempotent and guarded by libxml2's own init lock, so readers may first be created on
        // several threads at once.
        xmlInitParser()
        let state = try XMLReaderState(path: path)
        try state.checkProlog()
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_COMPACT.rawValue)
        let context = Unmanaged.passUnretained(state).toOpaque()
        let saved = state.divertThreadErrorHandlers()
        defer { saved.restore() }
        // The reader pulls bytes through `state` and never opens anything by itself; no URL is
        // given, so there is no base against which anything could be resolved.
        guard let reader = xmlReaderForIO(
            { context, buffer, length in
                guard let context, let buffer else { return -1 }
                return Unmanaged<XMLReaderState>.fromOpaque(context).takeUnretainedValue()
                    .read(into: buffer, capacity: Int(length))
            },
            nil, context, nil, nil, options)
        else {
            throw FormatError(line: 0, message: "cannot read \(path): libxml2 could not create a reader")
        }
        self.state = state
        self.reader = reader
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
            guard let context, let error else { return }
            Unmanaged<XMLReaderState>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
        }, context)
        for name in knownHeader where columnByName[name] == nil { addColumn(name) }
    }

    deinit {
        xmlFreeTextReader(reader)
        for name in cNames { free(name) }
    }

    public func next() throws(FormatError) -> RawRecord? {
        if let failure { throw failure }
        if finished { return nil }
        let saved = state.divertThreadErrorHandlers()
        defer { saved.restore() }
        do throws(FormatError) {
            return try advance()
        } catch {
            failure = error
            throw error
        }
    }

    // MARK: - Walking the document

    private func advance() throws(FormatError) -> RawRecord? {
        var values: [String] = []
        var recordLine = 0
        var field = 0
        while true {
            let status = xmlTextReaderRead(reader)
            // A failed read(2) looks like the end of the file to libxml2; it comes first.
            if let error = state.readFailure ?? state.firstError { throw located(error) }
            if status == 0 {
                finished = true
                return nil
            }
            if status < 0 {
                throw located(FormatError(line: 0, message: state.genericMessage ?? "malformed XML"))
            }
            switch xmlTextReaderNodeType(reader) {
            case NodeType.element:
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                switch level {
                case .beforeRoot:
                    level = isEmpty ? .afterRoot : .inRoot
                case .inRoot:
                    recordLine = currentElementLine()
                    recordSerial += 1
                    values = Array(repeating: "", count: header.count)
                    if isEmpty { return RawRecord(line: recordLine, values: values) }
                    level = .inRecord
                case .inRecord:
                    guard let name = xmlTextReaderConstLocalName(reader) else { continue }
                    field = column(for: name)
                    if lastRecordWithColumn[field] == recordSerial {
                        throw FormatError(
                            line: currentElementLine(),
                            message: "field <\(header[field])> appears twice in the record that starts on line \(recordLine)")
                    }
                    lastRecordWithColumn[field] = recordSerial
                    if field >= values.count {
                        values.append(contentsOf: repeatElement("", count: field + 1 - values.count))
                    }
                    if !isEmpty { level = .inField }
                case .inField:
                    let name = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? "?"
                    throw FormatError(
                        line: currentElementLine(),
                        message: "element <\(name)> is nested inside field <\(header[field])>: a field holds text only")
                case .afterRoot:
                    continue  // libxml2 reports content after the root element itself
                }
            case NodeType.endElement:
                switch level {
                case .inField:
                    level = .inRecord
                case .inRecord:
                    level = .inRoot
                    return RawRecord(line: recordLine, values: values)
                case .inRoot:
                    level = .afterRoot
                case .beforeRoot, .afterRoot:
                    continue
                }
            case NodeType.text, NodeType.cdata, NodeType.whitespace, NodeType.significantWhitespace:
                noteTextLine()
                // Text directly in the root or in a record (not in a field) is ignored.
                guard level == .inField, let text = xmlTextReaderConstValue(reader) else { continue }
                if values[field].isEmpty {
                    values[field] = String(cString: text)
                } else {
                    values[field] += String(cString: text)
                }
            case NodeType.documentType:
                // Allowed only without declarations (no internal subset): nothing to expand.
                if let node = xmlTextReaderCurrentNode(reader), node.pointee.children == nil { continue }
                throw FormatError(line: state.doctypeLine ?? parserLine(), message: XMLReaderState.doctypeRefusal)
            case NodeType.entityReference:
                let name = xmlTextReaderConstName(reader).map { String(cString: $0) } ?? "?"
                throw FormatError(line: lastTextLine > 0 ? lastTextLine : parserLine(), message: "entity reference &\(name); is not allowed")
            default:
                continue  // comments, processing instructions
            }
        }
    }

    /// The line of the current element's start tag. libxml2 2.9 stores element lines in 16 bits
    /// (65535 meaning "this or later"); beyond that the line of the text node just before the
    /// element stands in, which is exact when records are separated by whitespace (the text node
    /// ends at the record's '<').
    private func currentElementLine() -> Int {
        guard let node = xmlTextReaderCurrentNode(reader) else { return lastTextLine }
        let line = Int(node.pointee.line)
        if line > 0 && line < 65535 { return line }
        return max(lastTextLine, line)
    }

    private func noteTextLine() {
        guard let node = xmlTextReaderCurrentNode(reader) else { return }
        let line = Int(node.pointee.line)
        if line == 65535, let big = node.pointee.psvi {
            lastTextLine = Int(bitPattern: big)  // XML_PARSE_BIG_LINES keeps the full line here
        } else if line > 0 {
            lastTextLine = line
        }
    }

    private func parserLine() -> Int { max(1, Int(xmlTextReaderGetParserLineNumber(reader))) }

    /// An error without a line (raised outside the parser, e.g. by the encoding converter) gets
    /// the parser's current line.
    private func located(_ error: FormatError) -> FormatError {
        guard error.line <= 0 else { return error }
        var error = error
        error.line = parserLine()
        return error
    }

    // MARK: - Columns

    private func column(for name: UnsafePointer<xmlChar>) -> Int {
        let key = UnsafeRawPointer(name)
        let cName = key.assumingMemoryBound(to: CChar.self)
        if let column = columnByNamePointer[key], strcmp(cNames[column], cName) == 0 { return column }
        let text = String(cString: name)
        // Field names match as column names do (ignoring case, spaces, underscores and hyphens):
        // <PersonRef> and <person_ref> are one column, named as first written.
        let column = columnByName[Column.normalise(text)] ?? addColumn(text)
        if columnByNamePointer.count >= 4096 { columnByNamePointer.removeAll(keepingCapacity: true) }
        columnByNamePointer[key] = column
        return column
    }

    @discardableResult
    private func addColumn(_ name: String) -> Int {
        let column = header.count
        header.append(name)
        columnByName[Column.normalise(name)] = column
        cNames.append(strdup(name))
        lastRecordWithColumn.append(0)
        return column
    }
}

/// libxml2's reader node types (`xmlReaderTypes`) as `xmlTextReaderNodeType` returns them.
private enum NodeType {
    static let element = Int32(XML_READER_TYPE_ELEMENT.rawValue)
    static let text = Int32(XML_READER_TYPE_TEXT.rawValue)
    static let cdata = Int32(XML_READER_TYPE_CDATA.rawValue)
    static let entityReference = Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue)
    static let documentType = Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue)
    static let whitespace = Int32(XML_READER_TYPE_WHITESPACE.rawValue)
    static let significantWhitespace = Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue)
    static let endElement = Int32(XML_READER_TYPE_END_ELEMENT.rawValue)
}

/// The file and the error state, shared with libxml2's callbacks through their context pointer
/// (C callbacks cannot capture). Owned by one `XMLRecordReader`, which outlives its C reader.
private final class XMLReaderState {
    private let fd: Int32
    private let path: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var atEndOfFile = false

    /// The first error libxml2 reported (warnings are ignored).
    private(set) var firstError: FormatError?
    /// A failed read(2); reported to libxml2 as the end of the file so that it prints nothing.
    private(set) var readFailure: FormatError?
    /// Where the prolog scan saw `<!DOCTYPE`, if it did.
    private(set) var doctypeLine: Int?

    private static let bufferSize = 64 * 1024
    static var doctypeRefusal: String { XMLRecordReader.doctypeRefusal }

    init(path: String) throws(FormatError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw FormatError(line: 0, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw FormatError(line: 0, message: "cannot read \(path): it is a directory")
        }
        self.fd = fd
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    // MARK: Input

    /// Refills the buffer when it is empty. Returns false at the end of the file or on failure.
    private func fill() -> Bool {
        guard start == end else { return true }
        guard !atEndOfFile else { return false }
        start = 0
        end = 0
        while true {
            let count = systemRead(fd, buffer.baseAddress!, buffer.count)
            if count > 0 {
                end = count
                return true
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                readFailure = FormatError(line: 0, message: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            atEndOfFile = true
            return false
        }
    }

    /// libxml2's read callback. Hands over as much as libxml2 asks for, cut after the last line
    /// break in it, so a chunk never ends inside a line. (Records that end in the same chunk as
    /// a later error are not returned before the error is thrown; Backdrop applies nothing from
    /// a malformed file, so only the error and its line matter.)
    func read(into destination: UnsafeMutablePointer<CChar>, capacity: Int) -> Int32 {
        guard capacity > 0, fill() else { return 0 }
        var count = min(capacity, end - start)
        var last = start + count - 1
        while last >= start && buffer[last] != 0x0A { last -= 1 }
        if last >= start { count = last - start + 1 }
        UnsafeMutableRawPointer(destination).copyMemory(from: buffer.baseAddress! + start, byteCount: count)
        start += count
        return Int32(count)
    }

    // MARK: Prolog

    /// Reads the start of the file and scans its prolog (BOM, XML declaration, comments,
    /// processing instructions) up to the root element, before libxml2 sees any of it. Refuses
    /// an empty file, a file that does not start with markup, and a DOCTYPE. Scans only what the
    /// first buffer holds; a longer prolog is left to libxml2 and the DOCTYPE node check.
    func checkProlog() throws(FormatError) {
        while !atEndOfFile && end < buffer.count {
            let count = systemRead(fd, buffer.baseAddress! + end, buffer.count - end)
            if count > 0 {
                end += count
            } else if count == 0 {
                atEndOfFile = true
            } else if errno != EINTR {
                throw FormatError(line: 0, message: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
        }
        if end == 0 { throw FormatError(line: 1, message: "the file is empty: an XML file needs a root element") }
        let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: end)
        let text = Self.asciiProjection(bytes)

        var index = 0
        var line = 1
        var lineStart = 0
        func hasPrefix(_ prefix: String) -> Bool {
            var at = index
            for byte in prefix.utf8 {
                guard at < text.count, text[at] == byte else { return false }
                at += 1
            }
            return true
        }
        /// Moves past `terminator`, counting lines; false when it is not in the buffer.
        func skip(past terminator: String) -> Bool {
            while index < text.count {
                if hasPrefix(terminator) {
                    index += terminator.utf8.count
                    return true
                }
                if text[index] == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = index + 1
                }
                index += 1
            }
            return false
        }
        while true {
            while index < text.count, [0x20, 0x09, 0x0D, 0x0A].contains(text[index]) {
                if text[index] == 0x0A {
                    line += 1
                    lineStart = index + 1
                }
                index += 1
            }
            guard index < text.count else { return }  // only whitespace so far: libxml2 decides
            guard text[index] == UInt8(ascii: "<") else {
                throw FormatError(
                    line: line, column: index - lineStart + 1,
                    message: "not an XML file: expected '<' where the document should start")
            }
            if hasPrefix("<?") {
                guard skip(past: "?>") else { return }
            } else if hasPrefix("<!--") {
                guard skip(past: "-->") else { return }
            } else if hasPrefix("<!DOCTYPE") {
                // A DOCTYPE that only names its document (and maybe an external DTD, which is
                // never loaded) is harmless and skipped. One with an internal subset, where
                // entities are declared, is refused.
                doctypeLine = line
                let column = index - lineStart + 1
                var quote: UInt8?
                var closed = false
                while index < text.count {
                    let byte = text[index]
                    index += 1
                    if let open = quote {
                        if byte == open { quote = nil }
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else if byte == UInt8(ascii: "[") {
                        throw FormatError(line: line, column: column, message: Self.doctypeRefusal)
                    } else if byte == UInt8(ascii: ">") {
                        closed = true
                        break
                    } else if byte == UInt8(ascii: "\n") {
                        line += 1
                        lineStart = index
                    }
                }
                guard closed else { throw FormatError(line: line, column: column, message: Self.doctypeRefusal) }
            } else {
                return  // the root element (or something libxml2 will report)
            }
        }
    }

    /// The bytes as ASCII, one entry per code unit: UTF-16 (with a BOM, or starting "<?" without
    /// one) is narrowed to its low bytes, a UTF-8 BOM is dropped. Non-ASCII units become 0x80.
    private static func asciiProjection(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let n = bytes.count
        func at(_ i: Int) -> UInt8 { i < n ? bytes[i] : 0xFF }
        if at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF { return Array(bytes[3...]) }
        let littleEndian: Bool
        let skip: Int
        if at(0) == 0xFF && at(1) == 0xFE { (littleEndian, skip) = (true, 2) }
        else if at(0) == 0xFE && at(1) == 0xFF { (littleEndian, skip) = (false, 2) }
        else if at(0) == 0x3C && at(1) == 0x00 && at(2) == 0x3F && at(3) == 0x00 { (littleEndian, skip) = (true, 0) }
        else if at(0) == 0x00 && at(1) == 0x3C && at(2) == 0x00 && at(3) == 0x3F { (littleEndian, skip) = (false, 0) }
        else { return Array(bytes) }
        var result: [UInt8] = []
        result.reserveCapacity((n - skip) / 2)
        var i = skip
        while i + 1 < n {
            let (low, high) = littleEndian ? (bytes[i], bytes[i + 1]) : (bytes[i + 1], bytes[i])
            result.append(high == 0 && low < 0x80 ? low : 0x80)
            i += 2
        }
        return result
    }

    // MARK: Errors

    /// Keeps the first error (level error or fatal) libxml2 reports.
    func record(_ error: xmlError) {
        guard firstError == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        firstError = FormatError(
            line: Int(error.line),
            column: error.int2 > 0 ? Int(error.int2) : nil,
            message: Self.message(error.message))
    }

    /// The first message from libxml2's generic (printf-style) channel, kept only to explain a
    /// failure that brought no structured error. Only the format text is read, not the arguments.
    private(set) var genericMessage: String?

    func recordGeneric(_ format: UnsafePointer<CChar>?) {
        guard genericMessage == nil, let format else { return }
        genericMessage = Self.message(format)
    }

    /// libxml2's message on one line, trimmed ("…UTF-8, indicate encoding !\nBytes: 0xFF …").
    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "malformed XML" }
        let words = String(cString: text).split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters() }
            .filter { !$0.isEmpty }
        return words.isEmpty ? "malformed XML" : words.joined(separator: " ")
    }

    /// Points this thread's libxml2 error handlers at this state until the returned function is
    /// called. A few errors (the encoding converter's, for one) are raised without a parser
    /// context and would otherwise be printed to stderr. libxml2 keeps these handlers per thread,
    /// and the diversion lasts for one synchronous call only.
    func divertThreadErrorHandlers() -> SavedErrorHandlers {
        let saved = SavedErrorHandlers()
        let context = Unmanaged.passUnretained(self).toOpaque()
        xmlSetStructuredErrorFunc(context) { context, error in
            guard let context, let error else { return }
            Unmanaged<XMLReaderState>.fromOpaque(context).takeUnretainedValue().record(error.pointee)
        }
        // The generic handler is variadic in C; a handler that reads only the two fixed arguments
        // is safe to call through that type on the platforms Swift supports.
        let genericHandler: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void = { context, format in
            guard let context else { return }
            Unmanaged<XMLReaderState>.fromOpaque(context).takeUnretainedValue().recordGeneric(format)
        }
        xmlSetGenericErrorFunc(context, unsafeBitCast(genericHandler, to: OpaquePointer.self))
        return saved
    }
}

/// This thread's libxml2 error handlers as they were before a diversion.
private struct SavedErrorHandlers {
    private let structured = __xmlStructuredError()
    private let structuredContext = __xmlStructuredErrorContext()
    private let generic = __xmlGenericError()
    private let genericContext = __xmlGenericErrorContext()
    private let values: (xmlStructuredErrorFunc?, UnsafeMutableRawPointer?, xmlGenericErrorFunc?, UnsafeMutableRawPointer?)

    init() {
        values = (structured?.pointee, structuredContext?.pointee, generic?.pointee, genericContext?.pointee)
    }

    func restore() {
        structured?.pointee = values.0
        structuredContext?.pointee = values.1
        generic?.pointee = values.2
        genericContext?.pointee = values.3
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

private extension Substring {
    func trimmingCharacters() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
