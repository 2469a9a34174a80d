using System.Globalization;

namespace Tracker.Web.Components.Common;

/// <summary>How numbers and instants read on the dashboard. Unknown reads as unknown, never as zero.</summary>
public static class Format
{
    public const string Unknown = "—";

    public static string Number(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : Unknown;

    public static string Time(DateTime? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : Unknown;

    public static string Iso(DateTime? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";
}
