namespace Tracker.Core.Claims;

/// <summary>
/// Hugging Face org → country of the organisation behind it, from Tracker's own <c>Claims/org-regions.csv</c>. An org
/// not in the table is unknown (null), never guessed.
/// </summary>
public sealed class OrgRegions
{
    public const string China = "CN";
    private const string EmbeddedName = "Tracker.Core.Claims.org-regions.csv";

    private readonly Dictionary<string, string> _countries;

    public OrgRegions(IEnumerable<KeyValuePair<string, string>> countries) =>
        _countries = new Dictionary<string, string>(countries, StringComparer.OrdinalIgnoreCase);

    public int Count => _countries.Count;

    public static OrgRegions LoadEmbedded()
    {
        using var stream = typeof(OrgRegions).Assembly.GetManifestResourceStream(EmbeddedName)
            ?? throw new InvalidOperationException($"embedded resource {EmbeddedName} is missing");
        using var reader = new StreamReader(stream);
        var rows = new List<KeyValuePair<string, string>>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("org,", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line.Split(',');
            rows.Add(KeyValuePair.Create(parts[0].Trim(), parts[1].Trim()));
        }

        return new OrgRegions(rows);
    }

    /// <summary>ISO country code of <paramref name="org"/>, or null when the table does not know it.</summary>
    public string? CountryOf(string? org) => org is not null && _countries.TryGetValue(org, out var country) ? country : null;
}
