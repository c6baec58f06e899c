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

    /// Tunes the allocator for large inputs, then parses and runs the command (argument
    /// parser's own `main`).
    static func main() async {
        AllocatorTuning.apply()
        await main(nil)
    }
}
