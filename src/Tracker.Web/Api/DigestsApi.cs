using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Digests;
using Tracker.Core.Stats;

namespace Tracker.Web.Api;

internal static class DigestsApi
{
    public static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    public static IEndpointRouteBuilder MapDigestArchiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/digests").WithTags("Digests");
        api.MapGet("/latest", Latest).WithName("GetLatestDigest")
            .WithSummary("The newest complete week's digest. families = comma-separated ids (default all), lang = en | zh-CN (default en).");
        api.MapGet("/status", Status).WithName("GetDigestStatus")
            .WithSummary("Subscriptions by status, the newest week's deliveries by status, and recent failures.");
        app.MapGet("/digests.atom", Feed).WithName("DigestFeed").WithTags("Digests")
            .WithSummary("The digest archive as an Atom 1.0 feed (lang = en | zh-CN).");
        return app;
    }

    private static async Task<Results<Ok<WeeklyDigest>, ValidationProblem>> Latest(
        string? families, string? lang, DigestBuilder builder, TimeProvider clock, CancellationToken cancellationToken)
    {
        var language = DigestText.NormalizeLanguage(lang);
        if (language is null)
        {
            return ApiErrors.BadParameter("lang", "lang must be en or zh-CN");
        }

        var wanted = families?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (wanted.FirstOrDefault(f => builder.Catalog.Find(f) is null) is { } unknown)
        {
            return ApiErrors.BadParameter("families", $"'{unknown}' is not a family; use any of {string.Join(", ", builder.Catalog.Families.Select(f => f.Id))}");
        }

        var digest = await builder.GetOrBuildAsync(DigestWeek.LastComplete(clock.GetUtcNow()), language, builder.NormalizeFamilies(wanted), cancellationToken);
        return TypedResults.Ok(digest);
    }

    private static async Task<Ok<DigestStatus>> Status(TrackerQueries queries, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queries.GetDigestStatusAsync(cancellationToken));

    private static async Task<IResult> Feed(string? lang, DigestBuilder builder, DigestRenderer renderer, CancellationToken cancellationToken)
    {
        var language = DigestText.NormalizeLanguage(lang) ?? DigestText.English;
        var families = builder.NormalizeFamilies(null);
        var weeks = await builder.ArchiveAsync(language, families, 52, cancellationToken);
        var self = new Uri(renderer.BaseUrl, "digests.atom" + (language == DigestText.English ? "" : "?lang=" + language));
        var entries = new List<XElement>();
        foreach (var (week, builtAt) in weeks)
        {
            if (!DigestWeek.TryParse(week, out var w) || await builder.FindAsync(w, language, families, cancellationToken) is not { } digest)
            {
                continue;
            }

            var link = new Uri(renderer.BaseUrl, "digests/" + week);
            entries.Add(new XElement(Atom + "entry",
                new XElement(Atom + "id", $"{link.AbsoluteUri}?lang={language}"),
                new XElement(Atom + "title", DigestText.Format(language, "Subject", week)),
                new XElement(Atom + "updated", Instant(builtAt)),
                new XElement(Atom + "link", new XAttribute("rel", "alternate"), new XAttribute("type", "text/html"), new XAttribute("href", link.AbsoluteUri)),
                // type="html": the renderer's encoded HTML, escaped once more as XML text by XElement.
                new XElement(Atom + "content", new XAttribute("type", "html"), renderer.HtmlBody(digest))));
        }

        var updated = weeks.Count == 0 ? DateTime.UnixEpoch : weeks.Max(w => w.BuiltAt);
        var feed = new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(Atom + "feed",
                new XAttribute(XNamespace.Xml + "lang", language),
                new XElement(Atom + "id", self.AbsoluteUri),
                new XElement(Atom + "title", DigestText.Get(language, "Archive") + " · Tracker"),
                new XElement(Atom + "updated", Instant(updated)),
                new XElement(Atom + "author", new XElement(Atom + "name", "Tracker")),
                new XElement(Atom + "link", new XAttribute("rel", "self"), new XAttribute("type", "application/atom+xml"), new XAttribute("href", self.AbsoluteUri)),
                new XElement(Atom + "link", new XAttribute("rel", "alternate"), new XAttribute("type", "text/html"), new XAttribute("href", new Uri(renderer.BaseUrl, "digests").AbsoluteUri)),
                entries));
        var sb = new StringBuilder();
        await using (var writer = XmlWriter.Create(new StringWriterUtf8(sb), new XmlWriterSettings { Async = true, Indent = true }))
        {
            await feed.SaveAsync(writer, cancellationToken);
        }

        return Results.Content(sb.ToString(), "application/atom+xml; charset=utf-8", Encoding.UTF8);
    }

    private static string Instant(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed class StringWriterUtf8(StringBuilder sb) : StringWriter(sb, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}
