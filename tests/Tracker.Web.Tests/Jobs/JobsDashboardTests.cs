using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Jobs;

/// <summary>/jobs answers this machine, or the admin with the configured password; never anyone else.</summary>
[Collection(AppHosts.Name)]
public sealed class JobsDashboardTests
{
    [Fact]
    public async Task Jobs_refuses_a_request_that_is_not_local_when_no_password_is_set()
    {
        await using var app = await TrackerAppFactory.StartAsync();
        using var client = app.CreateClient(); // TestServer: no remote address, so not local
        using var request = Get("/jobs", "admin", "anything");

        using var anonymous = await client.GetAsync(new Uri("/jobs", UriKind.Relative));
        using var guessed = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);
    }

    [Fact]
    public async Task Jobs_answers_the_admin_with_the_right_password_and_refuses_a_wrong_one()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { AdminPassword = "s3cret-pass" });
        using var client = app.CreateClient();

        using var anonymous = await client.GetAsync(new Uri("/jobs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using (var wrong = Get("/jobs", "admin", "s3cret-pasS"))
        using (var response = await client.SendAsync(wrong))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var wrongUser = Get("/jobs", "root", "s3cret-pass"))
        using (var response = await client.SendAsync(wrongUser))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var right = Get("/jobs", "admin", "s3cret-pass"))
        using (var response = await client.SendAsync(right))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Tracker jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Jobs_answers_a_local_request_over_kestrel()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Kestrel = true });
        using var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };

        using var response = await client.GetAsync(new Uri("/jobs", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Tracker jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static HttpRequestMessage Get(string url, string user, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return request;
    }
}
