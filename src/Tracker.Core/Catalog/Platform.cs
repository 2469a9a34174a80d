namespace Tracker.Core.Catalog;

/// <summary>The platforms Tracker collects from; the strings are stored and appear in the API.</summary>
public static class Platform
{
    public const string HuggingFace = "huggingface";
    public const string ModelScope = "modelscope";
    public const string GitHub = "github";

    public static readonly IReadOnlyList<string> Hubs = [HuggingFace, ModelScope];
}
