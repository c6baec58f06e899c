import ArgumentParser

@main
struct BulkUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk-update",
        abstract: "Change many m3ter IntegrationConfigs at once, safely.",
        subcommands: [ValidateCommand.self, PlanCommand.self, SandboxCommand.self]
    )
}
