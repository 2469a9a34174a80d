using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Tracker.Benchmarks;

/// <summary>This executable started again with another verb or scale: the fakes' <c>serve</c> process, or one scale of a multi-scale run.</summary>
public static class Self
{
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            info.FileName = path;
            info.ArgumentList.Add(typeof(Self).Assembly.Location);
        }
        else
        {
            info.FileName = path;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}

/// <summary>The fakes' process, driven over its stdin (see <see cref="FakeServer"/>).</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, JsonElement hello)
    {
        _process = process;
        Hello = hello;
    }

    public JsonElement Hello { get; }

    /// <summary>CPU time the fakes' process has used so far: it shares the machine's cores with the measured process.</summary>
    public double CpuSeconds
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime.TotalSeconds;
        }
    }

    public static async Task<ServerProcess> StartAsync(int scale, int seed)
    {
        var info = Self.StartInfo("serve", "--scale", scale.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture));
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the fakes");
        var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the fakes' process ended before it was ready");
        if (!line.StartsWith(FakeServer.Ready, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("unexpected answer from the fakes: " + line);
        }

        return new ServerProcess(process, JsonDocument.Parse(line[FakeServer.Ready.Length..]).RootElement.Clone());
    }

    public async Task<JsonElement> CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        var line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the fakes' process ended");
        return line.StartsWith(FakeServer.Ok, StringComparison.Ordinal)
            ? JsonDocument.Parse(line[FakeServer.Ok.Length..]).RootElement.Clone()
            : throw new InvalidOperationException($"the fakes answered '{line}' to '{command}'");
    }

    /// <summary>The fakes' garbage collections so far (gen 0, 1, 2) and their total pause.</summary>
    public async Task<FakesGc> GcAsync()
    {
        var gc = await CommandAsync("gc");
        return new(gc.GetProperty("gen0").GetInt32(), gc.GetProperty("gen1").GetInt32(), gc.GetProperty("gen2").GetInt32(), gc.GetProperty("pausedMs").GetDouble());
    }

    /// <summary>Requests the fakes saw since the last call, per source, with duplicates (same method, path, query and body).</summary>
    public async Task<Dictionary<string, RequestLog>> LogAsync() =>
        (await CommandAsync("log")).Deserialize<Dictionary<string, RequestLog>>()!;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await CommandAsync("quit");
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}

/// <summary>Several scales, each in its own process (its own peak), and whether the peak working set stays flat.</summary>
public static class MultiScale
{
    public const double Flatness = 1.2;

    public static async Task<int> RunAsync(BenchOptions options, IReadOnlyList<int> scales)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scales);
        var reports = new List<Report>();
        var failures = new List<string>();
        foreach (var scale in scales)
        {
            var json = Path.Combine(Path.GetTempPath(), $"tracker-bench-{Environment.ProcessId}-{scale}.json");
            var args = new List<string> { "--scale", scale.ToString(CultureInfo.InvariantCulture), "--seed", options.Seed.ToString(CultureInfo.InvariantCulture), "--provider", options.Provider, "--json", json };
            if (options.Repeat is { } repeat)
            {
                args.AddRange(["--repeat", repeat.ToString(CultureInfo.InvariantCulture)]);
            }

            if (options.Connection is { } connection)
            {
                args.AddRange(["--connection", connection]);
            }

            using var process = Process.Start(Self.StartInfo([.. args])) ?? throw new InvalidOperationException("could not start a scale's run");
            await process.WaitForExitAsync();
            if (!File.Exists(json))
            {
                failures.Add($"scale {scale}: the run ended (exit {process.ExitCode}) without a report");
                continue;
            }

            var report = JsonSerializer.Deserialize<Report>(await File.ReadAllTextAsync(json))!;
            File.Delete(json);
            reports.Add(report);
            failures.AddRange(report.Failures.Select(f => $"scale {scale}: {f}"));
            Console.WriteLine();
        }

        if (reports.Count >= 2)
        {
            var small = reports[0];
            Console.WriteLine("Peak working set by scale (collection phase):");
            foreach (var r in reports)
            {
                Console.WriteLine($"  scale {r.Scale,3}: {r.Collection.PeakMb,6:F0} MB (baseline {r.Baseline.PeakMb:F0} MB, process {r.ProcessPeakMb:F0} MB), "
                                  + $"collection {r.Collection.Seconds:F1} s vs baseline {r.Baseline.Seconds:F1} s, pairs' median ratio {r.Ratio:F2}");
            }

            foreach (var r in reports.Skip(1))
            {
                var growth = r.Collection.PeakMb / small.Collection.PeakMb;
                Console.WriteLine($"  scale {r.Scale} / scale {small.Scale}: peak × {growth:F2} (target ≤ {Flatness})");
                if (growth > Flatness)
                {
                    failures.Add($"peak working set grew × {growth:F2} from scale {small.Scale} to {r.Scale} (target ≤ {Flatness})");
                }
            }
        }

        Console.WriteLine(failures.Count == 0 ? "All targets hold." : "Targets failed:\n  " + string.Join("\n  ", failures));
        return failures.Count == 0 ? 0 : 1;
    }
}

/// <summary>The fakes' garbage collections so far, per generation, and their total pause.</summary>
public readonly record struct FakesGc(int Gen0, int Gen1, int Gen2, double PausedMs);
