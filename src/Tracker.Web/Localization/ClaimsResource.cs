namespace Tracker.Web.Localization;

/// <summary>
/// The marker for the claims page's strings: <c>Resources/Localization.ClaimsResource.resx</c> (English) and
/// <c>….zh-CN.resx</c> (简体中文).
/// </summary>
#pragma warning disable CA1052 // a marker type for the localizer: never instantiated
public sealed class ClaimsResource
#pragma warning restore CA1052
{
    private ClaimsResource()
    {
    }
}
