using System.Globalization;
using Microsoft.Extensions.Localization;
using Tracker.Core.Claims;
using Tracker.Web.Components.Common;
using Tracker.Web.Localization;

namespace Tracker.Web.Components.Claims;

/// <summary>
/// A measurement's note in the visitor's language: the sentence from the resources (<c>Note.{key}</c>), its numbers
/// and days by <see cref="Format"/>, its terms (modalities, ranking origins) translated.
/// </summary>
public static class ClaimNoteText
{
    public static string For(ClaimNote note, IStringLocalizer<ClaimsResource> L)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(L);
        return Format.Sentence(L["Note." + note.Key], [.. note.Args.Select(a => Arg(a, L))]);
    }

    /// <summary>A whole number as the dashboard writes it (万/亿 in Chinese); a fraction with one decimal unless told otherwise.</summary>
    public static string Number(double value, string fraction = "0.#") =>
        value == Math.Floor(value) && Math.Abs(value) < long.MaxValue ? Format.Number((long)value) : value.ToString(fraction, CultureInfo.CurrentCulture);

    /// <summary>A word from a closed set (<c>Modality.video</c>) in the page's language; as written when the resources do not know it.</summary>
    public static string Term(string group, string value, IStringLocalizer<ClaimsResource> L)
    {
        ArgumentNullException.ThrowIfNull(L);
        return L[$"{group}.{value}"] is { ResourceNotFound: false } term ? term.Value : value;
    }

    private static string Arg(NoteArg arg, IStringLocalizer<ClaimsResource> L) => arg switch
    {
        NoteNumber n => Number(n.Value),
        NoteDay d => Format.Date(d.Value),
        NoteMonth m => Format.Month(m.Value),
        NoteText { Value: { } text } => text,
        NoteText => L["Note.None"],
        NoteTerm t => Term(t.Group, t.Value, L),
        NoteCount c => $"{c.Name} {Number(c.Count)}",
        NoteList l => string.Join(L["Note.Separator"], l.Items.Select(i => Arg(i, L))),
        _ => arg.English,
    };
}
