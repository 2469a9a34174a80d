using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Tracker.Core.Data;
using Tracker.Core.Digests;
using Tracker.DigestBenchmarks;
using Tracker.Testing;

// dotnet run -c Release --project tests/Tracker.DigestBenchmarks -- [scales, default 2500,5000,10000] [--postgres]
var scales = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal))?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? [2500, 5000, 10000];
var postgres = args.Contains("--postgres");

if (scales.Length > 1)
{
    // Each scale in a fresh process: memory figures then say what one run of that size needs, nothing carried over.
    Console.WriteLine($"database: {(postgres ? "postgres" : "sqlite")}; parallelism {Bench.Parallelism}; SMTP connections {Bench.SmtpConnections}; {Environment.ProcessorCount} cores");
    Console.WriteLine(Bench.Header);
    foreach (var n in scales)
    {
        using var child = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [n.ToString(CultureInfo.InvariantCulture), .. postgres ? new[] { "--postgres" } : [], "--row"])
        {
            RedirectStandardOutput = true,
        })!;
        Console.WriteLine((await child.StandardOutput.ReadToEndAsync()).TrimEnd());
        await child.WaitForExitAsync();
        if (child.ExitCode != 0)
        {
            return child.ExitCode;
        }
    }

    return 0;
}

await using var smtp = new CountingSmtpSink();
await using var hooks = await CountingWebhookSink.StartAsync();
if (!args.Contains("--row"))
{
    Console.WriteLine(Bench.Header);
}

foreach (var n in scales)
{
    // One method per scale: nothing of a smaller scale (hoisted into this loop's state machine) stays alive in the next.
    Console.WriteLine(await RunScaleAsync(n, postgres, smtp, hooks));
}

return 0;

