using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>The registry's exposition as a string, for tests, benchmarks and diagnostics (the listener streams it).</summary>
public static class RegistryText
{
    /// <summary>Collects and writes the whole registry in the Prometheus text format (or OpenMetrics).</summary>
    public static string Scrape(this CollectorRegistry registry, ExpositionFormat format = ExpositionFormat.PrometheusText)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream, format, CancellationToken.None).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
