namespace Tracker.Web.Localization;

/// <summary>
/// The marker for the digest pages' strings (subscribe form, archive, confirm and unsubscribe pages):
/// <c>Resources/Localization.DigestsResource.resx</c> and <c>….zh-CN.resx</c>. The digests' own wording lives in Core
/// (<c>Tracker.Core.Digests.DigestText</c>), since Core builds them.
/// </summary>
#pragma warning disable CA1052 // a marker type for the localizer: never instantiated
public sealed class DigestsResource
#pragma warning restore CA1052
{
    private DigestsResource()
    {
    }
}
