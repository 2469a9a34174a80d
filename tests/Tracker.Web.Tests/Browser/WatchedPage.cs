using System.Collections.Concurrent;
using System.Net;
using Microsoft.Playwright;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Browser;

/// <summary>A page that records what a test must not see: requests off loopback, console errors, HTTP errors, dialogs.</summary>
public sealed class WatchedPage : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _offLoopback = new();
    private readonly ConcurrentQueue<string> _consoleErrors = new();
    private readonly ConcurrentQueue<string> _dialogs = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly LogSink _serverLog;
    private int _requests;

    private WatchedPage(IBrowserContext context, IPage page, LogSink serverLog)
    {
        _serverLog = serverLog;
        Context = context;
        Page = page;
        page.Request += (_, request) =>
        {
            Interlocked.Increment(ref _requests);
            _log.Enqueue("request " + request.Url);
            var uri = new Uri(request.Url);
            if (uri.Scheme is "http" or "https" or "ws" or "wss" && !(IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)) && uri.Host != "localhost")
            {
                _offLoopback.Enqueue(request.Url);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                _consoleErrors.Enqueue($"HTTP {response.Status} for {response.Url}");
            }
        };
        page.Console += (_, message) =>
        {
            _log.Enqueue($"console {message.Type}: {message.Text}");
            if (message.Type == "error")
            {
                _consoleErrors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => _consoleErrors.Enqueue("page error: " + error);
        page.Dialog += async (_, dialog) =>
        {
            _dialogs.Enqueue(dialog.Type + ": " + dialog.Message);
            await dialog.DismissAsync();
        };
    }

    public IPage Page { get; }

    public IBrowserContext Context { get; }

    public static async Task<WatchedPage> OpenAsync(IBrowser browser, LogSink serverLog, BrowserNewContextOptions? options = null)
    {
        var context = await browser.NewContextAsync(options ?? new() { ViewportSize = new() { Width = 1280, Height = 1000 } });
        return new WatchedPage(context, await context.NewPageAsync(), serverLog);
    }

    /// <summary>Waits for a selector; on timeout, fails with what the page logged and requested.</summary>
    public async Task WaitForAsync(string selector, float timeout = 30_000)
    {
        try
        {
            await Page.Locator(selector).First.WaitForAsync(new() { Timeout = timeout });
        }
        catch (TimeoutException e)
        {
            var html = await Page.ContentAsync();
            throw new TimeoutException($"{selector} did not appear on {Page.Url}. Server log:\n{string.Join('\n', _serverLog.Entries)}\nPage log:\n{string.Join('\n', _log)}\nHTML:\n{html[..Math.Min(html.Length, 4000)]}", e);
        }
    }

    public void AssertClean()
    {
        Assert.True(_requests > 0, "the request watcher saw nothing");
        Assert.True(_offLoopback.IsEmpty, "requests off loopback: " + string.Join(", ", _offLoopback));
        Assert.True(_consoleErrors.IsEmpty, "console errors: " + string.Join(" | ", _consoleErrors));
        Assert.True(_dialogs.IsEmpty, "dialogs: " + string.Join(" | ", _dialogs));
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
