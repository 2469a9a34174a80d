using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tracker.Core.Claims;

/// <summary>One figure of the article: what it says, as of when, and how Tracker measures it (or why it cannot).</summary>
public sealed record ClaimEntry(
    string Id,
    IReadOnlyList<string> Families,
    string Metric,
    string Comparator,
    double? Value,
    IReadOnlyList<string> Values,
    string? Unit,
    DateOnly? AsOf,
    string AsOfText,
    bool Checkable,
    string Scope,
    string QuoteZh,
    string QuoteEn,
    string Source,
    IReadOnlyList<string> Platforms,
    string? Reason,
    string? ReasonZh = null);

/// <summary>A later, dated figure from another publication: a reference point beside the article's claim.</summary>
public sealed record PublishedFigure(
    string Id,
    string Family,
    string AsOfText,
    DateOnly Date,
    bool Approximate,
    string Metric,
    double? Value,
    string? ValueText,
    string Scope,
    Uri Url,
    string SourceKind,
    string Reliability,
    string? Claim);

public sealed record ArticleInfo(string? Title, string Description, string Source);

/// <summary>How each checkable claim is measured; <see cref="NotMeasurable"/> marks the figures shown as context only.</summary>
public static class ClaimMetrics
{
    public const string OpenModels = "open-models";
    public const string Modalities = "modalities";
    public const string CumulativeDownloads = "cumulative-downloads";
    public const string DerivativeModels = "derivative-models";
    public const string ReleaseWave = "release-wave";
    public const string TopRanking = "top-ranking";
    public const string Reception = "reception";
    public const string Fp8Weights = "fp8-weights";
    public const string NotMeasurable = "not-measurable";

    public static readonly IReadOnlyList<string> All =
        [OpenModels, Modalities, CumulativeDownloads, DerivativeModels, ReleaseWave, TopRanking, Reception, Fp8Weights, NotMeasurable];
}

public sealed class ClaimsLedgerException(string message) : InvalidOperationException(message);

/// <summary>
/// The claims ledger: <c>Claims/claims.json</c> (embedded), or the file named by <c>Tracker:Claims:LedgerPath</c>.
/// Loading validates every entry and names the first bad one.
/// </summary>
public sealed partial class ClaimsLedger
{
    public const string EmbeddedName = "Tracker.Core.Claims.claims.json";

    private static readonly string[] Reliabilities = ["high", "medium", "low"];
    private static readonly string[] Comparators = [">=", "covers", "all-of", "top-n", "qualitative", "has-dtype", "n/a"];

    private ClaimsLedger(ArticleInfo article, IReadOnlyList<ClaimEntry> claims, IReadOnlyList<PublishedFigure> published)
    {
        Article = article;
        Claims = claims;
        Published = published;
    }

    public ArticleInfo Article { get; }
    public IReadOnlyList<ClaimEntry> Claims { get; }
    public IReadOnlyList<PublishedFigure> Published { get; }

