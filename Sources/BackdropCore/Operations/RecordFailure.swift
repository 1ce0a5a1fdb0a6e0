/// Why one record was not applied: a short sentence a person can act on, naming the value at fault.
/// It fails that record only; the others go on.
public struct RecordFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
