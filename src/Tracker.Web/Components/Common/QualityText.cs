using Microsoft.Extensions.Localization;
using Tracker.Core.Stats;
using Tracker.Web.Localization;

namespace Tracker.Web.Components.Common;

/// <summary>
/// A quality flag in the visitor's language, worded from its numbers and days. The flag's own message is the API's
/// English sentence and is shown only for a flag that carries no numbers to word it from.
/// </summary>
public static class QualityText
{
    public static string For(QualityFlag flag, IStringLocalizer<SharedResource> L)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(L);
        var text = flag switch
        {
            { Kind: QualityKinds.Partial, Count: { } missing, Total: { } total, From: { } day } =>
                Format.Sentence(L["Quality.Partial"], Format.Number(missing), Format.Number(total), Format.Date(day)),
            { Kind: QualityKinds.CounterDecrease, Count: { } models, From: { } day } =>
                Format.Sentence(L["Quality.CounterDecrease"], Format.Number(models), Format.Date(day)),
            { Kind: QualityKinds.Gap, From: { } from, To: { } to } => from == to
                ? Format.Sentence(L["About.GapDay"], Format.Date(from))
                : Format.Sentence(L["About.GapRange"], Format.Date(from), Format.Date(to)),
            _ => null,
        };
        if (text is null)
        {
            return flag.Message;
        }

        return flag.Platform is { } platform ? Format.Sentence(L["Common.Labelled"], L["Platform." + platform], text) : text;
    }
}
