using System.Globalization;
using System.Text;

namespace Tracker.Web.Components.Charts;

/// <summary>A chart's data as CSV, exactly the points it plots (long format: series,x,y; an empty y is no data that day).</summary>
public static class ChartCsv
{
    /// <summary>One row per point. Series names are third-party text: quoted, and a leading formula character neutralised (OWASP CSV injection).</summary>
    public static string Format(ChartSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var csv = new StringBuilder("series,x,y\n");
        foreach (var s in spec.Series)
        {
            for (var i = 0; i < s.X.Count; i++)
            {
                csv.Append(Field(s.Name)).Append(',').Append(Field(s.X[i])).Append(',')
                    .Append(s.Y[i]?.ToString(CultureInfo.InvariantCulture) ?? "").Append('\n');
            }
        }

        return csv.ToString();
    }

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