static async Task<string> RunScaleAsync(int n, bool postgres, CountingSmtpSink smtp, CountingWebhookSink hooks)
{
    await using var database = postgres ? await TestDatabase.CreatePostgresAsync() : TestDatabase.CreateSqlite();
    using var host = await CoreHost.StartAsync(database, new Uri("http://127.0.0.1:9/"), settings: new Dictionary<string, string?>
    {
        ["Tracker:Smtp:Host"] = "127.0.0.1",
        ["Tracker:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Tracker:Smtp:Security"] = "None",
        ["Tracker:Smtp:PoolSize"] = Bench.SmtpConnections.ToString(CultureInfo.InvariantCulture),
        ["Tracker:Digests:AllowedWebhookHosts:0"] = "127.0.0.1",
        ["Tracker:Digests:Parallelism"] = Bench.Parallelism.ToString(CultureInfo.InvariantCulture),
        ["Tracker:Digests:PublicBaseUrl"] = "https://tracker.example/",
    });
    var services = host.Services;
    var week = DigestWeek.Of(DateOnly.FromDateTime(DateTime.UtcNow));
    var at = new DateTimeOffset(week.Monday.AddDays(7).ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
    await SeedAsync(services, week, n, hooks.Root);

    // Compose once up front (both languages) so neither side pays for the first build.
    var builder = services.GetRequiredService<DigestBuilder>();
    var families = builder.NormalizeFamilies(null);
    var digests = new Dictionary<string, WeeklyDigest>();
    foreach (var lang in DigestText.Languages)
    {
        digests[lang] = await builder.GetOrBuildAsync(week, lang, families, CancellationToken.None);
    }

    // Tracker: ledger claims, tokens, rendering, sending, marking.
    var (smtpBefore, hooksBefore) = (smtp.Count, hooks.Count);
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    using var sampler = new MemorySampler();
    var sw = Stopwatch.StartNew();
    var result = await services.GetRequiredService<DigestSender>().RunAsync(at, CancellationToken.None);
    sw.Stop();
    var (peakManaged, peakWorkingSet) = sampler.Stop();
    var delivered = smtp.Count - smtpBefore + hooks.Count - hooksBefore;
    if (result.Sent != n || delivered != n)
    {
        throw new InvalidOperationException($"expected {n} deliveries, tracker reported {result.Sent} and the sinks received {delivered}");
    }

    // Baseline: the same messages prepared in advance, sent with MailKit and HttpClient directly (same concurrency).
    var prepared = await PrepareAsync(services, digests);
    var baseline = await SendDirectAsync(prepared, smtp.Port);
    return string.Create(CultureInfo.InvariantCulture,
        $"{n,11} | {sw.Elapsed.TotalSeconds,9:F2} | {n / sw.Elapsed.TotalSeconds,13:F0} | {baseline.TotalSeconds,10:F2} | {n / baseline.TotalSeconds,14:F0} | {baseline.TotalSeconds / sw.Elapsed.TotalSeconds,5:F2} | {peakManaged / 1048576.0,34:F1} | {peakWorkingSet / 1048576.0,19:F1}");
}

static async Task SeedAsync(IServiceProvider services, DigestWeek week, int n, Uri hooks)
{
    var contexts = services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
    await using (var db = await contexts.CreateDbContextAsync())
    {
        var now = DateTime.UtcNow;
        for (var i = 0; i < 40; i++)
        {
            var name = $"Qwen/Model-{i}";
            db.Models.Add(new TrackedModel
            {
                Source = "huggingface",
                RepoId = name,
                RepoKey = name.ToLowerInvariant(),
                Author = "Qwen",
                FamilyId = i % 2 == 0 ? "qwen" : "deepseek",
                CreatedAt = week.Monday.AddDays(i % 7).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                FirstSeenAt = now,
                LastSeenAt = now,
                DownloadsAllTime = 1000 * i,
            });
        }

        await db.SaveChangesAsync();
    }

    string[] channels = [DigestChannels.Json, DigestChannels.Slack, DigestChannels.Feishu, DigestChannels.DingTalk, DigestChannels.WeCom];
    for (var start = 0; start < n; start += 1000)
    {
        await using var db = await contexts.CreateDbContextAsync();
        for (var i = start; i < Math.Min(n, start + 1000); i++)
        {
            var email = i % 2 == 0;
            var channel = email ? DigestChannels.Email : channels[i / 2 % channels.Length];
            var target = email ? $"user{i}@example.org" : new Uri(hooks, $"{channel}/{i}").AbsoluteUri;
            db.Add(new DigestSubscription
            {
                Channel = channel,
                Target = target,
                TargetKey = target.ToLowerInvariant(),
                Families = "qwen,deepseek,hunyuan,ernie",
                Language = i % 3 == 0 ? DigestText.Chinese : DigestText.English,
                TimeZone = i % 4 == 0 ? "Asia/Shanghai" : "UTC",
                Status = SubscriptionStatus.Active,
                CreatedAt = DateTime.UtcNow,
                ConfirmedAt = DateTime.UtcNow,
                Secret = channel is DigestChannels.Json or DigestChannels.Feishu or DigestChannels.DingTalk ? "secret" : null,
            });
        }

        await db.SaveChangesAsync();
    }
}

static async Task<List<(MimeMessage? Mail, Uri? Url, string? Body)>> PrepareAsync(IServiceProvider services, Dictionary<string, WeeklyDigest> digests)
{
    var contexts = services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
    var renderer = services.GetRequiredService<DigestRenderer>();
    var email = services.GetRequiredService<EmailChannel>();
    var tokens = services.GetRequiredService<DigestTokens>();
    var subscriptions = services.GetRequiredService<SubscriptionService>();
    await using var db = await contexts.CreateDbContextAsync();
    var list = new List<(MimeMessage?, Uri?, string?)>();
    foreach (var s in await db.Set<DigestSubscription>().AsNoTracking().OrderBy(s => s.Id).ToListAsync())
    {
        var unsubscribe = subscriptions.UnsubscribeUrl(await tokens.CreateAsync(DigestTokens.Unsubscribe, s.Id, CancellationToken.None));
        var digest = digests[s.Language];
        if (s.Channel == DigestChannels.Email)
        {
            var content = renderer.Email(digest, unsubscribe);
            var message = email.Compose(s.Target, content.Subject, content.Text, content.Html);
            message.Headers.Add("List-Unsubscribe", $"<{unsubscribe.AbsoluteUri}>");
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            list.Add((message, null, null));
        }
        else
        {
            list.Add((null, new Uri(s.Target), DigestRenderer.Serialize(renderer.Webhook(s.Channel, digest, unsubscribe))));
        }
    }

    return list;
}

static async Task<TimeSpan> SendDirectAsync(List<(MimeMessage? Mail, Uri? Url, string? Body)> prepared, int smtpPort)
{
    var mails = new ConcurrentQueue<MimeMessage>(prepared.Where(p => p.Mail is not null).Select(p => p.Mail!));
    var posts = new ConcurrentQueue<(Uri, string)>(prepared.Where(p => p.Url is not null).Select(p => (p.Url!, p.Body!)));
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Bench.Parallelism });
    var sw = Stopwatch.StartNew();
    var smtpWorkers = Enumerable.Range(0, Bench.SmtpConnections).Select(async _ =>
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
        while (mails.TryDequeue(out var m))
        {
            await client.SendAsync(m);
        }

        await client.DisconnectAsync(true);
    });
    var httpWorkers = Enumerable.Range(0, Bench.Parallelism - Bench.SmtpConnections).Select(async _ =>
    {
        while (posts.TryDequeue(out var p))
        {
            using var content = new StringContent(p.Item2, System.Text.Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(p.Item1, content);
            response.EnsureSuccessStatusCode();
        }
    });
    await Task.WhenAll(smtpWorkers.Concat(httpWorkers));
    return sw.Elapsed;
}

/// <summary>
/// Every 250 ms: the live managed heap (after a full collection, so garbage waiting for the GC does not count) and the
/// working set; reports the peaks.
/// </summary>
internal static class Bench
{
    public const int Parallelism = 16;
    public const int SmtpConnections = 4;
    public const string Header = "subscribers | tracker s | tracker msg/s | baseline s | baseline msg/s | ratio | peak live managed MB (tracker run) | peak working set MB";
}

internal sealed class MemorySampler : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _managed;
    private long _workingSet;

    public MemorySampler() => _loop = Task.Run(async () =>
    {
        using var process = Process.GetCurrentProcess();
        while (!_stop.IsCancellationRequested)
        {
            _managed = Math.Max(_managed, GC.GetTotalMemory(forceFullCollection: true));
            process.Refresh();
            _workingSet = Math.Max(_workingSet, process.WorkingSet64);
            await Task.Delay(250);
        }
    });

    public (long Managed, long WorkingSet) Stop()
    {
        _stop.Cancel();
        _loop.Wait();
        return (_managed, _workingSet);
    }

    public void Dispose() => _stop.Dispose();
}
