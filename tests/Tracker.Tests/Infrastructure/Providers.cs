using Tracker.Core.Data;

namespace Tracker.Tests.Infrastructure;

public static class Providers
{
    /// <summary>Data tests run on both: a SQLite file and a real PostgreSQL server.</summary>
    public static TheoryData<string> Both => new() { DatabaseProviders.Sqlite, DatabaseProviders.Postgres };
}

/// <summary>A test that reads ../shared/sources/samples, skipped with a notice when this checkout has no shared/ beside it.</summary>
public sealed class SamplesFactAttribute : FactAttribute
{
    public SamplesFactAttribute()
    {
        if (Tracker.Testing.Repository.Samples is null)
        {
            Skip = "../shared/sources/samples is not beside this checkout; recorded-sample tests skipped.";
        }
    }
}

/// <summary>A test that reads ../shared/context, skipped with a notice when this checkout has no shared/ beside it.</summary>
public sealed class ContextFactAttribute : FactAttribute
{
    public ContextFactAttribute()
    {
        if (Tracker.Testing.Repository.Context is null)
        {
            Skip = "../shared/context is not beside this checkout; the test against the article's own files is skipped.";
        }
    }
}
