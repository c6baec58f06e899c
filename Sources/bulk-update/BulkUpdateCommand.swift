import ArgumentParser
import BulkUpdate

@main
struct BulkUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk-update",
        abstract: "Change many m3ter IntegrationConfigs at once, safely.",
        version: BulkUpdateVersion.current,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ExportCommand.self, ApproveCommand.self, ApplyCommand.self,
            ResumeCommand.self,
            ReportCommand.self,
            RethrottleCommand.self,
            SandboxCommand.self, DemoCommand.self,
        ]
    )
}
