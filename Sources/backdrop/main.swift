import BackdropCore
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard output from the main thread only.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

func printErr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// `backdrop serve`: the daemon on this thread; SIGTERM and SIGINT ask it to stop gracefully.
func serve(_ configuration: Configuration) throws {
    let daemon = Daemon(configuration: configuration, log: Log())
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    signal(SIGPIPE, SIG_IGN)
    let queue = DispatchQueue(label: "signals")
    let sources = [SIGTERM, SIGINT].map { number -> DispatchSourceSignal in
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler { daemon.requestStop() }
        source.resume()
        return source
    }
    defer { sources.forEach { $0.cancel() } }
    try daemon.run()
}

let command = BackdropCommand(arguments: Array(CommandLine.arguments.dropFirst()), out: printOut, err: printErr)
do {
    exit(try command.run(serve: serve))
} catch {
    let (code, message) = ExitStatus.of(error)
    printErr(message + "\n")
    exit(code)
}
