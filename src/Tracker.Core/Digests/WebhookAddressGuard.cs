using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Tracker.Core.Digests;

/// <summary>
/// Keeps webhooks off the inside of the network: a URL whose host resolves to a loopback, private, link-local, CGNAT,
/// unique-local, multicast or cloud-metadata address is refused at subscribe time, and the delivery client connects only
/// to an address that passed this check (DNS rebinding between the two finds nothing to connect to).
/// <c>Tracker:Digests:AllowedWebhookHosts</c> lists host names or CIDR ranges that are allowed anyway.
/// </summary>
public sealed class WebhookAddressGuard(IOptions<DigestOptions> options)
{
    private static readonly (IPAddress Network, int Prefix)[] Forbidden =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001:db8::/32", "fc00::/7",
            "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(ParseCidr),
    ];

    /// <summary>Why a URL is refused, or null when it may be used. Resolves the host.</summary>
    public async Task<string?> CheckAsync(Uri? url, CancellationToken cancellationToken)
    {
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            return "the webhook URL must be an absolute http(s) URL";
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "the webhook URL must not carry credentials";
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(url.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return $"the host '{url.IdnHost}' does not resolve";
        }

        if (addresses.Length == 0)
        {
            return $"the host '{url.IdnHost}' does not resolve";
        }

        var refused = addresses.FirstOrDefault(a => !IsAllowed(url.IdnHost, a));
        return refused is null ? null : $"the host '{url.IdnHost}' resolves to {refused}, a loopback, private, link-local or metadata address";
    }

    /// <summary>True when connecting to <paramref name="address"/> for <paramref name="host"/> is allowed.</summary>
    public bool IsAllowed(string host, IPAddress address)
    {
        var allowed = options.Value.AllowedWebhookHosts;
        if (allowed.Any(h => !h.Contains('/', StringComparison.Ordinal) && string.Equals(h.Trim().Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (allowed.Where(h => h.Contains('/', StringComparison.Ordinal)).Select(ParseCidr).Any(c => InRange(normalized, c)))
        {
            return true;
        }

        return !IsForbidden(normalized);
    }

    public static bool IsForbidden(IPAddress address)
    {
        var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return IPAddress.IsLoopback(a) || a.IsIPv6LinkLocal || a.IsIPv6SiteLocal || a.IsIPv6Multicast || Forbidden.Any(c => InRange(a, c))
            || a.Equals(IPAddress.Broadcast);
    }

    /// <summary>Resolves a host name (or reads an address literal), as the delivery client's connect callback does.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.Trim('[', ']');
        return IPAddress.TryParse(bare, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(bare, cancellationToken);
    }

    /// <summary>A SocketsHttpHandler that connects only to checked addresses and never follows redirects.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = await ResolveAsync(host, cancellationToken);
            var address = addresses.FirstOrDefault(a => IsAllowed(host, a))
                ?? throw new WebhookRefusedException($"the host '{host}' resolves only to refused addresses ({string.Join(", ", addresses.Select(a => a.ToString()))})");
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private static (IPAddress Network, int Prefix) ParseCidr(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var address = IPAddress.Parse(cidr[..slash].Trim().Trim('[', ']'));
        return (address, int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool InRange(IPAddress address, (IPAddress Network, int Prefix) range)
    {
        if (address.AddressFamily != range.Network.AddressFamily)
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var n = range.Network.GetAddressBytes();
        var bits = range.Prefix;
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (n[i] & mask))
            {
                return false;
            }
        }

        return true;
    }
}

public sealed class WebhookRefusedException : Exception
{
    public WebhookRefusedException()
    {
    }

    public WebhookRefusedException(string message)
        : base(message)
    {
    }

    public WebhookRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