    public ClaimEntry? Find(string id) => Claims.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));

    public IReadOnlyList<PublishedFigure> PublishedFor(string claimId) =>
        [.. Published.Where(p => string.Equals(p.Claim, claimId, StringComparison.Ordinal)).OrderBy(p => p.Date)];

    public static ClaimsLedger Load(string? path)
    {
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!File.Exists(path))
            {
                throw new ClaimsLedgerException($"claims ledger '{path}' (Tracker:Claims:LedgerPath) does not exist");
            }

            using var file = File.OpenRead(path);
            return Parse(file, Path.GetFileName(path));
        }

        using var stream = typeof(ClaimsLedger).Assembly.GetManifestResourceStream(EmbeddedName)
            ?? throw new ClaimsLedgerException($"embedded resource {EmbeddedName} is missing");
        return Parse(stream, "claims.json");
    }

    public static ClaimsLedger Parse(Stream json, string name = "claims.json")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ClaimsLedgerException($"{name}: not valid JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("claims", out var claimsElement) || claimsElement.ValueKind != JsonValueKind.Array)
            {
                throw new ClaimsLedgerException($"{name}: the top level must be an object with a \"claims\" array");
            }

            var article = root.TryGetProperty("article", out var a) && a.ValueKind == JsonValueKind.Object
                ? new ArticleInfo(OptionalString(a, "title"), OptionalString(a, "description") ?? "", OptionalString(a, "source") ?? "")
                : new ArticleInfo(null, "", "");
            var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var claims = new List<ClaimEntry>();
            var index = 0;
            foreach (var element in claimsElement.EnumerateArray())
            {
                var entry = new Entry(name, element, ++index);
                var claim = ParseClaim(entry);
                if (!ids.Add(claim.Id))
                {
                    throw entry.Error("the id is used twice");
                }

                claims.Add(claim);
            }

            var published = new List<PublishedFigure>();
            if (root.TryGetProperty("published", out var publishedElement))
            {
                index = 0;
                foreach (var element in publishedElement.EnumerateArray())
                {
                    var entry = new Entry(name, element, ++index);
                    var figure = ParsePublished(entry);
                    if (!ids.Add(figure.Id))
                    {
                        throw entry.Error("the id is used twice");
                    }

                    if (figure.Claim is not null && !claims.Any(c => c.Id == figure.Claim))
                    {
                        throw entry.Error($"\"claim\" names '{figure.Claim}', which is not a claim in the ledger");
                    }

                    published.Add(figure);
                }
            }

            return new ClaimsLedger(article, claims, published);
        }
    }

    private static ClaimEntry ParseClaim(Entry e)
    {
        var metric = e.String("metric");
        if (!ClaimMetrics.All.Contains(metric))
        {
            throw e.Error($"metric '{metric}' is not one of {string.Join(", ", ClaimMetrics.All)}");
        }

        var comparator = e.String("comparator");
        if (!Comparators.Contains(comparator))
        {
            throw e.Error($"comparator '{comparator}' is not one of {string.Join(", ", Comparators)}");
        }

        var checkable = e.Bool("checkable");
        if (checkable == (metric == ClaimMetrics.NotMeasurable))
        {
            throw e.Error(checkable ? "a checkable claim needs a measurable metric" : $"a claim that is not checkable must have metric '{ClaimMetrics.NotMeasurable}'");
        }

        var asOf = e.OptionalDay("asOf");
        if (checkable && asOf is null)
        {
            throw e.Error("a checkable claim needs \"asOf\" (YYYY-MM-DD): the date its figure is measured at");
        }

        var value = e.OptionalNumber("value");
        var values = e.Strings("values");
        if (comparator is ">=" or "top-n" && value is null)
        {
            throw e.Error($"comparator '{comparator}' needs a numeric \"value\"");
        }

        if (comparator is "covers" or "all-of" or "has-dtype" && values.Count == 0)
        {
            throw e.Error($"comparator '{comparator}' needs a non-empty \"values\" array");
        }

        var reason = OptionalString(e.Element, "reason");
        if (!checkable && string.IsNullOrWhiteSpace(reason))
        {
            throw e.Error("a claim that is not checkable needs a \"reason\"");
        }

        var families = e.Strings("families");
        foreach (var family in families.Where(f => !FamilyId().IsMatch(f)))
        {
            throw e.Error($"family '{family}' is not a family id (lower-case letters, digits and dashes)");
        }

        return new ClaimEntry(e.Id, families, metric, comparator, value, values, OptionalString(e.Element, "unit"), asOf, e.String("asOfText"), checkable,
            e.String("scope"), e.String("quoteZh"), e.String("quoteEn"), e.String("source"), e.Strings("platforms"), reason,
            OptionalString(e.Element, "reasonZh"));
    }

    private static PublishedFigure ParsePublished(Entry e)
    {
        var url = e.String("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw e.Error($"url '{url}' is not an absolute http(s) address");
        }

        var reliability = e.String("reliability");
        if (!Reliabilities.Contains(reliability))
        {
            throw e.Error($"reliability '{reliability}' is not one of {string.Join(", ", Reliabilities)}");
        }

        var value = e.OptionalNumber("value");
        var valueText = OptionalString(e.Element, "valueText");
        if (value is null && string.IsNullOrWhiteSpace(valueText))
        {
            throw e.Error("give \"value\" (a number) or \"valueText\"");
        }

        var date = e.OptionalDay("date") ?? throw e.Error("\"date\" (YYYY-MM-DD) is required: where the figure is drawn");
        return new PublishedFigure(e.Id, e.String("family"), e.String("asOfText"), date, e.OptionalBool("approximate") ?? false, e.String("metric"),
            value, valueText, e.String("scope"), uri, e.String("sourceKind"), reliability, OptionalString(e.Element, "claim"));
    }

    private static string? OptionalString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex FamilyId();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex EntryId();

    /// <summary>One entry being read: every error names it.</summary>
    private readonly struct Entry
    {
        private readonly string _file;

        public Entry(string file, JsonElement element, int index)
        {
            _file = file;
            Element = element;
            Id = $"#{index.ToString(CultureInfo.InvariantCulture)}";
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error("must be an object");
            }

            var id = OptionalString(element, "id");
            if (string.IsNullOrWhiteSpace(id))
            {
                throw Error("has no \"id\"");
            }

            Id = id;
            if (!EntryId().IsMatch(id))
            {
                throw Error("the id must be lower-case letters, digits and dashes");
            }
        }

        public JsonElement Element { get; }
        public string Id { get; }

        public ClaimsLedgerException Error(string problem) =>
            new(Id.StartsWith('#') ? $"{_file} entry {Id}: {problem}" : $"{_file} entry '{Id}': {problem}");

        public string String(string property) =>
            OptionalString(Element, property) is { Length: > 0 } s && !string.IsNullOrWhiteSpace(s) ? s : throw Error($"\"{property}\" is required (a non-empty string)");

        public bool Bool(string property) => OptionalBool(property) ?? throw Error($"\"{property}\" is required (true or false)");

        public bool? OptionalBool(string property) =>
            Element.TryGetProperty(property, out var v) ? v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error($"\"{property}\" must be true or false"),
            } : null;

        public double? OptionalNumber(string property) =>
            !Element.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Error($"\"{property}\" must be a number, not {v.ValueKind.ToString().ToLowerInvariant()} {v.GetRawText()}");

        public DateOnly? OptionalDay(string property)
        {
            if (OptionalString(Element, property) is not { } text)
            {
                return Element.TryGetProperty(property, out var v) && v.ValueKind != JsonValueKind.Null ? throw Error($"\"{property}\" must be a date string (YYYY-MM-DD)") : null;
            }

            return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                ? day
                : throw Error($"\"{property}\" '{text}' is not a date (YYYY-MM-DD)");
        }

        public IReadOnlyList<string> Strings(string property)
        {
            if (!Element.TryGetProperty(property, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                throw Error($"\"{property}\" must be an array of strings");
            }

            return [.. v.EnumerateArray().Select(x => x.GetString()!)];
        }
    }
}
