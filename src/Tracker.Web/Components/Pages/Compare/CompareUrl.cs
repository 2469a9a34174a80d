using Tracker.Core.Stats;
using Tracker.Web.Components.Charts;

namespace Tracker.Web.Components.Pages.Compare;

/// <summary>The compare page's state to and from its URL, shared by <c>/compare</c> and <c>/embed/compare</c>.</summary>
public static class CompareUrl
{
    public static (ChartRequest Request, CompareState State) Parse(
        string[]? families, string? metric, string? scale, string? align, string? view, IReadOnlyList<string> known)
    {
        var joined = families is null ? null : string.Join(',', families);
        var raw = new ChartRequest(ChartRequest.Compare, metric, null, joined, scale, align, view);
        var state = CompareState.From(raw, known);
        // The canonical request, so equal states share a chart and a CSV address.
        return (ToRequest(state), state);
    }

    public static ChartRequest ToRequest(CompareState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new(ChartRequest.Compare, state.Metric, null, string.Join(',', state.Families),
            state.Log ? "log" : "linear", state.AlignRelease ? "release" : "calendar", state.Weekly ? "weekly" : "cumulative");
    }

    public static string Format(string path, CompareState state)
    {
        var r = ToRequest(state);
        return $"{path}?families={Uri.EscapeDataString(r.Families!)}&metric={r.Metric}&scale={r.Scale}&align={r.Align}&view={r.View}";
    }
}
