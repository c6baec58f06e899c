/// The local m3ter IntegrationConfig API emulator (built in its own issue).
public enum SandboxPlaceholder {}
