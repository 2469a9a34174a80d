using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Tracker.Web.Api;

/// <summary>RFC 4180 text: comma-separated, CRLF rows, a field quoted when it holds a comma, a quote or a line break.</summary>
internal sealed class CsvWriter(StringBuilder text)
{
    public void WriteRow(IEnumerable<string?> fields)
    {
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                text.Append(',');
            }

            first = false;
            if (field is null)
            {
                continue; // unknown is an empty cell, never 0
            }

            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                text.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                text.Append(field);
            }
        }

        text.Append("\r\n");
    }
}

/// <summary>
/// A payload as CSV, made from its JSON so both carry exactly the same numbers: one row per element of the rows array,
/// nested objects flattened to dotted columns (<c>totals.downloadsAllTime</c>), the payload's own scalars (<c>asOf</c>,
/// <c>family</c>…) repeated on each row. Nested arrays (a row's quality flags) are a JSON cell; the payload-level
/// quality flags stay in the JSON.
/// </summary>
internal static class JsonCsv
{
    public static string Write(JsonNode? payload, string? rowsProperty)
    {
        var rows = rowsProperty is null ? payload as JsonArray : payload?[rowsProperty] as JsonArray;
        var shared = new List<KeyValuePair<string, string?>>();
        if (rowsProperty is not null && payload is JsonObject wrapper)
        {
            foreach (var (name, value) in wrapper)
            {
                if (name != rowsProperty && value is not JsonArray)
                {
                    Flatten(name, value, shared);
                }
            }
        }

        var flattened = new List<Dictionary<string, string?>>();
        var columns = new List<string>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows ?? [])
        {
            var cells = new List<KeyValuePair<string, string?>>();
            Flatten("", row, cells);
            flattened.Add(cells.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal));
            foreach (var cell in cells.Where(c => known.Add(c.Key)))
            {
                columns.Add(cell.Key);
            }
        }

        var text = new StringBuilder();
        var csv = new CsvWriter(text);
        csv.WriteRow(columns.Concat(shared.Select(s => s.Key)));
        foreach (var row in flattened)
        {
            csv.WriteRow(columns.Select(c => row.GetValueOrDefault(c)).Concat(shared.Select(s => s.Value)));
        }

        return text.ToString();
    }

    private static void Flatten(string prefix, JsonNode? node, List<KeyValuePair<string, string?>> cells)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    Flatten(prefix.Length == 0 ? name : prefix + "." + name, value, cells);
                }

                break;
            case JsonArray array:
                cells.Add(new(prefix, array.ToJsonString()));
                break;
            case null:
                cells.Add(new(prefix, null));
                break;
            default:
                cells.Add(new(prefix, Scalar(node.AsValue())));
                break;
        }
    }

    // Numbers are the JSON's own digits, dates its ISO strings: nothing is reformatted.
    private static string Scalar(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.ToJsonString(),
    };
}

/// <summary><c>?format=csv</c> or <c>Accept: text/csv</c>; otherwise JSON.</summary>
internal static class ApiFormat
{
    public const string Csv = "csv";
    public const string Json = "json";

    public static bool TryWantsCsv(HttpContext http, string? format, out bool csv, out string? error)
    {
        error = null;
        csv = false;
        if (format is not null)
        {
            csv = string.Equals(format, Csv, StringComparison.OrdinalIgnoreCase);
            if (!csv && !string.Equals(format, Json, StringComparison.OrdinalIgnoreCase))
            {
                error = $"'{format}' is not a format; use json or csv";
                return false;
            }

            return true;
        }

        csv = http.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase));
        return true;
    }
}

/// <summary>A payload written as CSV (see <see cref="JsonCsv"/>).</summary>
public sealed class CsvResult(Func<JsonSerializerOptions, JsonNode?> payload, string? rowsProperty) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var text = JsonCsv.Write(payload(options), rowsProperty);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "text/csv; charset=utf-8";
        await httpContext.Response.WriteAsync(text, Encoding.UTF8, httpContext.RequestAborted);
    }
}

internal static class Csv
{
    public static CsvResult Of<T>(T value, string? rowsProperty = null) => new(o => JsonSerializer.SerializeToNode(value, o), rowsProperty);
}
