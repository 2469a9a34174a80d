using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Plotly.Blazor;

namespace Tracker.Web.Components.Charts;

/// <summary>
/// A chart's Plotly figure as JSON, for the charts drawn from inline data before a circuit exists (see first-paint.js).
/// It is built from the same Plotly.Blazor objects the interactive chart sends, serialized the way Plotly.Blazor does
/// (nulls left out, traces by their runtime type), so both ways draw the same chart.
/// </summary>
public static class ChartFigure
{
    // The default encoder escapes <, >, & and quotes as \uXXXX: the JSON can sit inside a <script> element and no
    // third-party text in it can close that element.
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new PolymorphicConverter<ITrace>() },
    };

    public static string ToJson(IList<ITrace> data, Plotly.Blazor.Layout layout, Config config) =>
        JsonSerializer.Serialize(new Figure(data, layout, config), Options);

    /// <summary>A short fingerprint of the figure: the same data keeps its drawing across Blazor's page updates, new data redraws.</summary>
    public static string Fingerprint(string json) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)).AsSpan(0, 8));

    private sealed record Figure(
        [property: JsonPropertyName("data")] IList<ITrace> Data,
        [property: JsonPropertyName("layout")] Plotly.Blazor.Layout Layout,
        [property: JsonPropertyName("config")] Config Config);
}
