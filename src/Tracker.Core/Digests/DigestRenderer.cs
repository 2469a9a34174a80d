using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Core.Stats;

namespace Tracker.Core.Digests;

public sealed record EmailContent(string Subject, string Html, string Text);

/// <summary>
/// Turns a <see cref="WeeklyDigest"/> into each channel's format. Every piece of text goes through the channel's encoder
/// (HTML, Slack mrkdwn, Markdown, JSON), whoever wrote it: model and release names are third-party text. The body of a
/// digest is rendered once per format and cached; only the footer (the subscriber's unsubscribe link) differs.
/// </summary>
public sealed class DigestRenderer(IOptions<DigestOptions> options)
{
    /// <summary>WeCom's markdown content limit is 4,096 bytes; DingTalk's and Feishu's are larger.</summary>
    public const int WeComLimit = 4000;
    public const int MarkdownLimit = 18000;

    internal static readonly JavaScriptEncoder JsonEncoder = JavaScriptEncoder.Create(UnicodeRanges.All);
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);
    private static readonly JsonSerializerOptions JsonOptions = new(DigestJsonContext.Default.Options) { Encoder = JsonEncoder };
    private readonly ConcurrentDictionary<(string Week, string Language, string Families, string Format), string> _bodies = new();

    public Uri BaseUrl => options.Value.PublicBaseUrl;

    public Uri ArchiveUrl(WeeklyDigest digest) => new(BaseUrl, "digests/" + digest.Week);

    public EmailContent Email(WeeklyDigest digest, Uri unsubscribe)
    {
        var lang = digest.Language;
        var subject = DigestText.Format(lang, "Subject", digest.Week);
        var html = Body(digest, "html", () => new HtmlDigestWriter());
        var text = Body(digest, "text", () => new TextDigestWriter());
        var footer = DigestText.Format(lang, "Footer", BaseUrl.Authority);
        var page = $"""
            <!DOCTYPE html>
            <html lang="{Html.Encode(lang)}"><head><meta charset="utf-8"><title>{Html.Encode(subject)}</title></head>
            <body style="font-family:system-ui,sans-serif;max-width:720px;margin:auto;color:#222">
            {html}
            <hr><p style="font-size:small;color:#666">{Html.Encode(footer)} <a href="{Html.Encode(unsubscribe.AbsoluteUri)}">{Html.Encode(DigestText.Get(lang, "Unsubscribe"))}</a></p>
            </body></html>
            """;
        return new EmailContent(subject, page, text + "\n--\n" + footer + "\n" + DigestText.Get(lang, "Unsubscribe") + ": " + unsubscribe.AbsoluteUri + "\n");
    }

    /// <summary>The digest as an HTML fragment (every text encoded): the archive page and the Atom entries show it.</summary>
    public string HtmlBody(WeeklyDigest digest) => Body(digest, "html", () => new HtmlDigestWriter());

    /// <summary>The webhook body for a channel (signing, where a platform wants it in the body, is added by the channel).</summary>
    public JsonObject Webhook(string channel, WeeklyDigest digest, Uri unsubscribe)
    {
        var lang = digest.Language;
        var title = DigestText.Format(lang, "Subject", digest.Week);
        var unsubscribeLabel = DigestText.Get(lang, "Unsubscribe");
        switch (channel)
        {
            case DigestChannels.Slack:
                var slack = Body(digest, channel, () => new SlackDigestWriter());
                return new JsonObject
                {
                    ["text"] = slack + $"\n<{SlackDigestWriter.Url(unsubscribe)}|{SlackDigestWriter.Escape(unsubscribeLabel)}>",
                    ["unfurl_links"] = false,
                    ["unfurl_media"] = false,
                };
            case DigestChannels.Feishu:
                return new JsonObject
                {
                    ["msg_type"] = "interactive",
                    ["card"] = new JsonObject
                    {
                        ["config"] = new JsonObject { ["wide_screen_mode"] = true },
                        ["header"] = new JsonObject { ["title"] = new JsonObject { ["tag"] = "plain_text", ["content"] = title } },
                        ["elements"] = new JsonArray(new JsonObject
                        {
                            ["tag"] = "markdown",
                            ["content"] = Markdown(digest, channel, MarkdownLimit) + $"\n[{MarkdownDigestWriter.Escape(unsubscribeLabel)}]({MarkdownDigestWriter.Url(unsubscribe)})",
                        }),
                    },
                };
            case DigestChannels.DingTalk:
                return new JsonObject
                {
                    ["msgtype"] = "markdown",
                    ["markdown"] = new JsonObject
                    {
                        ["title"] = title,
                        ["text"] = Markdown(digest, channel, MarkdownLimit) + $"\n\n[{MarkdownDigestWriter.Escape(unsubscribeLabel)}]({MarkdownDigestWriter.Url(unsubscribe)})",
                    },
                };
            case DigestChannels.WeCom:
                return new JsonObject
                {
                    ["msgtype"] = "markdown",
                    ["markdown"] = new JsonObject
                    {
                        ["content"] = Markdown(digest, channel, WeComLimit - 300) + $"\n[{MarkdownDigestWriter.Escape(unsubscribeLabel)}]({MarkdownDigestWriter.Url(unsubscribe)})",
                    },
                };
            default:
                return new JsonObject
                {
                    ["event"] = "weekly_digest",
                    ["digest"] = JsonSerializer.SerializeToNode(digest, DigestJsonContext.Default.WeeklyDigest),
                    ["links"] = new JsonObject { ["archive"] = ArchiveUrl(digest).AbsoluteUri, ["unsubscribe"] = unsubscribe.AbsoluteUri },
                };
        }
    }

    /// <summary>A short message in a channel's own format, for the test delivery at subscription time.</summary>
    public static JsonObject TestMessage(string channel, string language, string timeZone)
    {
        var text = DigestText.Format(language, "TestMessage", timeZone);
        return channel switch
        {
            DigestChannels.Slack => new JsonObject { ["text"] = SlackDigestWriter.Escape(text) },
            DigestChannels.Feishu => new JsonObject { ["msg_type"] = "text", ["content"] = new JsonObject { ["text"] = text } },
            DigestChannels.DingTalk => new JsonObject { ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text } },
            DigestChannels.WeCom => new JsonObject { ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text } },
            _ => new JsonObject { ["event"] = "test", ["message"] = text },
        };
    }

    public static string Serialize(JsonObject payload) => payload.ToJsonString(JsonOptions);

    private string Markdown(WeeklyDigest digest, string channel, int limit)
    {
        var body = Body(digest, channel, () => new MarkdownDigestWriter());
        if (Encoding.UTF8.GetByteCount(body) <= limit)
        {
            return body;
        }

        // Cut whole lines and point to the full digest in the archive.
        var more = $"\n…\n[{MarkdownDigestWriter.Escape(DigestText.Get(digest.Language, "Archive"))}]({MarkdownDigestWriter.Url(ArchiveUrl(digest))})";
        var budget = limit - Encoding.UTF8.GetByteCount(more);
        var sb = new StringBuilder();
        foreach (var line in body.Split('\n'))
        {
            if (Encoding.UTF8.GetByteCount(sb.ToString()) + Encoding.UTF8.GetByteCount(line) + 1 > budget)
            {
                break;
            }

            sb.Append(line).Append('\n');
        }

        return sb.Append(more).ToString();
    }

    private string Body(WeeklyDigest digest, string format, Func<DigestWriter> create)
    {
        var key = (digest.Week, digest.Language, string.Join(',', digest.Families), format);
        if (_bodies.TryGetValue(key, out var cached))
        {
            return cached;
        }

        if (_bodies.Count > 256)
        {
            _bodies.Clear(); // a few variants per week; this only bounds memory over months of uptime
        }

        var writer = create();
        Write(digest, writer);
        return _bodies.GetOrAdd(key, writer.ToString());
    }

    private void Write(WeeklyDigest d, DigestWriter w)
    {
        var lang = d.Language;
        var culture = DigestText.Culture(lang);
        string N(long? value) => value is { } v ? v.ToString("N0", culture) : DigestText.Get(lang, "Unknown");
        string Signed(long? value) => value is { } v ? (v > 0 ? "+" : "") + v.ToString("N0", culture) : DigestText.Get(lang, "Unknown");
        static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        w.Title(DigestText.Format(lang, "Title", d.Week));
        w.Line(DigestText.Format(lang, "Period", Day(d.From), Day(d.To)));
        w.Link(DigestText.Get(lang, "Chart"), BaseUrl);
        w.Link(DigestText.Get(lang, "Archive"), ArchiveUrl(d));
        foreach (var f in d.Sections)
        {
            w.Section($"{f.Name} ({f.Vendor})");
            w.Line(DigestText.Format(lang, "Models", N(f.Models), N(f.ModelsAdded)));
            w.Line(DigestText.Format(lang, "Downloads", N(f.DownloadsThisWeek)));
            w.Line(DigestText.Format(lang, "Change", Signed(f.DownloadsChange)));

            w.Heading(DigestText.Get(lang, "NewModels"));
            w.Items(f.NewModels.Select(m => (m.Repo + " · " + m.Platform, (Uri?)ModelUrl(m.Platform, m.Repo))).ToList(), DigestText.Get(lang, "None"));

            w.Heading(DigestText.Get(lang, "Releases"));
            w.Items(f.Releases.Select(r => ($"{r.Repo} {r.Tag}" + (string.IsNullOrWhiteSpace(r.Name) || r.Name == r.Tag ? "" : $" ({r.Name})"), (Uri?)ReleaseUrl(r))).ToList(), DigestText.Get(lang, "None"));

            w.Heading(DigestText.Get(lang, "Derivatives"));
            w.Items(f.Derivatives.Select(g => ($"{DigestText.Get(lang, "Relation." + g.Relation)}: {N(g.Total)} ({Signed(g.Added)})", (Uri?)null)).ToList(), DigestText.Get(lang, "None"));

            w.Heading(DigestText.Get(lang, "TopMovers"));
            w.Items(f.TopMovers.Select(m => ($"{m.RepoId} · {m.Source}: +{m.Gain.ToString("N0", culture)}"
                + (m.CounterDecreased ? $" ({DigestText.Get(lang, "Quality.counterDecreaseModel")})" : ""), (Uri?)ModelUrl(m.Source, m.RepoId))).ToList(), DigestText.Get(lang, "None"));

            if (f.ClaimChanges is { Count: > 0 } changes)
            {
                w.Heading(DigestText.Get(lang, "ClaimChanges"));
                w.Items([.. changes.Select(c => (
                    DigestText.Format(lang, "ClaimChange", c.ClaimId, c.From is null ? DigestText.Get(lang, "Verdict.none") : DigestText.Get(lang, "Verdict." + c.From),
                        DigestText.Get(lang, "Verdict." + c.To), Day(c.Day)),
                    (Uri?)new Uri(BaseUrl, "claims#" + Uri.EscapeDataString(c.ClaimId))))], DigestText.Get(lang, "None"));
            }

            if (f.Quality.Count > 0)
            {
                w.Heading(DigestText.Get(lang, "Quality"));
                w.Items(f.Quality.Select(q => (QualityNote(lang, q), (Uri?)null)).Distinct().ToList(), DigestText.Get(lang, "None"));
            }
        }
    }

    private static string QualityNote(string lang, QualityFlag q)
    {
        static string Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "?";
        return q.Kind switch
        {
            QualityKinds.Gap => DigestText.Format(lang, "Quality.gap", Day(q.From), Day(q.To)),
            QualityKinds.CounterDecrease => DigestText.Format(lang, "Quality.counterDecrease", Day(q.From)),
            QualityKinds.Partial => DigestText.Format(lang, "Quality.partial", Day(q.From)),
            _ => DigestText.Get(lang, "Quality.noData"),
        };
    }

    private static Uri ModelUrl(string platform, string repo)
    {
        var path = string.Join('/', repo.Split('/').Select(Uri.EscapeDataString));
        return platform switch
        {
            Platform.ModelScope => new Uri("https://modelscope.cn/models/" + path),
            Platform.GitHub => new Uri("https://github.com/" + path),
            _ => new Uri("https://huggingface.co/" + path),
        };
    }

    private static Uri ReleaseUrl(ReleaseItem r) =>
        new(ModelUrl(Platform.GitHub, r.Repo).AbsoluteUri + "/releases/tag/" + Uri.EscapeDataString(r.Tag ?? ""));

    internal abstract class DigestWriter
    {
        protected StringBuilder Out { get; } = new();

        public abstract void Title(string text);
        public abstract void Section(string text);
        public abstract void Heading(string text);
        public abstract void Line(string text);
        public abstract void Link(string text, Uri url);

        public abstract void Items(IReadOnlyList<(string Text, Uri? Url)> items, string none);

        public override string ToString() => Out.ToString();
    }

    private sealed class HtmlDigestWriter : DigestWriter
    {
        public override void Title(string text) => Out.Append("<h1>").Append(Html.Encode(text)).Append("</h1>\n");
        public override void Section(string text) => Out.Append("<h2>").Append(Html.Encode(text)).Append("</h2>\n");
        public override void Heading(string text) => Out.Append("<h3>").Append(Html.Encode(text)).Append("</h3>\n");
        public override void Line(string text) => Out.Append("<p>").Append(Html.Encode(text)).Append("</p>\n");
        public override void Link(string text, Uri url) => Out.Append("<p><a href=\"").Append(Html.Encode(url.AbsoluteUri)).Append("\">").Append(Html.Encode(text)).Append("</a></p>\n");

        public override void Items(IReadOnlyList<(string Text, Uri? Url)> items, string none)
        {
            if (items.Count == 0)
            {
                Out.Append("<p><em>").Append(Html.Encode(none)).Append("</em></p>\n");
                return;
            }

            Out.Append("<ul>\n");
            foreach (var (text, url) in items)
            {
                Out.Append("<li>");
                if (url is not null)
                {
                    Out.Append("<a href=\"").Append(Html.Encode(url.AbsoluteUri)).Append("\">").Append(Html.Encode(text)).Append("</a>");
                }
                else
                {
                    Out.Append(Html.Encode(text));
                }

                Out.Append("</li>\n");
            }

            Out.Append("</ul>\n");
        }
    }

    private sealed class TextDigestWriter : DigestWriter
    {
        public override void Title(string text) => Out.Append(text).Append('\n').Append('=', Math.Min(text.Length, 60)).Append("\n\n");
        public override void Section(string text) => Out.Append('\n').Append(text).Append('\n').Append('-', Math.Min(text.Length, 60)).Append('\n');
        public override void Heading(string text) => Out.Append('\n').Append(text).Append(":\n");
        public override void Line(string text) => Out.Append(text).Append('\n');
        public override void Link(string text, Uri url) => Out.Append(text).Append(": ").Append(url.AbsoluteUri).Append('\n');

        public override void Items(IReadOnlyList<(string Text, Uri? Url)> items, string none)
        {
            if (items.Count == 0)
            {
                Out.Append("  ").Append(none).Append('\n');
            }

            foreach (var (text, url) in items)
            {
                Out.Append("  * ").Append(text).Append(url is null ? "" : " <" + url.AbsoluteUri + ">").Append('\n');
            }
        }
    }

    /// <summary>Slack mrkdwn: &amp;, &lt; and &gt; are the control characters; escaped, <c>&lt;!channel&gt;</c> is plain text.</summary>
    internal sealed class SlackDigestWriter : DigestWriter
    {
        public static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

        /// <summary>A URL inside &lt;…|…&gt;: its own &lt; &gt; | are percent-encoded by Uri already; escape &amp;.</summary>
        public static string Url(Uri url) => Escape(url.AbsoluteUri).Replace("|", "%7C", StringComparison.Ordinal);

        public override void Title(string text) => Out.Append('*').Append(Escape(text)).Append("*\n");
        public override void Section(string text) => Out.Append("\n*").Append(Escape(text)).Append("*\n");
        public override void Heading(string text) => Out.Append('_').Append(Escape(text)).Append("_\n");
        public override void Line(string text) => Out.Append(Escape(text)).Append('\n');
        public override void Link(string text, Uri url) => Out.Append('<').Append(Url(url)).Append('|').Append(Escape(text)).Append(">\n");

        public override void Items(IReadOnlyList<(string Text, Uri? Url)> items, string none)
        {
            if (items.Count == 0)
            {
                Out.Append("• ").Append(Escape(none)).Append('\n');
            }

            foreach (var (text, url) in items)
            {
                // A link label cannot hold '|' or '>' raw; Escape turned '>' into &gt; and '|' is replaced.
                Out.Append("• ").Append(url is null ? Escape(text) : $"<{Url(url)}|{Escape(text).Replace("|", "¦", StringComparison.Ordinal)}>").Append('\n');
            }
        }
    }

    /// <summary>
    /// Markdown as Feishu, DingTalk and WeCom render it: Markdown punctuation is backslash-escaped and &lt; &gt; &amp;
    /// become entities, so a name can neither format, link nor inject markup.
    /// </summary>
    internal sealed class MarkdownDigestWriter : DigestWriter
    {
        public static string Escape(string text)
        {
            var sb = new StringBuilder(text.Length + 8);
            foreach (var c in text)
            {
                _ = c switch
                {
                    '<' => sb.Append("&lt;"),
                    '>' => sb.Append("&gt;"),
                    '&' => sb.Append("&amp;"),
                    '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '#' or '|' or '~' or '!' => sb.Append('\\').Append(c),
                    '\r' or '\n' => sb.Append(' '),
                    _ => sb.Append(c),
                };
            }

            return sb.ToString();
        }

        /// <summary>A link target: Uri percent-encodes spaces and angle brackets; parentheses are encoded too.</summary>
        public static string Url(Uri url) => url.AbsoluteUri.Replace("(", "%28", StringComparison.Ordinal).Replace(")", "%29", StringComparison.Ordinal);

        public override void Title(string text) => Out.Append("## ").Append(Escape(text)).Append('\n');
        public override void Section(string text) => Out.Append("\n### ").Append(Escape(text)).Append('\n');
        public override void Heading(string text) => Out.Append("\n**").Append(Escape(text)).Append("**\n");
        public override void Line(string text) => Out.Append(Escape(text)).Append("  \n");
        public override void Link(string text, Uri url) => Out.Append('[').Append(Escape(text)).Append("](").Append(Url(url)).Append(")  \n");

        public override void Items(IReadOnlyList<(string Text, Uri? Url)> items, string none)
        {
            if (items.Count == 0)
            {
                Out.Append("- ").Append(Escape(none)).Append('\n');
            }

            foreach (var (text, url) in items)
            {
                Out.Append("- ").Append(url is null ? Escape(text) : $"[{Escape(text)}]({Url(url)})").Append('\n');
            }
        }
    }
}
