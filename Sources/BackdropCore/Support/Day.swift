import Foundation

/// A calendar date without a time or zone: what CompletedOn, ExpiresOn and LeaveDate hold.
public struct Day: Comparable, Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Day.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD`, exactly.
    public init?(iso text: String) {
        guard let day = DateFormat.iso.parse(text) else { return nil }
        self = day
    }

    /// Today in the machine's time zone.
    public static func today(now: Date = Date()) -> Day {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone.current, from: now)
        return Day(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// `YYYY-MM-DD`, built by hand: this runs once or twice per record.
    public var description: String {
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: 10)
        var y = year
        for i in stride(from: 3, through: 0, by: -1) { bytes[i] = UInt8(ascii: "0") + UInt8(y % 10); y /= 10 }
        bytes[4] = UInt8(ascii: "-")
        bytes[5] = UInt8(ascii: "0") + UInt8(month / 10)
        bytes[6] = UInt8(ascii: "0") + UInt8(month % 10)
        bytes[7] = UInt8(ascii: "-")
        bytes[8] = UInt8(ascii: "0") + UInt8(day / 10)
        bytes[9] = UInt8(ascii: "0") + UInt8(day % 10)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    public init(ordinal: Int) {
        let z = ordinal + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yearOfEra + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)!
    }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }

    /// The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb).
    public func adding(months: Int) -> Day {
        let index = year * 12 + (month - 1) + months
        let y = index / 12, m = index % 12 + 1
        return Day(year: y, month: m, day: min(day, Day.daysIn(month: m, year: y)))!
    }
}

/// A date pattern made of `YYYY`, `MM` and `DD` with one separator, such as `DD/MM/YYYY`.
public struct DateFormat: Sendable, Equatable, CustomStringConvertible {
    enum Part { case year, month, day }
    let parts: [Part]
    let separator: Character
    public let description: String

    public static let iso = DateFormat(pattern: "YYYY-MM-DD")!

    /// `YYYY-MM-DD` read straight from the bytes: the common case, once or twice per record.
    static func parseISO(_ text: String) -> Day? {
        var text = text
        return text.withUTF8 { bytes -> Day? in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for i in range {
                    let digit = Int(bytes[i]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            return Day(year: y, month: m, day: d)
        }
    }

    public init?(pattern: String) {
        let separators = pattern.filter { !$0.isLetter }
        guard let separator = separators.first, separators.allSatisfy({ $0 == separator }) else { return nil }
        let pieces = pattern.split(separator: separator, omittingEmptySubsequences: false)
        var parts: [Part] = []
        for piece in pieces {
            switch piece.uppercased() {
            case "YYYY": parts.append(.year)
            case "MM": parts.append(.month)
            case "DD": parts.append(.day)
            default: return nil
            }
        }
        guard parts.count == 3, Set(parts.map { "\($0)" }).count == 3 else { return nil }
        self.parts = parts
        self.separator = separator
        self.description = pattern.uppercased()
    }

    public func parse(_ text: String) -> Day? {
        if self == .iso { return Self.parseISO(text) }
        let pieces = text.split(separator: separator, omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        var y = 0, m = 0, d = 0
        for (part, piece) in zip(parts, pieces) {
            let width = part == .year ? 4 : 2
            guard piece.count == width, piece.allSatisfy(\.isASCII), let value = Int(piece) else { return nil }
            switch part {
            case .year: y = value
            case .month: m = value
            case .day: d = value
            }
        }
        return Day(year: y, month: m, day: d)
    }
}

/// The date patterns a deployment accepts: ISO always, then the configured alternatives.
public struct DateParser: Sendable {
    public let formats: [DateFormat]

    public init(extra: [DateFormat] = []) {
        formats = [DateFormat.iso] + extra.filter { $0 != .iso }
    }

    public func parse(_ text: String) -> Day? {
        for format in formats { if let day = format.parse(text) { return day } }
        return nil
    }

    /// `YYYY-MM-DD`, or `YYYY-MM-DD or DD/MM/YYYY` — for reasons.
    public var expected: String { formats.map(\.description).joined(separator: " or ") }
}
