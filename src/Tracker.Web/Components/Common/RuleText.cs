using Microsoft.Extensions.Localization;
using Tracker.Core.Catalog;
using Tracker.Web.Localization;

namespace Tracker.Web.Components.Common;

/// <summary>A catalogue rule in the visitor's language; <see cref="FamilyRule.Describe"/> is the API's English.</summary>
public static class RuleText
{
    public static string For(FamilyRule rule, IStringLocalizer<SharedResource> L)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(L);
        if (rule.Repo is not null)
        {
            return Format.Sentence(L["Rule.Repo"], rule.Repo);
        }

        var filters = rule.Contains.Select(c => Format.Sentence(L["Rule.Contains"], c)).Concat(rule.Patterns.Select(p => Format.Sentence(L["Rule.Matches"], p))).ToList();
        return filters.Count == 0 ? Format.Sentence(L["Rule.Org"], rule.Org) : Format.Sentence(L["Rule.OrgFiltered"], rule.Org, string.Join(L["Rule.Or"], filters));
    }
}
