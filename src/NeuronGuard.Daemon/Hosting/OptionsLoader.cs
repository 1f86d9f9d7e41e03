using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace NeuronGuard.Daemon.Hosting;

/// <summary>
/// Reads <see cref="DaemonOptions"/> from the config file, the environment and command-line overrides. Every mistake a
/// user can make here (bad JSON, a non-numeric value) becomes one <see cref="DaemonConfigurationException"/> line;
/// an unknown key is a warning naming the closest known key, because a typo otherwise silently keeps the default.
/// </summary>
public static class OptionsLoader
{
    private const string EnvPrefix = "NEURONGUARD__";

    /// <param name="warn">Receives one line per unknown setting; stderr when null.</param>
    public static DaemonOptions Load(string? configFile, IDictionary<string, string?>? overrides = null, Action<string>? warn = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new DaemonConfigurationException($"Config file '{configFile}' does not exist.");
            }
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }
        // NEURONGUARD__STORE__KIND is the section's Store:Kind: mapped into the section (not bound a second time from
        // the root), so a list set in both the file and the environment is overridden index by index, never concatenated.
        builder.AddInMemoryCollection(Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => (Key: (string)e.Key, Value: (string?)e.Value))
            .Where(e => e.Key.StartsWith(EnvPrefix, StringComparison.OrdinalIgnoreCase) && e.Key.Length > EnvPrefix.Length)
            .Select(e => new KeyValuePair<string, string?>(DaemonOptions.Section + ":" + e.Key[EnvPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), e.Value)));
        IConfiguration config;
        try
        {
            config = builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            // "Could not parse the JSON file. Error on line number '3': '...'" — the inner exception says what is wrong.
            throw new DaemonConfigurationException($"Config file '{configFile}' is not valid JSON: {OneLine(Innermost(e).Message)}");
        }
        WarnUnknownKeys(config.GetSection(DaemonOptions.Section), warn ?? (line => Console.Error.WriteLine(line)));
        if (overrides is { Count: > 0 })
        {
            // Command-line flags: the last configuration source, bound like every other (no reflection).
            config = new ConfigurationBuilder().AddConfiguration(config)
                .AddInMemoryCollection(overrides.Where(o => o.Value is not null)
                    .Select(o => new KeyValuePair<string, string?>(DaemonOptions.Section + ":" + o.Key, o.Value)))
                .Build();
        }
        // The same pipeline as a host's: AddNeuronGuardDaemon binds and validates on start; run that start check here.
        using var provider = new ServiceCollection().AddNeuronGuardDaemon(config).BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            return provider.GetRequiredService<IOptions<DaemonOptions>>().Value;
        }
        catch (Exception e) when (StartupErrors.AsConfiguration(e) is { } bad)
        {
            throw bad;
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'abc' at 'NeuronGuard:MaxConnections' to type 'System.Int64'."
            throw new DaemonConfigurationException($"Bad setting: {OneLine(e.Message)}");
        }
    }

    /// <summary>Every configuration key under the section that no <see cref="DaemonOptions"/> property reads.</summary>
    public static IEnumerable<(string Key, string? Closest)> UnknownKeys(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var known = new List<string>();
        Collect(typeof(DaemonOptions), "", known);
        foreach (var child in section.AsEnumerable(makePathsRelative: true))
        {
            // Only values: a misspelt section shows up through the values under it.
            string path = NormalizeIndexes(child.Key);
            if (child.Value is null || known.Any(k => k.Equals(path, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            yield return (child.Key, Closest(path, known));
        }
    }

    private static void WarnUnknownKeys(IConfiguration section, Action<string> warn)
    {
        foreach (var (key, closest) in UnknownKeys(section))
        {
            warn(closest is null
                ? $"warning: setting {DaemonOptions.Section}:{key} is not known and is ignored."
                : $"warning: setting {DaemonOptions.Section}:{key} is not known and is ignored; did you mean {closest}?");
        }
    }

    /// <summary>Known paths like "Store:Redis:Endpoints:*" and "Auth:Tokens:*:Name" (lists of objects walk their items).</summary>
    private static void Collect(Type type, string prefix, List<string> into)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            string path = prefix + p.Name;
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (t != typeof(string) && t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>))
            {
                var item = t.GetGenericArguments()[0];
                if (IsLeaf(item))
                {
                    into.Add(path + ":*");
                }
                else
                {
                    Collect(item, path + ":*:", into);
                }
            }
            else if (t.IsArray)
            {
                into.Add(path + ":*");
            }
            else if (IsLeaf(t))
            {
                into.Add(path);
            }
            else
            {
                Collect(t, path + ":", into);
            }
        }
    }

    private static bool IsLeaf(Type t) => t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri);

    private static string NormalizeIndexes(string key) =>
        string.Join(':', key.Split(':').Select(part => part.All(char.IsAsciiDigit) && part.Length > 0 ? "*" : part));

    private static string? Closest(string path, List<string> known)
    {
        string leaf = path.Split(':')[^1];
        var best = known
            .Select(k => (Key: k, Score: Distance(path, k)))
            .OrderBy(c => c.Score).ThenBy(c => c.Key.Length)
            .First();
        // Past a third of the name it is no longer a typo but another word.
        return best.Score <= Math.Max(2, leaf.Length / 3) ? best.Key.Replace(":*", "", StringComparison.Ordinal) : null;
    }

    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
