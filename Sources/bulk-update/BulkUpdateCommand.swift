import ArgumentParser
import BulkUpdate
import Planner

@main
struct BulkUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk-update",
        abstract: "Change many m3ter IntegrationConfigs at once, safely.",
        version: BulkUpdateVersion.current,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, ResumeCommand.self, ReportCommand.self,
            SandboxCommand.self, DemoCommand.self,
        ]
    )

    /// Tunes the allocator for large inputs, then parses and runs the command (as
    /// `AsyncParsableCommand.main()` does).
    static func main() async {
        AllocatorTuning.apply()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
