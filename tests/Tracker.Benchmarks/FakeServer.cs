using System.Globalization;
using System.Text.Json;
using Tracker.Testing;

namespace Tracker.Benchmarks;

/// <summary>What the fakes saw since the last <c>log</c> command, per source.</summary>
public sealed record RequestLog(int Requests, int Distinct)
{
    public int Duplicates => Requests - Distinct;
}

/// <summary>
/// The <c>serve</c> verb: the three fakes with the scaled ecosystem, in their own process so that their memory and
/// their JSON building stay out of the measured process. A line protocol on stdin/stdout:
/// <c>READY {urls, minimum}</c> once started, then <c>log</c> (request counts since the last <c>log</c>, and
/// duplicates among them), <c>grow</c> (new children for 1% of the bases, as a next day brings) and <c>quit</c>.
/// </summary>
public static class FakeServer
{
    public const string Ready = "READY ";
    public const string Ok = "OK ";

    public static async Task<int> RunAsync(int scale, int seed)
    {
        var ecosystem = ScaledEcosystem.Generate(scale, seed);
        await using var hf = await FakeHuggingFaceHub.StartAsync(ecosystem.HuggingFace);
        foreach (var (id, children) in ecosystem.Children)
        {
            hf.Children[id] = children;
        }

        hf.PrepareChildren();

        await using var ms = await FakeModelScopeHub.StartAsync(ecosystem.ModelScope);
        await using var gh = await FakeGitHub.StartAsync();
        gh.Add([.. ecosystem.GitHub.Select(r => r.Repo)]);
        gh.Limit = int.MaxValue / 2; // the quota is not under test here: at scale 10 a run makes more than 5,000 requests

        var hello = new Dictionary<string, object>
        {
            ["huggingface"] = hf.Endpoint.AbsoluteUri,
            ["modelscope"] = ms.Endpoint.AbsoluteUri,
            ["github"] = gh.ApiUrl.AbsoluteUri,
            ["minimum"] = ecosystem.MinimumRequests(),
            ["familyModels"] = ecosystem.HuggingFace.Count(m => m.Family is not null),
            ["hfModels"] = ecosystem.HuggingFace.Count,
            ["derivatives"] = ecosystem.Children.Values.Sum(c => c.Count),
            ["bases"] = ecosystem.Children.Count,
            ["msModels"] = ecosystem.ModelScope.Count,
            ["repos"] = ecosystem.GitHub.Count,
        };
        Console.Out.WriteLine(Ready + JsonSerializer.Serialize(hello));
        Console.Out.Flush();

        var random = new Random(seed + 1);
        while (await Console.In.ReadLineAsync() is { } line)
        {
            switch (line.Trim())
            {
                case "log":
                    var hfKeys = hf.Requests.ToList();
                    var msKeys = ms.Requests.Select(r => $"{r.Method} {r.PathAndQuery} {r.Body}").ToList();
                    var ghKeys = gh.Requests.Select(r => $"{r.Method} {r.PathAndQuery}").ToList();
                    hf.ClearRequests();
                    ms.ClearRequests();
                    gh.ClearRequests();
                    var log = new Dictionary<string, RequestLog>
                    {
                        ["huggingface"] = new(hfKeys.Count, hfKeys.Distinct(StringComparer.Ordinal).Count()),
                        ["modelscope"] = new(msKeys.Count, msKeys.Distinct(StringComparer.Ordinal).Count()),
                        ["github"] = new(ghKeys.Count, ghKeys.Distinct(StringComparer.Ordinal).Count()),
                    };
                    Console.Out.WriteLine(Ok + JsonSerializer.Serialize(log));
                    break;
                case var grow when grow.StartsWith("grow ", StringComparison.Ordinal):
                    // New children, created after every known one, for 1% of the bases: one new lineage page each.
                    var at = DateTime.Parse(grow["grow ".Length..], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                    var grown = 0;
                    var added = 0;
                    foreach (var (id, children) in ecosystem.Children.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    {
                        if (random.Next(100) != 0)
                        {
                            continue;
                        }

                        var count = random.Next(1, 50);
                        var name = id.Split('/')[1];
                        var more = Enumerable.Range(0, count)
                            .Select(i => new FakeChild($"newuser/{name}-next-{i}", "finetune", at.AddMinutes(-i - 1), 1, 1, 0)).ToList();
                        hf.Children[id] = [.. children, .. more];
                        grown++;
                        added += count;
                    }

                    hf.PrepareChildren();
                    Console.Out.WriteLine(Ok + JsonSerializer.Serialize(new Dictionary<string, int> { ["bases"] = grown, ["children"] = added }));
                    break;
                case "gc":
                    // The fakes' own garbage collections so far: their pauses stop every answer.
                    Console.Out.WriteLine(Ok + JsonSerializer.Serialize(new Dictionary<string, double>
                    {
                        ["gen0"] = GC.CollectionCount(0),
                        ["gen1"] = GC.CollectionCount(1),
                        ["gen2"] = GC.CollectionCount(2),
                        ["pausedMs"] = GC.GetTotalPauseDuration().TotalMilliseconds,
                    }));
                    break;
                case "quit":
                    Console.Out.WriteLine(Ok + "{}");
                    Console.Out.Flush();
                    return 0;
                default:
                    Console.Out.WriteLine("ERR unknown command: " + line);
                    break;
            }

            Console.Out.Flush();
        }

        return 0;
    }
}
