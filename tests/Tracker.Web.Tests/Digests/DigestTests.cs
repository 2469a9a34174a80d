using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using Tracker.Core.Digests;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Digests;

/// <summary>One app for the digest tests: SMTP to netDumbster, webhooks to a loopback receiver, a seeded week.</summary>
public sealed class DigestApp : IAsyncLifetime
{
    public SmtpSink Smtp { get; } = new();
    public WebhookReceiver Hooks { get; private set; } = null!;
    public TrackerAppFactory App { get; private set; } = null!;
    public IServiceProvider Services => App.Services;

    public async Task InitializeAsync()
    {
        Hooks = await WebhookReceiver.StartAsync();
        App = await TrackerAppFactory.StartAsync(new AppOptions { Settings = Settings(Smtp.Port) });
        await DigestSeed.SeedAsync(App.Services);
    }

    public static Dictionary<string, string> Settings(int smtpPort, int perIp = 1000) => new()
    {
        ["Tracker:Smtp:Host"] = "127.0.0.1",
        ["Tracker:Smtp:Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tracker:Smtp:Security"] = "None",
        ["Tracker:Smtp:Sender"] = "Tracker <digest@tracker.test>",
        ["Tracker:Digests:PublicBaseUrl"] = "http://tracker.test/",
        // The receiver's address literal only: localhost, other loopback addresses and private ranges stay refused.
        ["Tracker:Digests:AllowedWebhookHosts:0"] = "127.0.0.1",
        ["Tracker:Digests:AttemptsPerRun"] = "2",
        ["Tracker:Digests:MaxAttempts"] = "2",
        ["Tracker:Digests:RetryDelay"] = "00:00:00.010",
        ["Tracker:Digests:PauseAfterFailures"] = "1",
        ["Tracker:Digests:Parallelism"] = "4",
        ["Tracker:Digests:BatchSize"] = "7",
        ["Tracker:Digests:RateLimit:PerIp"] = perIp.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tracker:Digests:RateLimit:PerAddress"] = "3",
        ["Tracker:Jobs:DigestCron"] = "0 0 1 1 *",
    };

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Hooks.DisposeAsync();
        Smtp.Dispose();
    }
}

[Collection(AppHosts.Name)]
public sealed class DigestTests(DigestApp fixture) : IClassFixture<DigestApp>
{
    private readonly DigestSender _sender = fixture.Services.GetRequiredService<DigestSender>();

    [Theory]
    [InlineData("en", "alice@example.org", "Tracker weekly digest", "Confirm your Tracker weekly digest")]
    [InlineData("zh-CN", "li.lei@example.cn", "Tracker 每周摘要", "请确认订阅 Tracker 每周摘要")]
    public async Task Email_Double_OptIn_Delivers_Once_In_Its_Language_With_One_Click_Unsubscribe(string lang, string address, string subject, string confirmSubject)
    {
        using var client = fixture.App.CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = address, families = new[] { "qwen" }, language = lang, timeZone = "Asia/Shanghai" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var confirmation = await fixture.Smtp.WaitForAsync(address);
        Assert.Equal(confirmSubject, confirmation.Subject);
        // Nothing but the confirmation until the link is followed.
        await _sender.RunAsync(DigestSeed.DeliveryTime(), CancellationToken.None);
        Assert.Single(fixture.Smtp.To(address));

        var link = Link(confirmation.TextBody ?? "", "/api/v1/subscriptions/confirm?token=");
        var page = await client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(link, null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync(link.Replace("token=", "token=1", StringComparison.Ordinal), null)).StatusCode);

        await _sender.RunAsync(DigestSeed.DeliveryTime(), CancellationToken.None);
        await _sender.RunAsync(DigestSeed.DeliveryTime(10), CancellationToken.None); // a retried run: no second copy
        var digests = fixture.Smtp.To(address).Where(m => (m.Subject ?? "").StartsWith(subject, StringComparison.Ordinal)).ToList();
        var digest = Assert.Single(digests);
        Assert.Contains(DigestSeed.Week.ToString(), digest.Subject, StringComparison.Ordinal);

        var html = digest.HtmlBody ?? "";
        var text = digest.TextBody ?? "";
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.Contains(DigestSeed.HtmlHostile, text, StringComparison.Ordinal); // plain text is inert as it is
        Assert.Contains(lang == "en" ? "Downloads this week: 6,500" : "本周下载量：6,500", text, StringComparison.Ordinal);
        Assert.Contains("+5,350", text, StringComparison.Ordinal);

