namespace CloudController.Cli;

public enum OutputFormat
{
    /// <summary>Tables and progress bars for people.</summary>
    Table,
    /// <summary>One JSON document per result (one per line while watching) for scripts.</summary>
    Json,
}
