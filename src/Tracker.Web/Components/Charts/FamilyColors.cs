namespace Tracker.Web.Components.Charts;

/// <summary>
/// A family keeps its colour on every chart. Okabe–Ito, a palette that stays distinguishable with the common forms of
/// colour blindness; the four built-in families take the first four, configured ones the rest in catalogue order.
/// </summary>
public static class FamilyColors
{
    private static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999"];

    public static string For(int catalogueIndex) => Palette[Math.Abs(catalogueIndex) % Palette.Length];
}
