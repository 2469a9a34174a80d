using System.Globalization;
using Tracker.Benchmarks;

// The collection benchmark (issue 3, "Benchmark"); see README.md beside this file.
//   dotnet run -c Release --project tests/Tracker.Benchmarks -- [--scale 1] [--scales 1,10] [--provider sqlite|postgres] [--connection "<pg admin>"] [--repeat 3] [--json out.json]
//   … -- serve --scale N        (the fakes alone, driven over stdin; the benchmark starts this itself)
//   … -- store --scale N        (the derivative writer alone: the ecosystem's children stored, no fakes)
var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Tracker.Benchmarks [serve|store] [--scale N] [--scales A,B] [--seed N] [--provider sqlite|postgres] [--connection \"<pg admin conn string>\"] [--repeat N] [--json FILE]");
    return 2;
}

if (options.Store)
{
    return await StoreBench.RunAsync(options);
}

if (options.Serve)
{
    return await FakeServer.RunAsync(options.Scale, options.Seed);
}

if (options.Scales is { Count: > 0 } scales)
{
    return await MultiScale.RunAsync(options, scales);
}

var report = await Bench.RunAsync(options);
if (options.Json is { } json)
{
    await File.WriteAllTextAsync(json, System.Text.Json.JsonSerializer.Serialize(report));
}

Console.WriteLine(report.Failures.Count == 0
    ? "All targets hold."
    : "Targets failed:\n  " + string.Join("\n  ", report.Failures));
return report.Failures.Count == 0 ? 0 : 1;

namespace Tracker.Benchmarks
{
    public sealed record BenchOptions(bool Serve, bool Store, int Scale, IReadOnlyList<int>? Scales, int Seed, string Provider, string? Connection, string? Json, int Repeat = 3)
    {
        public static BenchOptions? Parse(string[] args)
        {
            var o = new BenchOptions(false, false, 1, null, 7, "sqlite", null, null);
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                try
                {
                    o = args[i] switch
                    {
                        "serve" => o with { Serve = true },
                        "store" => o with { Store = true },
                        "--scale" => o with { Scale = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--scales" => o with { Scales = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] },
                        "--seed" => o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        "--provider" => o with { Provider = Next() },
                        "--connection" => o with { Connection = Next() },
                        "--json" => o with { Json = Next() },
                        "--repeat" => o with { Repeat = int.Parse(Next(), CultureInfo.InvariantCulture) },
                        _ => throw new ArgumentException("unknown argument " + args[i]),
                    };
                }
                catch (Exception e) when (e is ArgumentException or FormatException)
                {
                    Console.Error.WriteLine(e.Message);
                    return null;
                }
            }

            return o.Provider is "sqlite" or "postgres" && o.Scale >= 1 && o.Repeat >= 1 ? o : null;
        }
    }
}
