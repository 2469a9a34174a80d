namespace Tracker.Core.Catalog;

/// <summary>One model family as configured under <c>Tracker:Families:{id}</c>.</summary>
public sealed class FamilyOptions
{
    public string? Name { get; set; }
    public string? Vendor { get; set; }

    /// <summary>Set to false to drop a built-in family.</summary>
    public bool Enabled { get; set; } = true;

    public List<MatchRule> HuggingFace { get; set; } = [];
    public List<MatchRule> ModelScope { get; set; } = [];
    public List<MatchRule> GitHub { get; set; } = [];
}

/// <summary>
/// Which repositories of an organisation belong to a family. With neither <see cref="Contains"/> nor
/// <see cref="Patterns"/>, every repository of <see cref="Org"/> does. <see cref="Repo"/> names one repository.
/// </summary>
public sealed class MatchRule
{
    public string? Org { get; set; }
    public string? Repo { get; set; }

    /// <summary>Case-insensitive substrings of the repository name, any of which matches.</summary>
    public List<string> Contains { get; set; } = [];

    /// <summary>Case-insensitive regular expressions on the repository name, any of which matches.</summary>
    public List<string> Patterns { get; set; } = [];
}

public sealed class TrackerOptions
{
    public const string SectionName = "Tracker";

    public Dictionary<string, FamilyOptions> Families { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
