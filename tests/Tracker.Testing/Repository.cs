namespace Tracker.Testing;

/// <summary>Where things are: the repository root (with Tracker.sln) and the shared/ folder beside it.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>../shared/sources/samples, or null when this checkout has no shared/ beside it.</summary>
    public static string? Samples
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "sources", "samples"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>../shared/context (the article and published figures), or null when this checkout has no shared/ beside it.</summary>
    public static string? Context
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "context"));
            return Directory.Exists(path) ? path : null;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tracker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tracker.sln not found above " + AppContext.BaseDirectory);
    }
}
