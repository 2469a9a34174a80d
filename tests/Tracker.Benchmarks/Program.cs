using System.Globalization;
using Tracker.Benchmarks;

// The collection benchmark (issue 3, "Benchmark"); see README.md beside this file.
//   dotnet run -c Release --project tests/Tracker.Benchmarks -- [--scale 1] [--scales 1,10] [--provider sqlite|postgres] [--connection "<pg admin>"] [--repeat N] [--json out.json]
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
    public sealed record BenchOptions(bool Serve, bool Store, int Scale, IReadOnlyList<int>? Scales, int Seed, string Provider, string? Connection, string? Json, int? Repeat = null)
    {
        /// <summary>
        /// Pairs measured at a scale unless <c>--repeat</c> says: 15 at scale 1, 7 at 2, 5 from 3 on. A scale-1 phase lasts
        /// under a second, and on a 2-core VM one pair's ratio spreads by ±0.15 around the run's median (0.88–1.73 in one
        /// run): the median of five such pairs moved by a tenth from run to run, as much as the differences measured. The
        /// phases at scale 10 last 7–9 s and their pairs spread less.
        /// </summary>
        public int Pairs => Repeat ?? Math.Max(5, 15 / Scale);

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

            return o.Provider is "sqlite" or "postgres" && o.Scale >= 1 && o.Repeat is null or >= 1 ? o : null;
        }
    }
}
