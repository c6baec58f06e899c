/// The tool's version, written into journals, plans' run directories and reports.
public enum BulkUpdateVersion {
    public static let current = "0.1.0"
}
