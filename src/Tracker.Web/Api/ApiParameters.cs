using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;
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

    /// <summary>
    /// An optional <c>from</c>/<c>to</c> range of days, as every series and list takes it; <paramref name="problem"/>
    /// names the parameter that is wrong and why.
    /// </summary>
    public static bool TryParseRange(
        string? from, string? to, out DateOnly? fromDay, out DateOnly? toDay, [NotNullWhen(false)] out ValidationProblem? problem)
    {
        problem = null;
        toDay = null;
        if (!TryParseDay(from, out fromDay, out var fromError))
        {
            problem = ApiErrors.BadParameter("from", fromError!);
        }
        else if (!TryParseDay(to, out toDay, out var toError))
        {
            problem = ApiErrors.BadParameter("to", toError!);
        }
        else if (fromDay > toDay)
        {
            problem = ApiErrors.BadParameter("from", $"from ({from}) is after to ({to})");
        }

        return problem is null;
    }
}
