using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Web.Hosting;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Hosting;

[Collection(AppHosts.Name)]
public sealed class SettingsFilesTests
{
    [Fact]
    public async Task The_app_reads_its_settings_files_without_watching_them()
    {
        // A watcher would cover the content root, where the default database lives, and wake on every write.
        await using var app = await TrackerAppFactory.StartAsync();
        var root = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        var files = root.Providers.OfType<JsonConfigurationProvider>().ToList();

        Assert.Contains(files, f => f.Source.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, f.Source.Path));
    }

    [Fact]
    public void Watching_can_be_turned_back_on_from_the_command_line()
    {
        var args = SettingsFiles.HostArguments(["--hostBuilder:reloadConfigOnChange=true"]);
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();

        Assert.Equal("true", configuration["hostBuilder:reloadConfigOnChange"]);
    }
}
