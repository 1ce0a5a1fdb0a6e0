// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Backdrop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "backdrop", targets: ["backdrop"]),
        .library(name: "BackdropCore", targets: ["BackdropCore"]),
    ],
    targets: [
        // Thin system-library targets: the C libraries Debian ships, found through pkg-config.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // curl_easy_setopt is variadic: one typed C function per value kind.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(
            name: "BackdropCore",
            dependencies: ["CSQLite", "CLibXML2", "CCurl", "CCurlShim", "CCrypto"],
            // Dynamic exclusivity checks cost about 5% on the per-record path; the static
            // checks still run, and debug builds (the tests) keep the dynamic ones.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(name: "backdrop", dependencies: ["BackdropCore"]),
        .testTarget(name: "BackdropTests", dependencies: ["BackdropCore", "backdrop"]),
    ],
    swiftLanguageModes: [.v6]
)
