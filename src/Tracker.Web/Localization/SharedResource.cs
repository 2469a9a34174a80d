namespace Tracker.Web.Localization;

/// <summary>
/// The marker for the dashboard's strings: <c>IStringLocalizer&lt;SharedResource&gt;</c> reads
/// <c>Resources/Localization.SharedResource.resx</c> (English) and <c>….zh-CN.resx</c> (简体中文). No UI string is
/// hard-coded in a component.
/// </summary>
#pragma warning disable CA1052 // a marker type for the localizer: never instantiated
public sealed class SharedResource
#pragma warning restore CA1052
{
    private SharedResource()
    {
    }
}
