namespace CloudController.Cli;

public enum OutputFormat
{
    /// <summary>Tables and progress bars for people.</summary>
    Table,
    /// <summary>One JSON document per result (one per line while watching) for scripts.</summary>
    Json,
    /// <summary>A list's table as CSV (RFC 4180): its columns as the header, a line per row, for spreadsheets.</summary>
    Csv,
}
