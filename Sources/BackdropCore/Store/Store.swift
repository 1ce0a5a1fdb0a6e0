import Foundation

/// Opens the database of a deployment, creating its folder and bringing the schema up to date.
public enum Store {
    public static func open(_ configuration: Configuration) throws -> Database {
        try FileManager.default.createDirectory(atPath: configuration.state, withIntermediateDirectories: true)
        let db = try Database(path: configuration.databasePath)
        try Schema.migrate(db)
        return db
    }
}
