using System.Globalization;

namespace Tracker.Web.Components.Common;

/// <summary>
/// How numbers and instants read on the dashboard, in the visitor's language. Unknown reads as unknown, never as zero.
/// Chinese groups large numbers by 万 (10⁴) and 亿 (10⁸), as Chinese readers count, not by thousands.
/// </summary>
public static class Format
{
    public const string Unknown = "—";

    private static bool Chinese => CultureInfo.CurrentCulture.TwoLetterISOLanguageName == "zh";

    /// <summary>A resource's sentence filled in for the visitor's culture.</summary>
    public static string Sentence(string format, params object?[] args) => string.Format(CultureInfo.CurrentCulture, format, args);

    public static string Number(long? value) => value is { } v ? Number(v, CultureInfo.CurrentCulture) : Unknown;

    public static string Number(long value, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        if (culture.TwoLetterISOLanguageName != "zh" || Math.Abs(value) < 10_000)
        {
            return value.ToString("N0", culture);
        }

        var (unit, divisor) = Math.Abs(value) >= 100_000_000 ? ("亿", 100_000_000m) : ("万", 10_000m);
        // Two decimals at most, trailing zeros dropped: 1.2亿, 3.45万.
        return (value / divisor).ToString("0.##", culture) + unit;
    }

    /// <summary>A change with its sign: +1,234 / −56 / 0.</summary>
    public static string Change(long? value) => value switch
    {
        null => Unknown,
        > 0 => "+" + Number(value),
        < 0 => "−" + Number(-value.Value),
        _ => Number(0),
    };

    public static string Time(DateTime? value) =>
        value is { } v
            ? v.ToUniversalTime().ToString(Chinese ? "yyyy年M月d日 HH:mm 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : Unknown;

    public static string Date(DateOnly? value) =>
        value is { } v ? v.ToString(Chinese ? "yyyy年M月d日" : "yyyy-MM-dd", CultureInfo.InvariantCulture) : Unknown;

    /// <summary>A calendar month: 2025-09 / 2025年9月.</summary>
    public static string Month(DateOnly value) => value.ToString(Chinese ? "yyyy年M月" : "yyyy-MM", CultureInfo.InvariantCulture);

    public static string Date(DateTime? value) => value is { } v ? Date(DateOnly.FromDateTime(v.ToUniversalTime())) : Unknown;

    public static string Iso(DateTime? value) =>
        value is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "";

    public static string Iso(DateOnly? value) => value is { } v ? v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "";
}
