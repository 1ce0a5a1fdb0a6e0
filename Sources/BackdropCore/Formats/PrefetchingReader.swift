import Foundation

/// Reads records on a thread of its own, a block ahead of the consumer, so that parsing a file
/// and applying its records use both cores. Memory stays bounded: at most `depth` blocks of
/// `blockSize` records wait. The wrapped reader is used only by the background thread from the
/// moment this is created; the header is taken once, up front or after the last record.
public final class PrefetchingReader: RecordReader {
    private final class Shared: @unchecked Sendable {
        let lock = NSCondition()
        var blocks: [[RawRecord]] = []
        var finished = false
        var failure: FormatError?
        var cancelled = false
        var header: [String] = []
    }

    private let shared = Shared()
    private var current: [RawRecord] = []
    private var index = 0
    private var done = false

    public init(_ reader: any RecordReader, blockSize: Int = 2048, depth: Int = 8) {
        let shared = self.shared
        shared.header = reader.header
        let box = UncheckedBox(reader)
        let thread = Thread {
            let reader = box.value
            var block: [RawRecord] = []
            block.reserveCapacity(blockSize)
            func hand(_ records: [RawRecord]) -> Bool {
                shared.lock.lock()
                defer { shared.lock.unlock() }
                while shared.blocks.count >= depth && !shared.cancelled { shared.lock.wait() }
                if shared.cancelled { return false }
                shared.blocks.append(records)
                shared.lock.broadcast()
                return true
            }
            do {
                while let record = try reader.next() {
                    block.append(record)
                    if block.count == blockSize {
                        guard hand(block) else { return }
                        block.removeAll(keepingCapacity: true)
                    }
                }
                if !block.isEmpty { guard hand(block) else { return } }
                shared.lock.lock()
                shared.header = reader.header
                shared.finished = true
            } catch {
                shared.lock.lock()
                shared.failure = (error as? FormatError) ?? FormatError(line: 0, message: "\(error)")
                shared.finished = true
            }
            shared.lock.broadcast()
            shared.lock.unlock()
        }
        thread.name = "record reader"
        thread.start()
    }

    deinit {
        shared.lock.lock()
        shared.cancelled = true
        shared.lock.broadcast()
        shared.lock.unlock()
    }

    public var header: [String] {
        shared.lock.lock()
        defer { shared.lock.unlock() }
        return shared.header
    }

    public func next() throws(FormatError) -> RawRecord? {
        if index < current.count {
            index += 1
            return current[index - 1]
        }
        if done { return nil }
        shared.lock.lock()
        while shared.blocks.isEmpty && !shared.finished { shared.lock.wait() }
        if shared.blocks.isEmpty {
            let failure = shared.failure
            shared.lock.unlock()
            done = true
            if let failure { throw failure }
            return nil
        }
        current = shared.blocks.removeFirst()
        shared.lock.broadcast()
        shared.lock.unlock()
        index = 1
        return current[0]
    }
}
