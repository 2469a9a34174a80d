namespace Tracker.Web.Hosting;

/// <summary>How the app reads its settings files (appsettings*.json).</summary>
public static class SettingsFiles
{
    /// <summary>
    /// The host's arguments with settings files read once, at start-up, rather than watched. Watching them puts a
    /// recursive file watcher on the content root, and the default database (data/tracker.db) lives under it: every
    /// write of a collection then woke the watcher (on the benchmark's fakes, which had the same watcher over the
    /// database's folder, a tenth of the collection writer's CPU and half the fakes' own). Tracker's settings are read at
    /// start-up anyway. Arguments given after this one win: <c>--hostBuilder:reloadConfigOnChange=true</c> turns watching on.
    /// </summary>
    public static string[] HostArguments(string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];
}
