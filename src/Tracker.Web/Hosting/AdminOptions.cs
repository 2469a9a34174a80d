namespace Tracker.Web.Hosting;

/// <summary>Credentials for admin pages (/jobs) from another host. Set the password through environment or user-secrets.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Tracker:Admin";

    public string User { get; set; } = "admin";

    /// <summary>Without a password, admin pages answer only requests from this machine.</summary>
    public string? Password { get; set; }
}
