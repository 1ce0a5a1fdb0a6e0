/// The field rules the role operations share, each failing with a reason naming the value.
enum RoleValues {
    /// Whether an update cell asks to clear its field (`#N/A`, in any letter case).
    static func isClear(_ text: String) -> Bool { text.uppercased() == "#N/A" }

    /// The longest DueWithinDays accepted: 100 years.
    static let maxDueWithinDays = 36_500

    /// Y/N, Yes/No, true/false or 1/0 in any letter case; nil when empty.
    static func flag(_ name: String, _ text: String) throws -> Bool? {
        guard !text.isEmpty else { return nil }
        guard let flag = YesNo.parse(text) else {
            throw RecordFailure("\(name) \(text) is not Y/N, Yes/No, true/false or 1/0")
        }
        return flag
    }

    /// A whole number of days, 0 or more; nil when empty.
    static func dueWithinDays(_ text: String) throws -> Int? {
        guard !text.isEmpty else { return nil }
        guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let days = Int(text) else {
            throw RecordFailure("DueWithinDays \(text) is not a whole number of 0 or more")
        }
        guard days <= maxDueWithinDays else {
            throw RecordFailure("DueWithinDays \(text) is more than \(maxDueWithinDays) (100 years)")
        }
        return days
    }

    /// The items of a `;`-separated list, trimmed, without empty ones or repeats, in order.
    static func list(_ text: String) -> [String] {
        var seen = Set<String>()
        return text.split(separator: ";").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
