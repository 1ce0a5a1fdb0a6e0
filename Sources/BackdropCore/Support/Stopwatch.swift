import Foundation

/// Measures the time between laps, for the log ("checked 1,000,000 records in 1.21 s").
struct Stopwatch {
    private var last = DispatchTime.now()

    mutating func lap() -> String {
        let now = DispatchTime.now()
        let seconds = Double(now.uptimeNanoseconds - last.uptimeNanoseconds) / 1e9
        last = now
        return String(format: "%.2f s", seconds)
    }
}
