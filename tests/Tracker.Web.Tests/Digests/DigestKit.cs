using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;
using netDumbster.smtp;
using Tracker.Core.Data;
using Tracker.Core.Digests;

namespace Tracker.Web.Tests.Digests;

/// <summary>An in-process SMTP sink (netDumbster) on a free loopback port; messages read back with MimeKit.</summary>
public sealed class SmtpSink : IDisposable
{
    private readonly SimpleSmtpServer _server;

    public SmtpSink()
    {
        Port = FreePort();
        _server = SimpleSmtpServer.Start(Port);
    }

    public int Port { get; }

    public IReadOnlyList<MimeMessage> Messages =>
        [.. _server.ReceivedEmail.Select(m => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(m.Data))))];

    public IReadOnlyList<MimeMessage> To(string address) =>
        [.. Messages.Where(m => m.To.Mailboxes.Any(x => string.Equals(x.Address, address, StringComparison.OrdinalIgnoreCase)))];

    public async Task<MimeMessage> WaitForAsync(string address, Func<MimeMessage, bool>? match = null, int timeoutSeconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < until)
        {
            if (To(address).FirstOrDefault(m => match?.Invoke(m) ?? true) is { } found)
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no message to {address} within {timeoutSeconds}s");
    }

    public void Dispose() => _server.Dispose();

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

public sealed record ReceivedHook(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A webhook receiver on loopback that records every request; paths under /fail answer 500, /slow waits.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    public Uri Root { get; }
    public ConcurrentQueue<ReceivedHook> Requests { get; } = new();
    public TimeSpan Delay { get; set; }

    public Uri Url(string path) => new(Root, path);

    public IReadOnlyList<ReceivedHook> At(string path) => [.. Requests.Where(r => r.Path == "/" + path.TrimStart('/'))];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var app = Tracker.Testing.FakeHost.CreateBuilder().Build();
        WebhookReceiver? self = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var path = context.Request.Path.Value ?? "/";
            if (self!.Delay > TimeSpan.Zero)
            {
                await Task.Delay(self.Delay);
            }

            self.Requests.Enqueue(new ReceivedHook(path, context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            context.Response.StatusCode = path.StartsWith("/fail", StringComparison.Ordinal) ? 500 : 200;
            await context.Response.WriteAsync(path.StartsWith("/fail", StringComparison.Ordinal) ? "{}" : """{"errcode":0,"code":0,"errmsg":"ok"}""");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new WebhookReceiver(app, new Uri(address.TrimEnd('/') + "/"));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A week of data with hostile names: new models, a release, download growth, and gaps.</summary>
public static class DigestSeed
{
    public const string HtmlHostile = "<img src=x onerror=alert(1)>";
    public const string SlackHostile = "<!channel> *bold* [x](http://evil.example)";

    public static DigestWeek Week => DigestWeek.Of(DateOnly.FromDateTime(DateTime.UtcNow));

    /// <summary>The next Monday at <paramref name="hourUtc"/>: the seeded week's digest is due then in UTC.</summary>
    public static DateTimeOffset DeliveryTime(int hourUtc = 9) => new(Week.Monday.AddDays(7).ToDateTime(new TimeOnly(hourUtc, 0)), TimeSpan.Zero);

    public static async Task SeedAsync(IServiceProvider services)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var m = Week.Monday;
        var now = DateTime.UtcNow;
        TrackedModel Model(string name, DateTime created, long downloads) => new()
        {
            Source = "huggingface",
            RepoId = "Qwen/" + name,
            RepoKey = ("Qwen/" + name).ToLowerInvariant(),
            Author = "Qwen",
            FamilyId = "qwen",
            CreatedAt = created,
            FirstSeenAt = created,
            LastSeenAt = now,
            DownloadsAllTime = downloads,
            LatestDay = m.AddDays(6),
        };

        var hostile = Model(HtmlHostile, m.AddDays(1).ToDateTime(new TimeOnly(10, 0), DateTimeKind.Utc), 5100);
        var slack = Model(SlackHostile, m.AddDays(2).ToDateTime(new TimeOnly(10, 0), DateTimeKind.Utc), 1050);
        var old = Model("Qwen3-8B", m.AddDays(-100).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), 2500);
        db.Models.AddRange(hostile, slack, old);
        await db.SaveChangesAsync();
        void Snap(TrackedModel model, DateOnly day, long value) =>
            db.Snapshots.Add(new Snapshot { ModelId = model.Id, Day = day, CollectedAt = day.ToDateTime(new TimeOnly(2, 0), DateTimeKind.Utc), DownloadsAllTime = value });
        Snap(old, m.AddDays(-8), 1000);
        Snap(old, m.AddDays(-1), 2000);
        Snap(old, m.AddDays(6), 2500);
        Snap(hostile, m.AddDays(-1), 100);
        Snap(hostile, m.AddDays(6), 5100);
        Snap(slack, m.AddDays(-1), 50);
        Snap(slack, m.AddDays(6), 1050);
        foreach (var (day, total, count) in new[] { (m.AddDays(-8), 1000L, 1), (m.AddDays(-1), 2150L, 3), (m.AddDays(6), 8650L, 3) })
        {
            db.DailyTotals.Add(new DailyTotal
            {
                FamilyId = "qwen",
                Source = "huggingface",
                Day = day,
                DownloadsAllTime = total,
                Reported = count,
                Expected = count,
                LastCollectedAt = day.ToDateTime(new TimeOnly(2, 0), DateTimeKind.Utc),
            });
        }

        var repo = new GitHubRepo
        {
            FullName = "QwenLM/Qwen3",
            RepoKey = "qwenlm/qwen3",
            FamilyId = "qwen",
            Owner = "QwenLM",
            FirstSeenAt = now,
            LastSeenAt = now,
        };
        db.Repos.Add(repo);
        await db.SaveChangesAsync();
        db.Releases.Add(new GitHubReleaseRow
        {
            RepoId = repo.Id,
            GitHubReleaseId = 1,
            Tag = "v3.1",
            Name = "<script>alert(2)</script>",
            PublishedAt = m.AddDays(3).ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc),
            FirstSeenAt = now,
            LastSeenAt = now,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>An active subscription written straight to the database (for bulk and send-time tests).</summary>
    public static async Task<DigestSubscription> AddAsync(IServiceProvider services, string channel, string target, string language = "en",
        string timeZone = "UTC", string? secret = null, string? owner = null)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var s = new DigestSubscription
        {
            Channel = channel,
            Target = target,
            TargetKey = target.ToLowerInvariant(),
            Families = "qwen,deepseek,hunyuan,ernie",
            Language = language,
            TimeZone = timeZone,
            Status = SubscriptionStatus.Active,
            CreatedAt = DateTime.UtcNow,
            ConfirmedAt = DateTime.UtcNow,
            Secret = secret,
            OwnerEmail = owner,
        };
        db.Add(s);
        await db.SaveChangesAsync();
        return s;
    }

    public static async Task<List<DigestDelivery>> DeliveriesAsync(IServiceProvider services)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<DigestDelivery>().AsNoTracking().ToListAsync();
    }

    public static async Task<DigestSubscription> SubscriptionAsync(IServiceProvider services, long id)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<DigestSubscription>().AsNoTracking().SingleAsync(s => s.Id == id);
    }
}
