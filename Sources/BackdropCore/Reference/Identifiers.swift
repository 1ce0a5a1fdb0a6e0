/// `TR-0000042`: a training record's reference, made from its row id.
public enum TrainingRecordRef {
    public static func format(_ id: Int64) -> String {
        let digits = String(id)
        return "TR-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
    }

    public static func parse(_ text: String) -> Int64? {
        let upper = text.uppercased()
        guard upper.hasPrefix("TR-") else { return nil }
        let digits = upper.dropFirst(3)
        guard digits.count == 7, digits.allSatisfy(\.isASCII), let value = Int64(digits), value > 0 else { return nil }
        return value
    }
}

/// Org unit paths such as `UK/North/Leeds`.
public enum OrgUnitPath {
    /// Trims spaces around segments and drops leading or trailing slashes.
    public static func normalise(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            .joined(separator: "/").trimmingCharacters(in: ["/"])
    }

    public static func isValid(_ path: String) -> Bool {
        !path.isEmpty && !path.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty }
    }
}

/// User names become folder names under the inbox, so they are kept to a safe alphabet.
public enum UserName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name != "." && name != ".." && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_@".unicodeScalars.contains($0)) }
    }
}
