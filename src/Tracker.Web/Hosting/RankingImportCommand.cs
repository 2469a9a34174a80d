using System.Globalization;
using Tracker.Core.Claims;
using Tracker.Core.Data;

namespace Tracker.Web.Hosting;

/// <summary>
/// <c>dotnet run --project src/Tracker.Web -- import-ranking ranking.csv --date 2025-10-15</c>: imports an archived ranking
/// (CSV: rank,model[,score]) for that day and re-measures the claims. Exit code 0 on success, 2 on bad input.
/// </summary>
internal static class RankingImportCommand
{
    private const string Verb = "import-ranking";

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    /// <summary>The arguments left for the host's configuration: the verb, the file and --date are the command's.</summary>
    public static string[] HostArguments(string[] args)
    {
        if (!IsRequested(args))
        {
            return args;
        }

        var rest = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--date")
            {
                i++;
            }
            else if (i > 1 || args[i].StartsWith("--", StringComparison.Ordinal))
            {
                rest.Add(args[i]);
            }
        }

        return [.. rest];
    }

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var file = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : null;
        var dateIndex = Array.IndexOf(args, "--date");
        var dateText = dateIndex > 0 && dateIndex + 1 < args.Length ? args[dateIndex + 1] : null;
        if (file is null || !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            await Console.Error.WriteLineAsync("usage: import-ranking <file.csv> --date YYYY-MM-DD   (CSV header: rank,model[,score])");
            return 2;
        }

        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"import-ranking: no such file '{file}'");
            return 2;
        }

        try
        {
            var database = app.Services.GetRequiredService<DatabaseOptions>();
            if (database.MigrateOnStartup)
            {
                await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
            }

            using var reader = new StreamReader(file);
            var rows = await app.Services.GetRequiredService<RankingImporter>().ImportAsync(reader, day, Path.GetFileName(file), CancellationToken.None);
            await app.Services.GetRequiredService<ClaimsMeasurer>().MeasureAllAsync(CancellationToken.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {rows} ranking rows for {day:yyyy-MM-dd}; claims re-measured"));
            return 0;
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"import-ranking: {file}: {e.Message}");
            return 2;
        }
    }
}
