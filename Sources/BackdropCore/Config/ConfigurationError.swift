/// A setting that is missing, unknown or wrong. The daemon does not start (exit 78).
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
