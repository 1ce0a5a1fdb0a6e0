import CCrypto
import Foundation

/// The SHA-256 of a file, read in chunks, as lowercase hex (OpenSSL's libcrypto does the work).
public enum SHA256 {
    public static func hex(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError("cannot open \(path) to hash it") }
        defer { try? handle.close() }
        guard let context = EVP_MD_CTX_new() else { throw FileError("cannot hash \(path): out of memory") }
        defer { EVP_MD_CTX_free(context) }
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        while true {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
