using System.Text.RegularExpressions;
using Microsoft.Extensions.FileProviders;
using NeuronGuard.Daemon.WebConsole;

namespace NeuronGuard.Console.Tests;

/// <summary>
/// Rules the console's files keep, checked on the files embedded in the daemon: strings from model servers reach the
/// page only as text (no HTML parsing APIs at all), and nothing inline that the Content-Security-Policy would block.
/// </summary>
public sealed partial class ConsoleSourceTests
{
    private static IEnumerable<(string Path, string Text)> Files(string directory = "")
    {
        // The manifest provider lists the root as "/" (an empty path is "not found").
        foreach (var entry in ConsoleEndpoint.Files.GetDirectoryContents(directory.Length == 0 ? "/" : directory))
        {
            string path = directory.Length == 0 ? entry.Name : $"{directory}/{entry.Name}";
            if (entry.IsDirectory)
            {
                foreach (var f in Files(path))
                {
                    yield return f;
                }
                continue;
            }
            using var reader = new StreamReader(entry.CreateReadStream());
            yield return (path, reader.ReadToEnd());
        }
    }

    [Fact]
    public void EmbeddedFiles_HoldEveryView()
    {
        var names = Files().Select(f => f.Path).ToHashSet();
        Assert.Superset(new HashSet<string> { "index.html", "app.js", "api.js", "dom.js", "console.css", "views/overview.js", "views/tail.js", "views/request.js", "views/policy.js", "views/audit.js" }, names);
    }

    [Fact]
    public void Scripts_UseNoHtmlParsingApi()
    {
        foreach (var (path, text) in Files().Where(f => f.Path.EndsWith(".js", StringComparison.Ordinal)))
        {
            var hit = HtmlSinks().Match(text);
            Assert.False(hit.Success, $"{path} uses {hit.Value}: build nodes with dom.js (textContent), never parse HTML");
        }
    }

    [Fact]
    public void Index_HasNoInlineScriptOrStyle()
    {
        string html = Files().Single(f => f.Path == "index.html").Text;
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)", html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"\sstyle=|\son[a-z]+=", html);
    }

    [Fact]
    public void Files_ReferenceNothingOffOrigin()
    {
        foreach (var (path, text) in Files())
        {
            Assert.DoesNotMatch(@"(src|href)=""(https?:)?//", text);
            Assert.False(Regex.IsMatch(text, @"import[^;]*from\s+['""]https?:"), $"{path} imports a module from another origin");
        }
    }

    [GeneratedRegex(@"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\s*\(|createContextualFragment|DOMParser")]
    private static partial Regex HtmlSinks();
}
