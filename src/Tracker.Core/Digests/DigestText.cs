using System.Globalization;
using System.Resources;

namespace Tracker.Core.Digests;

/// <summary>Digest wording in English and Simplified Chinese, from <c>DigestText.resx</c> and <c>DigestText.zh-CN.resx</c>.</summary>
public static class DigestText
{
    public const string English = "en";
    public const string Chinese = "zh-CN";
    public static readonly IReadOnlyList<string> Languages = [English, Chinese];

    private static readonly ResourceManager Resources = new("Tracker.Core.Digests.DigestText", typeof(DigestText).Assembly);

    public static string? NormalizeLanguage(string? language) =>
        string.IsNullOrWhiteSpace(language) ? English
        : Languages.FirstOrDefault(l => string.Equals(l, language.Trim(), StringComparison.OrdinalIgnoreCase))
          ?? (language.Trim().StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? Chinese : null);

    public static CultureInfo Culture(string language) => CultureInfo.GetCultureInfo(language == Chinese ? Chinese : English);

    public static string Get(string language, string key) =>
        Resources.GetString(key, Culture(language)) ?? throw new InvalidOperationException($"digest text '{key}' is missing");

    public static string Format(string language, string key, params object?[] args) =>
        string.Format(Culture(language), Get(language, key), args);
}
