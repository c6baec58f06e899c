import Foundation

/// Facts about the terminal and the user's output preferences.
enum Terminal {
    /// Whether stderr is a terminal (progress line updates in place only then).
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether stdin is a terminal (a confirmation prompt can only be answered then).
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }

    /// Colour is used only on a terminal and when `NO_COLOR` is unset (https://no-color.org).
    static var useColor: Bool {
        stderrIsTTY && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }

    /// Writes `text` to stderr as is.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes one line to stderr.
    static func errorLine(_ text: String) {
        error(text + "\n")
    }

    /// Asks a yes/no question on stderr and reads the answer from stdin.
    static func confirm(_ question: String) -> Bool {
        error("\(question) [y/N] ")
        guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }
}
