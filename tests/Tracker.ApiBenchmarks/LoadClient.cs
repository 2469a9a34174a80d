using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Tracker.ApiBenchmarks;

internal sealed record LoadResult(string Name, double Throughput, double P50Ms, double P99Ms, long Errors);

/// <summary>A closed-loop load client: N connections, each sending its next request as soon as the last answer is read.</summary>
internal sealed class LoadClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly int _connections;

    public LoadClient(string baseUrl, int connections, string apiKey)
    {
        _connections = connections;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        })
        { BaseAddress = new Uri(baseUrl) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
    }

    public async Task WaitUntilUpAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri("/api/v1/ping", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < timeout)
            {
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException("the app did not answer /api/v1/ping");
            }

            await Task.Delay(200);
        }
    }

    public async Task<EntityTagHeaderValue> ETagAsync(string url)
    {
        using var response = await _http.GetAsync(new Uri(url, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return response.Headers.ETag ?? throw new InvalidOperationException(url + " has no ETag");
    }

    public async Task<LoadResult> MeasureAsync(string name, string url, EntityTagHeaderValue? ifNoneMatch, TimeSpan warmUp, TimeSpan duration)
    {
        var expected = ifNoneMatch is null ? HttpStatusCode.OK : HttpStatusCode.NotModified;
        await RunAsync(url, ifNoneMatch, expected, warmUp, null);
        var latencies = new List<long>[_connections];
        var clock = Stopwatch.StartNew();
        var errors = await RunAsync(url, ifNoneMatch, expected, duration, latencies);
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(p * all.Length))] * 1000.0 / Stopwatch.Frequency;
        var result = new LoadResult(name, all.Length / elapsed, Percentile(0.50), Percentile(0.99), errors);
        Console.WriteLine($"   {name}: {result.Throughput:F0} req/s, p99 {result.P99Ms:F2} ms");
        return result;
    }

    private async Task<long> RunAsync(string url, EntityTagHeaderValue? ifNoneMatch, HttpStatusCode expected, TimeSpan duration, List<long>[]? latencies)
    {
        long errors = 0;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var uri = new Uri(url, UriKind.Relative);
        var workers = Enumerable.Range(0, _connections).Select(i => Task.Run(async () =>
        {
            var mine = latencies is null ? null : latencies[i] = new List<long>(100_000);
            var buffer = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < end)
            {
                var start = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (ifNoneMatch is not null)
                {
                    request.Headers.IfNoneMatch.Add(ifNoneMatch);
                }

                try
                {
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    await using var body = await response.Content.ReadAsStreamAsync();
                    while (await body.ReadAsync(buffer) > 0)
                    {
                    }

                    if (response.StatusCode != expected)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }

                mine?.Add(Stopwatch.GetTimestamp() - start);
            }
        }));
        await Task.WhenAll(workers);
        return errors;
    }

    public void Dispose() => _http.Dispose();
}
