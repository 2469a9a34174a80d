using System.Globalization;

namespace Tracker.Web.Api;

internal static class ApiParameters
{
    /// <summary>Parses an optional <c>YYYY-MM-DD</c> day; <paramref name="error"/> says why when it is not one.</summary>
    public static bool TryParseDay(string? text, out DateOnly? day, out string? error)
    {
        day = null;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            day = parsed;
            return true;
        }

        error = $"'{text}' is not a date in the form YYYY-MM-DD";
        return false;
    }
}
