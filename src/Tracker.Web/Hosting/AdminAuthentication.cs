using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Tracker.Web.Hosting;

/// <summary>
/// The "Admin" policy: a request from this machine passes; any other must authenticate with the configured admin
/// credentials (HTTP Basic, meant to sit behind TLS). Never anonymous from another host.
/// </summary>
internal static class AdminAuthentication
{
    public const string Policy = "Admin";
    public const string SchemeName = "AdminBasic";

    public static IServiceCollection AddAdminPolicy(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName);
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, BasicHandler>(SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(SchemeName)
            .AddRequirements(new LocalOrAdminRequirement()));
        services.AddSingleton<IAuthorizationHandler, LocalOrAdminHandler>();
        return services;
    }

    internal static bool IsLocal(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        return remote is not null && (IPAddress.IsLoopback(remote) || remote.Equals(context.Connection.LocalIpAddress));
    }

    private sealed class LocalOrAdminRequirement : IAuthorizationRequirement;

    private sealed class LocalOrAdminHandler : AuthorizationHandler<LocalOrAdminRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, LocalOrAdminRequirement requirement)
        {
            var http = context.Resource as HttpContext;
            if ((http is not null && IsLocal(http)) || context.User.Identity is { IsAuthenticated: true, AuthenticationType: SchemeName })
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }

    private sealed class BasicHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AdminOptions> admin)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var password = admin.Value.Password;
            if (string.IsNullOrEmpty(password) || !AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
                || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            }
            catch (FormatException)
            {
                return Task.FromResult(AuthenticateResult.Fail("malformed Basic credentials"));
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !FixedEquals(decoded[..colon], admin.Value.User) || !FixedEquals(decoded[(colon + 1)..], password))
            {
                return Task.FromResult(AuthenticateResult.Fail("wrong admin credentials"));
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, admin.Value.User)], SchemeName);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Basic realm=\"Tracker admin\", charset=\"UTF-8\"";
            return Task.CompletedTask;
        }

        // Constant time, so the comparison does not leak how much of a guess was right.
        private static bool FixedEquals(string a, string b) =>
            CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
    }
}
