// libFuzzer entry point for the CSV reader: any bytes either read as records or end in a
// FormatError with a line; nothing crashes, hangs or reads out of bounds.
// Built by scripts/fuzz/run.sh (not part of the package).
import Foundation

private let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("backdrop-fuzz-\(getpid()).csv").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    FileManager.default.createFile(atPath: scratch, contents: Data(bytes: data, count: size))
    do {
        let reader = try CSVRecordReader(path: scratch)
        var previous = 0
        while let record = try reader.next() {
            precondition(record.line > previous, "record lines must increase")
            previous = record.line
        }
    } catch {
        precondition(error.line >= 0, "an error names a line")
    }
    return 0
}
