using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tracker.Testing;

/// <summary>The web host every loopback fake runs on.</summary>
public static class FakeHost
{
    /// <summary>
    /// A slim builder listening on loopback (port 0: any free one) that reads no settings files and watches nothing. By
    /// default a web host's content root is the current directory, watched recursively for changes to its settings
    /// files: run from /tmp, the fakes' watchers saw every write to the database files of the collection under
    /// test, and each write paid for waking them (a tenth of the benchmark writer's CPU).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        return builder;
    }

    /// <summary>
    /// Answers with the start of a body, then aborts the connection: a response cut off midway, past the headers (which the
    /// client's resilience pipeline has already seen).
    /// </summary>
    public static async Task BreakOffAsync(HttpContext context, string start)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(start);
        await context.Response.Body.FlushAsync();
        // Long enough for the headers and the first bytes to reach the client before the connection goes.
        await Task.Delay(100);
        context.Abort();
    }
}
