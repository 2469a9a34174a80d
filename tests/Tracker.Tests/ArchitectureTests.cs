using System.Reflection;
using Tracker.Core.Data;
using Tracker.Jobs;

namespace Tracker.Tests;

/// <summary>The dependency direction: Web → Jobs → Core, and Core knows neither ASP.NET Core nor Hangfire.</summary>
public sealed class ArchitectureTests
{
    private static string[] References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void Core_References_Neither_AspNetCore_Nor_Hangfire()
    {
        var references = References(typeof(TrackerDbContext).Assembly);

        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Hangfire", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Tracker.Jobs", StringComparison.Ordinal) || r.StartsWith("Tracker.Web", StringComparison.Ordinal));
    }

    [Fact]
    public void Jobs_References_Core_But_Not_AspNetCore_Or_Web()
    {
        var references = References(typeof(CollectJob).Assembly);

        Assert.Contains("Tracker.Core", references);
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain("Tracker.Web", references);
    }

    [Fact]
    public void Core_And_Jobs_Are_Libraries()
    {
        Assert.Null(typeof(TrackerDbContext).Assembly.EntryPoint);
        Assert.Null(typeof(CollectJob).Assembly.EntryPoint);
    }
}
