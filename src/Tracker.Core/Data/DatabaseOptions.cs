namespace Tracker.Core.Data;

public sealed class DatabaseOptions
{
    public const string SectionName = "Tracker:Database";

    /// <summary><c>sqlite</c> (default, a file under the content root) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = DatabaseProviders.Sqlite;

    /// <summary>Apply migrations at start-up. On by default: the single-process SQLite install needs nothing else.</summary>
    public bool MigrateOnStartup { get; set; } = true;
}

public static class DatabaseProviders
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
}
