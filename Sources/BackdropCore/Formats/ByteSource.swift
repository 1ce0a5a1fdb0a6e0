import Foundation

/// Reads a file in large chunks and hands out UTF-8 bytes: a UTF-8 byte order mark is dropped,
/// UTF-16 with a byte order mark (either endianness) is transcoded on the fly. Memory stays at
/// one chunk whatever the file's size.
final class ByteSource {
    enum Encoding: String { case utf8 = "UTF-8", utf16LE = "UTF-16LE", utf16BE = "UTF-16BE" }

    static let chunkSize = 1 << 18

    private let handle: FileHandle
    private(set) var encoding: Encoding = .utf8
    /// UTF-8 bytes not yet consumed are `buffer[position..<buffer.count]`.
    var buffer: [UInt8] = []
    var position = 0
    private var atEnd = false
    // UTF-16 state carried across chunks.
    private var pendingByte: UInt8?
    private var pendingHighSurrogate: UInt16?
    private var newlinesTranscoded = 1

    init(path: String) throws(FormatError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FormatError(line: 0, message: "cannot open the file for reading")
        }
        self.handle = handle
        var head = try readRaw()
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            head.removeFirst(3)
        } else if head.starts(with: [0xFF, 0xFE]) {
            encoding = .utf16LE
            head.removeFirst(2)
        } else if head.starts(with: [0xFE, 0xFF]) {
            encoding = .utf16BE
            head.removeFirst(2)
        }
        buffer = try decode(head, final: head.isEmpty)
    }

    deinit { try? handle.close() }

    /// Makes more bytes available after the unconsumed ones. False at the end of the file.
    func refill() throws(FormatError) -> Bool {
        if atEnd { return false }
        let raw = try readRaw()
        let decoded = try decode(raw, final: raw.isEmpty)
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        buffer.append(contentsOf: decoded)
        return !decoded.isEmpty || !atEnd
    }

    private func readRaw() throws(FormatError) -> [UInt8] {
        let data: Data?
        do {
            data = try handle.read(upToCount: Self.chunkSize)
        } catch {
            throw FormatError(line: newlinesTranscoded, message: "cannot read the file: \(error.localizedDescription)")
        }
        guard let data, !data.isEmpty else {
            atEnd = true
            return []
        }
        return [UInt8](data)
    }

    private func decode(_ raw: [UInt8], final: Bool) throws(FormatError) -> [UInt8] {
        switch encoding {
        case .utf8: return raw
        case .utf16LE, .utf16BE: return try transcodeUTF16(raw, final: final)
        }
    }

    private func transcodeUTF16(_ raw: [UInt8], final: Bool) throws(FormatError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        var bytes = raw
        if let pendingByte {
            bytes.insert(pendingByte, at: 0)
            self.pendingByte = nil
        }
        while index + 1 < bytes.count {
            let unit = encoding == .utf16LE
                ? UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
                : UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
            index += 2
            var scalarValue: UInt32
            if let high = pendingHighSurrogate {
                guard (0xDC00...0xDFFF).contains(unit) else { throw invalidUTF16() }
                scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
                pendingHighSurrogate = nil
            } else if (0xD800...0xDBFF).contains(unit) {
                pendingHighSurrogate = unit
                continue
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw invalidUTF16()
            } else {
                scalarValue = UInt32(unit)
            }
            if scalarValue == 0x0A { newlinesTranscoded += 1 }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw invalidUTF16() }
            out.append(contentsOf: UTF8.encode(scalar)!)
        }
        if index < bytes.count { pendingByte = bytes[index] }
        if final && (pendingByte != nil || pendingHighSurrogate != nil) { throw invalidUTF16() }
        return out
    }

    private func invalidUTF16() -> FormatError {
        FormatError(line: newlinesTranscoded, message: "the file is not valid \(encoding.rawValue) (it starts with a UTF-16 byte order mark)")
    }
}