        var unsubscribe = (digest.Headers["List-Unsubscribe"] ?? "").Trim('<', '>');
        Assert.Equal("List-Unsubscribe=One-Click", digest.Headers["List-Unsubscribe-Post"]);
        Assert.Contains(unsubscribe, html, StringComparison.Ordinal);
        var oneClick = await client.PostAsync(unsubscribe.Replace("http://tracker.test", "", StringComparison.Ordinal),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        var contexts = fixture.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Tracker.Core.Data.TrackerDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        Assert.Equal(SubscriptionStatus.Unsubscribed, db.Set<DigestSubscription>().Single(s => s.TargetKey == address).Status);
    }

    [Fact]
    public async Task Subscribe_Answers_The_Same_Whether_Or_Not_The_Address_Is_Known()
    {
        using var client = fixture.App.CreateClient();
        await DigestSeed.AddAsync(fixture.Services, DigestChannels.Email, "known@example.org");
        var known = await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "known@example.org" });
        var unknown = await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "unknown@example.org" });
        Assert.Equal(known.StatusCode, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());

        var bad = await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "not an address", families = new[] { "llama" }, language = "fr", timeZone = "Mars/Olympus" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("email") && errors.ContainsKey("families") && errors.ContainsKey("language") && errors.ContainsKey("timeZone"), errors.ToJsonString());
    }

    [Fact]
    public async Task Each_Webhook_Kind_Gets_Its_Own_Format_Signed_And_Hostile_Names_Inert()
    {
        using var client = fixture.App.CreateClient();
        var hooks = fixture.Hooks;
        async Task<JsonNode> Subscribe(string channel, string path, string? secret = null)
        {
            var r = await client.PostAsJsonAsync("/api/v1/subscriptions",
                new { channel, webhookUrl = hooks.Url(path).AbsoluteUri, secret, families = new[] { "qwen" }, language = "zh-CN" });
            var body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.Created, body);
            Assert.Single(hooks.At(path)); // the test delivery
            return JsonNode.Parse(body)!;
        }

        var json = await Subscribe("json", "hooks/json");
        var generated = json["secret"]!.GetValue<string>();
        Assert.True(generated.Length >= 40);
        await Subscribe("slack", "hooks/slack");
        await Subscribe("feishu", "hooks/feishu", "feishu-secret");
        await Subscribe("dingtalk", "hooks/dingtalk", "SECdingtalk");
        await Subscribe("wecom", "hooks/wecom");

        await _sender.RunAsync(DigestSeed.DeliveryTime(), CancellationToken.None);

        var j = hooks.At("hooks/json")[^1];
        Assert.Equal("weekly-digest", j.Headers["X-Tracker-Event"]);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(generated), Encoding.UTF8.GetBytes(j.Body)));
        Assert.Equal(expected, j.Headers["X-Tracker-Signature"]);
        var digest = JsonNode.Parse(j.Body)!["digest"]!;
        Assert.Equal("zh-CN", digest["language"]!.GetValue<string>());
        Assert.Contains(digest["sections"]![0]!["newModels"]!.AsArray(), m => m!["repo"]!.GetValue<string>() == "Qwen/" + DigestSeed.HtmlHostile);
        Assert.DoesNotContain("<img", j.Body, StringComparison.Ordinal); // JSON escapes < > & as \u003C …

        var slack = JsonNode.Parse(hooks.At("hooks/slack")[^1].Body)!["text"]!.GetValue<string>();
        Assert.Contains("&lt;!channel&gt;", slack, StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", slack, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", slack, StringComparison.Ordinal);

        var feishu = JsonNode.Parse(hooks.At("hooks/feishu")[^1].Body)!;
        var ts = feishu["timestamp"]!.GetValue<string>();
        Assert.Equal(Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ts + "\nfeishu-secret"), Array.Empty<byte>())), feishu["sign"]!.GetValue<string>());
        Assert.Equal("interactive", feishu["msg_type"]!.GetValue<string>());
        var feishuText = feishu["card"]!["elements"]![0]!["content"]!.GetValue<string>();
        AssertInertMarkdown(feishuText);

        var ding = hooks.At("hooks/dingtalk")[^1];
        var query = System.Web.HttpUtility.ParseQueryString(ding.Query);
        var dingSign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("SECdingtalk"), Encoding.UTF8.GetBytes(query["timestamp"] + "\nSECdingtalk")));
        Assert.Equal(dingSign, query["sign"]);
        var dingBody = JsonNode.Parse(ding.Body)!;
        Assert.Equal("markdown", dingBody["msgtype"]!.GetValue<string>());
        AssertInertMarkdown(dingBody["markdown"]!["text"]!.GetValue<string>());

        var wecom = JsonNode.Parse(hooks.At("hooks/wecom")[^1].Body)!;
        Assert.Equal("markdown", wecom["msgtype"]!.GetValue<string>());
        var wecomText = wecom["markdown"]!["content"]!.GetValue<string>();
        Assert.True(Encoding.UTF8.GetByteCount(wecomText) <= 4096);
        Assert.Contains("本周下载量", wecomText, StringComparison.Ordinal);
        AssertInertMarkdown(wecomText);

        // Retried: nobody gets a second copy.
        await _sender.RunAsync(DigestSeed.DeliveryTime(11), CancellationToken.None);
        foreach (var path in new[] { "hooks/json", "hooks/slack", "hooks/feishu", "hooks/dingtalk", "hooks/wecom" })
        {
            Assert.Equal(2, hooks.At(path).Count); // test + digest
        }
    }

    [Theory]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://127.0.0.2/hook")]
    [InlineData("http://[fd00:ec2::254]/")]
    [InlineData("http://100.100.100.200/")]
    [InlineData("file:///etc/passwd")]
    public async Task Webhook_Urls_Inside_The_Network_Are_Refused_At_Subscribe_Time(string url)
    {
        using var client = fixture.App.CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/subscriptions", new { channel = "json", webhookUrl = url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("webhookUrl", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.5.4")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("0.0.0.0")]
    public void Guard_Refuses_Internal_Addresses_When_Not_Allow_Listed(string address)
    {
        var guard = new WebhookAddressGuard(Options.Create(new DigestOptions()));
        Assert.False(guard.IsAllowed("example.org", IPAddress.Parse(address)));
        Assert.True(guard.IsAllowed("example.org", IPAddress.Parse("93.184.215.14")));
        var cidr = new WebhookAddressGuard(Options.Create(new DigestOptions { AllowedWebhookHosts = ["127.0.0.0/8", "10.0.0.0/8"] }));
        Assert.True(cidr.IsAllowed("x", IPAddress.Parse("127.0.0.5")));
    }

    [Fact]
    public async Task Guard_Refuses_A_Name_That_Resolves_To_Loopback()
    {
        var guard = new WebhookAddressGuard(Options.Create(new DigestOptions()));
        Assert.NotNull(await guard.CheckAsync(new Uri("http://localhost:8080/hook"), CancellationToken.None));
        Assert.NotNull(await guard.CheckAsync(new Uri("http://127.0.0.1/hook"), CancellationToken.None));
    }

    [Fact]
    public async Task Send_Time_Check_Refuses_A_Host_That_Now_Resolves_Inside()
    {
        // As if DNS changed after subscribing: the stored URL now names loopback; the connect callback refuses it.
        var s = await DigestSeed.AddAsync(fixture.Services, DigestChannels.Json, new Uri(new Uri($"http://localhost:{fixture.Hooks.Root.Port}/"), "rebound").AbsoluteUri, secret: "s");
        await _sender.RunAsync(DigestSeed.DeliveryTime(), CancellationToken.None);
        Assert.Empty(fixture.Hooks.At("rebound"));
        var delivery = Assert.Single(await DigestSeed.DeliveriesAsync(fixture.Services), d => d.SubscriptionId == s.Id);
        Assert.Equal(DeliveryStatus.Failed, delivery.Status);
        Assert.Contains("refused", delivery.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_Failing_Webhook_Is_Retried_Then_Failed_Paused_And_Its_Owner_Told()
    {
        var s = await DigestSeed.AddAsync(fixture.Services, DigestChannels.Json, fixture.Hooks.Url("fail/owner").AbsoluteUri, secret: "s", owner: "owner@example.org");
        await _sender.RunAsync(DigestSeed.DeliveryTime(), CancellationToken.None);
        Assert.Equal(2, fixture.Hooks.At("fail/owner").Count); // AttemptsPerRun = MaxAttempts = 2
        var delivery = Assert.Single(await DigestSeed.DeliveriesAsync(fixture.Services), d => d.SubscriptionId == s.Id);
        Assert.Equal(DeliveryStatus.Failed, delivery.Status);
        Assert.Equal(SubscriptionStatus.Paused, (await DigestSeed.SubscriptionAsync(fixture.Services, s.Id)).Status);
        var notice = await fixture.Smtp.WaitForAsync("owner@example.org");
        Assert.Equal("Tracker paused your digest webhook", notice.Subject);

        using var client = fixture.App.CreateClient();
        var status = await client.GetNodeAsync("/api/v1/digests/status");
        Assert.Contains(status["failures"]!.AsArray(), f => f!["subscriptionId"]!.GetValue<long>() == s.Id && f["status"]!.GetValue<string>() == "failed");
    }

    [Fact]
    public async Task A_Run_Killed_Midway_And_Restarted_Delivers_To_The_Rest_Without_A_Second_Copy()
    {
        var ids = new List<long>();
        for (var i = 0; i < 40; i++)
        {
            ids.Add((await DigestSeed.AddAsync(fixture.Services, DigestChannels.Json, fixture.Hooks.Url($"kill/{i}").AbsoluteUri, secret: "s")).Id);
        }

        var start = DigestSeed.DeliveryTime(12);
        fixture.Hooks.Delay = TimeSpan.FromMilliseconds(60);
        try
        {
            using (var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(400)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _sender.RunAsync(start, kill.Token));
            }

            var afterKill = fixture.Hooks.Requests.Count(r => r.Path.StartsWith("/kill/", StringComparison.Ordinal));
            Assert.InRange(afterKill, 1, 39);

            // Restarted at once (the killed claims are still within their lease: skipped) and after the lease (marked uncertain).
            await _sender.RunAsync(start.AddMinutes(1), CancellationToken.None);
            await _sender.RunAsync(start.AddMinutes(30), CancellationToken.None);
        }
        finally
        {
            fixture.Hooks.Delay = TimeSpan.Zero;
        }

        var deliveries = (await DigestSeed.DeliveriesAsync(fixture.Services)).Where(d => ids.Contains(d.SubscriptionId)).ToList();
        Assert.Equal(40, deliveries.Count);
        for (var i = 0; i < 40; i++)
        {
            var copies = fixture.Hooks.At($"kill/{i}").Count;
            Assert.True(copies <= 1, $"subscriber {i} received {copies} copies");
            var row = deliveries.Single(d => d.SubscriptionId == ids[i]);
            if (row.Status == DeliveryStatus.Sent)
            {
                Assert.Equal(1, copies);
            }
            else
            {
                Assert.Equal(DeliveryStatus.Uncertain, row.Status);
            }
        }

        // Only what was claimed ahead or in flight when the run died is uncertain: at most 2 × Parallelism (4).
        Assert.InRange(deliveries.Count(d => d.Status == DeliveryStatus.Uncertain), 0, 8);
    }

    [Fact]
    public async Task Archive_Pages_Api_And_Atom_Feed()
    {
        await _sender.RunAsync(DigestSeed.DeliveryTime(), CancellationToken.None);
        using var client = fixture.App.CreateClient();
        var week = DigestSeed.Week.ToString();

        var atom = await client.GetAsync("/digests.atom");
        Assert.Equal("application/atom+xml", atom.Content.Headers.ContentType!.MediaType);
        var feed = XDocument.Parse(await atom.Content.ReadAsStringAsync());
        XNamespace a = "http://www.w3.org/2005/Atom";
        var root = feed.Root!;
        Assert.Equal(a + "feed", root.Name);
        Assert.False(string.IsNullOrEmpty(root.Element(a + "id")?.Value));
        Assert.False(string.IsNullOrEmpty(root.Element(a + "title")?.Value));
        Assert.True(DateTimeOffset.TryParse(root.Element(a + "updated")?.Value, System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.NotNull(root.Element(a + "author")?.Element(a + "name"));
        var entry = Assert.Single(root.Elements(a + "entry"), e => e.Element(a + "link")!.Attribute("href")!.Value.EndsWith(week, StringComparison.Ordinal));
        foreach (var name in new[] { "id", "title", "updated", "content" })
        {
            Assert.False(string.IsNullOrEmpty(entry.Element(a + name)?.Value), name);
        }

        Assert.Equal("html", entry.Element(a + "content")!.Attribute("type")!.Value);
        Assert.DoesNotContain("<img src=x", entry.Element(a + "content")!.Value, StringComparison.Ordinal);
        Assert.Equal(root.Elements(a + "entry").Count(), root.Elements(a + "entry").Select(e => e.Element(a + "id")!.Value).Distinct().Count());

        var list = await client.GetStringAsync("/digests");
        Assert.Contains($"digests/{week}", list, StringComparison.Ordinal);
        var page = await client.GetStringAsync($"/digests/{week}");
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", page, StringComparison.Ordinal);
        using var zh = new HttpRequestMessage(HttpMethod.Get, $"/digests/{week}");
        zh.Headers.AcceptLanguage.ParseAdd("zh-CN");
        Assert.Contains("本周下载量", await (await client.SendAsync(zh)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/digests/2001-W01")).StatusCode);

        var latest = await client.GetNodeAsync("/api/v1/digests/latest?families=qwen,ernie&lang=zh-CN");
        Assert.Equal("zh-CN", latest["language"]!.GetValue<string>());
        Assert.Equal(["qwen", "ernie"], latest["families"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/digests/latest?families=llama")).StatusCode);

        Assert.Contains("<form", await client.GetStringAsync("/subscribe"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Claim_Verdict_That_Changed_This_Week_Is_In_Its_Familys_Digest_Only()
    {
        var services = fixture.App.Services;
        var week = DigestSeed.Week.Previous.Previous; // a week no other test builds, so its digest is built here
        await using (var db = await services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Tracker.Core.Data.TrackerDbContext>>().CreateDbContextAsync())
        {
            db.Add(new Tracker.Core.Claims.ClaimVerdictChange
            {
                ClaimId = "qwen-downloads",
                Day = week.Monday.AddDays(2),
                ChangedAt = DateTime.UtcNow,
                FromVerdict = "lower-bound-only",
                Verdict = "consistent",
                Value = 7e8,
            });
            await db.SaveChangesAsync();
        }

        var builder = services.GetRequiredService<DigestBuilder>();
        var renderer = services.GetRequiredService<DigestRenderer>();
        var english = await builder.GetOrBuildAsync(week, "en", ["qwen", "deepseek"], CancellationToken.None);
        var chinese = await builder.GetOrBuildAsync(week, "zh-CN", ["qwen"], CancellationToken.None);

        var change = Assert.Single(english.Sections.Single(f => f.Id == "qwen").ClaimChanges!);
        Assert.Equal(("qwen-downloads", "lower-bound-only", "consistent"), (change.ClaimId, change.From, change.To));
        Assert.Empty(english.Sections.Single(f => f.Id == "deepseek").ClaimChanges!);
        Assert.Contains("qwen-downloads: lower bound only → consistent", renderer.HtmlBody(english), StringComparison.Ordinal);
        Assert.Contains("qwen-downloads：仅为下限 → 一致", renderer.HtmlBody(chinese), StringComparison.Ordinal);
    }

    private static void AssertInertMarkdown(string text)
    {
        Assert.DoesNotContain("<img", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[x](http://evil.example)", text, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert\\(1\\)&gt;", text, StringComparison.Ordinal);
    }

    private static string Link(string text, string marker)
    {
        var start = text.IndexOf("http://tracker.test" + marker, StringComparison.Ordinal);
        Assert.True(start >= 0, text);
        var end = text.IndexOfAny([' ', '\n', '\r'], start);
        return text[start..(end < 0 ? text.Length : end)].Replace("http://tracker.test", "", StringComparison.Ordinal);
    }
}

[Collection(AppHosts.Name)]
public sealed class SubscribeRateLimitTests
{
    [Fact]
    public async Task Subscribe_Is_Rate_Limited_Per_Address_And_Per_Ip()
    {
        using var smtp = new SmtpSink();
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Settings = DigestApp.Settings(smtp.Port, perIp: 6) });
        using var client = app.CreateClient();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            codes.Add((await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "same@example.org" })).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "other@example.org" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "third@example.org" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "fourth@example.org" })).StatusCode);
    }
}
