using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tracker.Core.Sources.HuggingFace;

/// <summary>A model on Hugging Face's trending list, in its place.</summary>
public sealed record TrendingModel(int Rank, string Id, string Author, double? TrendingScore, long? Likes, long? Downloads, string? PipelineTag);

/// <summary>
/// The top of Hugging Face trending. Uses the same named client as <see cref="HuggingFaceSource"/> (endpoint, token,
/// resilience, pacing), so a mirror or a fake set through HF_ENDPOINT serves this too.
/// </summary>
public sealed class HuggingFaceTrendingSource(IHttpClientFactory clients)
{
    public static string TrendingUrl(int limit) =>
        $"api/models?sort=trendingScore&limit={limit.ToString(CultureInfo.InvariantCulture)}"
        + "&expand[]=trendingScore&expand[]=author&expand[]=likes&expand[]=downloads&expand[]=pipeline_tag";

    // https://huggingface.co/docs/hub/api#get-apimodels — sort=trendingScore is always descending.
    public async Task<IReadOnlyList<TrendingModel>> ListTrendingAsync(int limit, CancellationToken cancellationToken)
    {
        var http = clients.CreateClient(HuggingFaceSource.HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(new Uri(TrendingUrl(limit), UriKind.Relative), cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                  or Polly.CircuitBreaker.BrokenCircuitException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new SourceException($"Hugging Face trending: request failed: {e.Message}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new SourceException($"Hugging Face trending: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var items = await JsonSerializer.DeserializeAsync(body, TrendingJsonContext.Default.ListTrendingWire, cancellationToken) ?? [];
                return [.. items.Where(w => !string.IsNullOrWhiteSpace(w.Id)).Take(limit).Select((w, i) => new TrendingModel(
                    i + 1, w.Id!, w.Author ?? w.Id![..Math.Max(0, w.Id!.IndexOf('/', StringComparison.Ordinal))], w.TrendingScore, w.Likes, w.Downloads, w.PipelineTag))];
            }
            catch (JsonException e)
            {
                throw new SourceException($"Hugging Face trending: malformed JSON ({e.Message})", e);
            }
        }
    }

    internal sealed class TrendingWire
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("author")] public string? Author { get; set; }
        [JsonPropertyName("trendingScore")] public double? TrendingScore { get; set; }
        [JsonPropertyName("likes")] public long? Likes { get; set; }
        [JsonPropertyName("downloads")] public long? Downloads { get; set; }
        [JsonPropertyName("pipeline_tag")] public string? PipelineTag { get; set; }
    }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(List<HuggingFaceTrendingSource.TrendingWire>), TypeInfoPropertyName = "ListTrendingWire")]
internal sealed partial class TrendingJsonContext : JsonSerializerContext;
