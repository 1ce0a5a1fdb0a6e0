/// The update rules of CONTRACT.md section 3, for `backdrop load` on a row whose key exists.
extension ReferenceLoader {
    /// An optional cell on update: empty keeps the stored value, `#N/A` clears it.
    enum Cell<T> {
        case keep, clear, set(T)

        func map<U>(_ transform: (T) -> U) -> Cell<U> {
            switch self {
            case .keep: return .keep
            case .clear: return .clear
            case .set(let value): return .set(transform(value))
            }
        }
    }

    func cell<T>(_ text: String, _ parse: (String) throws -> T) rethrows -> Cell<T> {
        if text.isEmpty { return .keep }
        if text.uppercased() == "#N/A" { return .clear }
        return .set(try parse(text))
    }

    /// Sets `column` from a cell, leaving it alone when the cell says keep.
    func apply<T: SQLBindable>(_ cell: Cell<T>, to column: String, cleared: SQLValue = .null,
                                       sets: inout [String], values: inout [any SQLBindable]) {
        switch cell {
        case .keep: return
        case .clear: sets.append("\(column) = ?"); values.append(cleared)
        case .set(let value): sets.append("\(column) = ?"); values.append(value)
        }
    }

    func flag(_ name: String, _ text: String) throws -> Cell<Bool> {
        if text.uppercased() == "#N/A" { throw RecordFailure("\(name) cannot be cleared") }
        return try cell(text) { text in try yesNo(name, text, default: true) }
    }
}
