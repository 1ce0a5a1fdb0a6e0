/// The field rules that creating and updating training records share, each failing with a
/// reason that names the value at fault.
public struct TrainingValues {
    public enum Result: String, CaseIterable, Sendable {
        case passed = "Passed", failed = "Failed", attended = "Attended"
        public var meetsNeed: Bool { self != .failed }
    }

    let dates: DateParser
    let today: Day

    public func date(_ name: String, _ text: String) throws -> Day {
        guard let day = dates.parse(text) else {
            throw RecordFailure("\(name) \(text) is not a date (\(dates.expected))")
        }
        return day
    }

    /// A completion date: a date, not in the future.
    public func completedOn(_ text: String) throws -> Day {
        let day = try date("CompletedOn", text)
        if day > today { throw RecordFailure("CompletedOn \(text) is in the future") }
        return day
    }

    /// An expiry date, if given: a date not before the completion date.
    public func expiresOn(_ text: String, completed: Day, completedText: String) throws -> Day? {
        guard !text.isEmpty else { return nil }
        let day = try date("ExpiresOn", text)
        if day < completed { throw RecordFailure("ExpiresOn \(text) is before CompletedOn \(completedText)") }
        return day
    }

    /// Passed, Failed or Attended in any letter case; nil when empty.
    public func result(_ text: String) throws -> Result? {
        guard !text.isEmpty else { return nil }
        let lower = text.lowercased()
        guard let result = Result.allCases.first(where: { $0.rawValue.lowercased() == lower }) else {
            throw RecordFailure("Result \(text) is not one of Passed, Failed, Attended")
        }
        return result
    }

    /// A number of hours, at least 0; nil when empty.
    public func hours(_ text: String) throws -> Double? {
        guard !text.isEmpty else { return nil }
        guard let hours = Double(text), hours.isFinite, hours >= 0 else {
            throw RecordFailure("Hours \(text) is not a number of 0 or more")
        }
        return hours
    }
}
