/// Why `backdrop load` applied nothing: the file's problems, each with its line (exit 65).
public struct LoadError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let problems: [String]

    public var description: String {
        let shown = problems.prefix(20).map { "  \(file) \($0)" }
        var text = "\(file): nothing loaded, \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + shown.joined(separator: "\n")
        if problems.count > shown.count { text += "\n  … and \(problems.count - shown.count) more" }
        return text
    }
}

/// Y/N, Yes/No, true/false, 1/0 in any letter case.
public enum YesNo {
    public static func parse(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "y", "yes", "true", "1": return true
        case "n", "no", "false", "0": return false
        default: return nil
        }
    }
}
