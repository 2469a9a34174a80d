using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Tracker.Core.Catalog;

public sealed record Family(string Id, string Name, string Vendor, IReadOnlyDictionary<string, IReadOnlyList<FamilyRule>> Rules);

/// <summary>A compiled <see cref="MatchRule"/>.</summary>
public sealed record FamilyRule(string? Org, string? Repo, IReadOnlyList<string> Contains, IReadOnlyList<string> Patterns)
{
    private readonly Regex[] _regexes = [.. Patterns.Select(p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))];

    public bool Matches(string owner, string name)
    {
        if (Repo is not null)
        {
            return string.Equals(Repo, $"{owner}/{name}", StringComparison.OrdinalIgnoreCase);
        }

        if (!string.Equals(Org, owner, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Contains.Count == 0 && _regexes.Length == 0)
        {
            return true;
        }

        return Contains.Any(c => name.Contains(c, StringComparison.OrdinalIgnoreCase)) || _regexes.Any(r => r.IsMatch(name));
    }

    /// <summary>How the rule reads to a person, for the API and the methodology page.</summary>
    public string Describe()
    {
        if (Repo is not null)
        {
            return $"repository {Repo}";
        }

        var filters = Contains.Select(c => $"name contains \"{c}\"").Concat(Patterns.Select(p => $"name matches /{p}/")).ToList();
        return filters.Count == 0 ? $"org {Org} (all)" : $"org {Org}: {string.Join(" or ", filters)}";
    }
}

/// <summary>
/// The configured families and the rules that decide which repositories belong to which. Matching is
/// case-insensitive and a repository belongs to at most one family: the first, in catalogue order, that matches.
/// </summary>
public sealed class FamilyCatalog
{
    public FamilyCatalog(IOptions<TrackerOptions> options)
        : this(options.Value)
    {
    }

    public FamilyCatalog(TrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Families;
        var families = new List<Family>();

        // Built-in families first (unless configuration replaces or disables them), then the configured additions.
        foreach (var (id, defaults) in CatalogDefaults.Families)
        {
            var family = configured.TryGetValue(id, out var overridden) ? overridden : defaults;
            if (family.Enabled)
            {
                families.Add(Compile(id, family, defaults));
            }
        }

        foreach (var (id, family) in configured)
        {
            if (family.Enabled && !CatalogDefaults.Families.Any(d => string.Equals(d.Id, id, StringComparison.OrdinalIgnoreCase)))
            {
                families.Add(Compile(id, family, fallback: null));
            }
        }

        Families = families;
    }

    public IReadOnlyList<Family> Families { get; }

    public Family? Find(string id) => Families.FirstOrDefault(f => string.Equals(f.Id, id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The organisations to list on a platform, each once, in catalogue order.</summary>
    public IReadOnlyList<string> OrgsFor(string platform) =>
        [.. Families.SelectMany(f => f.Rules[platform]).Select(r => r.Org ?? r.Repo!.Split('/')[0]).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The ids of the families with a rule naming <paramref name="org"/> (or one of its repositories) on a platform.</summary>
    public IReadOnlyList<string> FamiliesListedIn(string platform, string org) =>
        [.. Families.Where(f => f.Rules[platform].Any(r => string.Equals(r.Org ?? r.Repo!.Split('/')[0], org, StringComparison.OrdinalIgnoreCase))).Select(f => f.Id)];

    /// <summary>The family a repository belongs to on a platform, or null when it belongs to none.</summary>
    public Family? Match(string platform, string repoId)
    {
        var slash = repoId.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        var owner = repoId[..slash];
        var name = repoId[(slash + 1)..];
        return Families.FirstOrDefault(f => f.Rules[platform].Any(r => r.Matches(owner, name)));
    }

    private static Family Compile(string id, FamilyOptions family, FamilyOptions? fallback)
    {
        if (!Regex.IsMatch(id, "^[a-z0-9][a-z0-9-]*$", RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            throw new OptionsValidationException(TrackerOptions.SectionName, typeof(TrackerOptions),
                [$"Tracker:Families: family id '{id}' must be lower-case letters, digits and dashes."]);
        }

        var rules = new Dictionary<string, IReadOnlyList<FamilyRule>>
        {
            // A built-in family overridden by configuration keeps its rules on every platform the override leaves empty,
            // so renaming Qwen does not silently stop collecting it.
            [Platform.HuggingFace] = CompileRules(id, Platform.HuggingFace, Or(family.HuggingFace, fallback?.HuggingFace)),
            [Platform.ModelScope] = CompileRules(id, Platform.ModelScope, Or(family.ModelScope, fallback?.ModelScope)),
            [Platform.GitHub] = CompileRules(id, Platform.GitHub, Or(family.GitHub, fallback?.GitHub)),
        };

        return new Family(id, family.Name ?? fallback?.Name ?? id, family.Vendor ?? fallback?.Vendor ?? "", rules);
    }

    private static List<MatchRule> Or(List<MatchRule> configured, List<MatchRule>? builtIn) =>
        configured.Count == 0 && builtIn is not null ? builtIn : configured;

    private static FamilyRule[] CompileRules(string id, string platform, List<MatchRule> rules) =>
        [.. rules.Select((r, i) =>
        {
            if (string.IsNullOrWhiteSpace(r.Org) == string.IsNullOrWhiteSpace(r.Repo) || (r.Repo is not null && r.Repo.Split('/').Length != 2))
            {
                throw new OptionsValidationException(TrackerOptions.SectionName, typeof(TrackerOptions),
                    [$"Tracker:Families:{id}:{platform}:{i}: give either Org or Repo (as owner/name), not both or neither."]);
            }

            foreach (var pattern in r.Patterns)
            {
                try
                {
                    _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException e)
                {
                    throw new OptionsValidationException(TrackerOptions.SectionName, typeof(TrackerOptions),
                        [$"Tracker:Families:{id}:{platform}:{i}: pattern '{pattern}' is not a valid regular expression: {e.Message}"]);
                }
            }

            return new FamilyRule(r.Org, r.Repo, r.Contains, r.Patterns);
        })];
}
