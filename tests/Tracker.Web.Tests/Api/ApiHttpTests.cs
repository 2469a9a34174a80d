using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

/// <summary>HTTP behaviour of the API over one collected app: ETags, caching headers, compression, CORS, CSV, badges.</summary>
[Collection(AppHosts.Name)]
public sealed class ApiHttpTests(CollectedApp fixture) : IClassFixture<CollectedApp>
{
    private readonly TrackerAppFactory _app = fixture.App;

    [Theory]
    [InlineData("/api/v1/families")]
    [InlineData("/api/v1/families/qwen/series?metric=models")]
    [InlineData("/badges/qwen/downloadsAllTime.svg")]
    public async Task A_repeat_request_with_the_ETag_gets_304(string url)
    {
        using var client = _app.CreateClient();
        using var first = await client.GetAsync(new Uri(url, UriKind.Relative));
        first.EnsureSuccessStatusCode();
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        var maxAge = first.Headers.CacheControl?.MaxAge;
        Assert.True(first.Headers.CacheControl?.Public, "public");
        Assert.InRange(maxAge!.Value, TimeSpan.Zero, TimeSpan.FromHours(1));

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, second.Headers.ETag);

        using var other = new HttpRequestMessage(HttpMethod.Get, url);
        other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
        using var third = await client.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task Compressed_answers_have_their_own_strong_tag_and_revalidate(string encoding)
    {
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/families");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        using var response = await client.SendAsync(request);

        Assert.Equal(encoding, Assert.Single(response.Content.Headers.ContentEncoding));
        var etag = response.Headers.ETag!;
        Assert.EndsWith("-" + encoding + "\"", etag.Tag, StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/families");
        again.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(encoding));
        again.Headers.IfNoneMatch.Add(etag);
        using var revalidated = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/families")]
    [InlineData("/badges/qwen/models.svg")]
    public async Task GET_is_open_to_every_origin(string url)
    {
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Origin", "https://example.org");
        using var response = await client.SendAsync(request);

        response.EnsureSuccessStatusCode();
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Theory]
    [InlineData("/api/v1/families", null)]
    [InlineData("/api/v1/families/qwen/series?metric=downloadsAllTime", "points")]
    [InlineData("/api/v1/families/qwen/series?metric=models", "points")]
    [InlineData("/api/v1/families/deepseek/series?metric=likes&platform=huggingface", "points")]
    [InlineData("/api/v1/models?family=qwen&limit=1000", "items")]
    [InlineData("/api/v1/releases?limit=50", "items")]
    public async Task CSV_has_exactly_the_JSONs_numbers(string url, string? rowsProperty)
    {
        using var client = _app.CreateClient();
        var json = await client.GetNodeAsync(url);
        var csvUrl = url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "format=csv";
        using var response = await client.GetAsync(new Uri(csvUrl, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var table = ParseCsv(await response.Content.ReadAsStringAsync());

        // The same answer through content negotiation.
        using var negotiated = new HttpRequestMessage(HttpMethod.Get, url);
        negotiated.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var viaAccept = await client.SendAsync(negotiated);
        Assert.Equal(table, ParseCsv(await viaAccept.Content.ReadAsStringAsync()));

        var rows = (rowsProperty is null ? json : json[rowsProperty])!.AsArray();
        var header = table[0];
        Assert.Equal(rows.Count, table.Count - 1);
        Assert.True(rows.Count > 0, "something to compare");
        Assert.Contains("asOf", header);
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < header.Count; c++)
            {
                // A column is a dotted path into the row, or else into the payload (shared columns such as asOf).
                var node = Walk(rows[r], header[c], out var found);
                if (!found)
                {
                    node = Walk(json, header[c], out found);
                }

                Assert.True(found, $"{url}: column {header[c]} is not in the JSON");
                var expected = node switch
                {
                    null => "",
                    JsonArray a => a.ToJsonString(),
                    JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
                    _ => node.ToJsonString(),
                };
                Assert.True(expected == table[r + 1][c], $"{url} row {r} {header[c]}: JSON {expected}, CSV {table[r + 1][c]}");
            }
        }
    }

    [Fact]
    public async Task Unknown_stays_an_empty_cell_never_zero()
    {
        using var client = _app.CreateClient();
        var families = (await client.GetNodeAsync("/api/v1/families")).AsArray();
        var table = ParseCsv(await client.GetStringAsync(new Uri("/api/v1/families?format=csv", UriKind.Relative)));
        var stars = table[0].IndexOf("gitHub.stars");
        Assert.True(stars >= 0);
        // GitHub is not collected in these tests: stars are unknown everywhere.
        Assert.All(families, f => Assert.Null(f!["gitHub"]!["stars"].Number()));
        Assert.All(table.Skip(1), row => Assert.Equal("", row[stars]));
    }

    [Fact]
    public async Task Badges_render_for_every_family_and_metric()
    {
        using var client = _app.CreateClient();
        var families = (await client.GetNodeAsync("/api/v1/families")).AsArray();
        string[] metrics = ["models", "downloadsAllTime", "downloads30d", "likes", "derivatives", "stars"];
        foreach (var family in TrackerAppFactory.FamilyIds)
        {
            var json = families.Single(f => f!["id"].Text() == family)!;
            foreach (var metric in metrics)
            {
                foreach (var lang in new[] { "en", "zh-CN" })
                {
                    var url = $"/badges/{family}/{metric}.svg?lang={lang}";
                    using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
                    Assert.True(response.IsSuccessStatusCode, url);
                    Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
                    var svg = XDocument.Parse(await response.Content.ReadAsStringAsync());
                    XNamespace ns = "http://www.w3.org/2000/svg";
                    var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
                    Assert.Equal(2, texts.Count);
                    Assert.StartsWith(json["name"].Text()!, texts[0], StringComparison.Ordinal);

                    var value = metric switch
                    {
                        "derivatives" => json["derivatives"]!["total"].Number(),
                        "stars" => json["gitHub"]!["stars"].Number(),
                        _ => json["totals"]![metric].Number(),
                    };
                    if (value is null)
                    {
                        Assert.Equal(lang == "en" ? "unknown" : "未知", texts[1]);
                    }
                    else
                    {
                        Assert.Equal(lang == "en" ? English(value.Value) : Chinese(value.Value), texts[1]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(999, "999", "999")]
    [InlineData(1_234, "1.2k", "1234")]
    [InlineData(12_345, "12k", "1.2万")]
    [InlineData(350_000, "350k", "35万")]
    [InlineData(1_234_567, "1.2M", "123万")]
    [InlineData(610_000_000, "610M", "6.1亿")]
    [InlineData(2_500_000_000, "2.5B", "25亿")]
    public async Task Badge_numbers_follow_the_language(long value, string english, string chinese)
    {
        Assert.Equal(english, English(value));
        Assert.Equal(chinese, Chinese(value));
        // The server agrees: the family's all-time downloads come out in the same style.
        using var client = _app.CreateClient();
        var total = (await client.GetNodeAsync("/api/v1/families/qwen"))["totals"]!["downloadsAllTime"].Number()!.Value;
        var svg = await client.GetStringAsync(new Uri("/badges/qwen/downloadsAllTime.svg?lang=zh-CN", UriKind.Relative));
        Assert.Contains(">" + Chinese(total) + "<", svg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/families?format=xml", "format")]
    [InlineData("/api/v1/families/qwen/series?format=xlsx", "format")]
    [InlineData("/api/v1/models?format=yaml", "format")]
    [InlineData("/api/v1/releases?format=pdf", "format")]
    [InlineData("/api/v1/releases?cursor=bm9wZQ", "cursor")]
    [InlineData("/api/v1/releases?limit=1001", "limit")]
    [InlineData("/badges/qwen/popularity.svg", "metric")]
    [InlineData("/badges/qwen/models.svg?lang=fr", "lang")]
    public async Task Bad_parameters_are_400_problem_json_naming_the_parameter(string url, string parameter)
    {
        using var client = _app.CreateClient();
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonNode.Parse(body)!["errors"]!.AsObject().ContainsKey(parameter), body);
    }

    [Fact]
    public async Task Lists_carry_asOf()
    {
        using var client = _app.CreateClient();
        foreach (var url in new[] { "/api/v1/models?limit=5", "/api/v1/releases?limit=5", "/api/v1/families/qwen/series", "/api/v1/status" })
        {
            Assert.NotNull((await client.GetNodeAsync(url))["asOf"].Text());
        }
    }

    [Fact]
    public async Task Ping_is_a_constant_that_is_never_cached()
    {
        using var client = _app.CreateClient();
        using var response = await client.GetAsync(new Uri("/api/v1/ping", UriKind.Relative));
        Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    private static JsonNode? Walk(JsonNode? node, string path, out bool found)
    {
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                found = false;
                return null;
            }
        }

        found = true;
        return node;
    }

    internal static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                field.Append(ch);
            }
        }

        return rows;
    }

    // The formats the badges promise, written independently of the server's code.
    private static string English(long v) => v switch
    {
        >= 1_000_000_000 => Scale(v / 1e9) + "B",
        >= 1_000_000 => Scale(v / 1e6) + "M",
        >= 1_000 => Scale(v / 1e3) + "k",
        _ => v.ToString(CultureInfo.InvariantCulture),
    };

    private static string Chinese(long v) => v switch
    {
        >= 100_000_000 => Scale(v / 1e8) + "亿",
        >= 10_000 => Scale(v / 1e4) + "万",
        _ => v.ToString(CultureInfo.InvariantCulture),
    };

    private static string Scale(double x) => x < 10
        ? Math.Round(x, 1, MidpointRounding.AwayFromZero).ToString("0.#", CultureInfo.InvariantCulture)
        : Math.Round(x, 0, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture);
}
