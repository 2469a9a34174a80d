namespace Tracker.Core.Data;

/// <summary>
/// Tracker keeps every instant in UTC, and PostgreSQL's <c>timestamptz</c> takes nothing else: the one rule for a
/// <see cref="DateTime"/> on its way to the database, shared by the EF model and the collection's own SQL.
/// </summary>
internal static class UtcTime
{
    /// <summary>A UTC time as is, a local one converted, an unspecified one taken as UTC.</summary>
    public static DateTime Of(DateTime t) => t.Kind switch
    {
        DateTimeKind.Utc => t,
        DateTimeKind.Local => t.ToUniversalTime(),
        _ => DateTime.SpecifyKind(t, DateTimeKind.Utc),
    };
}
