/// What went wrong on the command line (exit 64) or with its input (exit 66).
public enum CommandError: Error, Equatable, CustomStringConvertible {
    case usage(String)
    case noInput(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .usage(let text), .noInput(let text), .unavailable(let text): text
        }
    }
}

/// The one place that turns any error into the text a user reads and the exit code
/// (`sysexits.h`: 64 usage, 65 bad data, 66 no input, 69 unavailable, 74 I/O, 78 configuration).
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    public static let noInput: Int32 = 66
    public static let unavailable: Int32 = 69
    public static let ioError: Int32 = 74
    public static let configuration: Int32 = 78

    public static func of(_ error: Error) -> (code: Int32, message: String) {
        switch error {
        case let error as CommandError:
            switch error {
            case .usage(let text): return (usage, "error: \(text)\nRun 'backdrop --help' for the commands and their options.")
            case .noInput(let text): return (noInput, "error: \(text)")
            case .unavailable(let text): return (unavailable, "error: \(text)")
            }
        case let error as ConfigurationError: return (configuration, "configuration error: \(error.message)")
        case let error as LoadError: return (dataError, "error: \(error.description)")
        case let error as FormatError: return (dataError, "error: \(error.description)")
        case let error as DatabaseError: return (ioError, "database error: \(error.description)")
        case let error as FileError: return (ioError, "error: \(error.message)")
        default: return (ioError, "error: \(error)")
        }
    }
}
