using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NeuronGuard.Inference;
using NeuronGuard.Inference.Loading;

namespace NeuronGuard.Bench.Fingerprint;

/// <summary>
/// Cost of the weights fingerprint (recipe 2) on a ~500 MB F32 checkpoint (random GPT-2 small), in GB/s, against two
/// references measured in the same run and interleaved with it: reading the same bytes (the floor any content hash
/// pays) and SHA-256 over them (what a cryptographic hash would cost). Also the cached case (same size and time, a
/// restart) and the Python client's from_folder. Writes bench/results/fingerprint.md.
/// </summary>
internal sealed class FingerprintBenchmark : IBenchmark
{
    public string Name => "fingerprint";

    public string Description => "Weights fingerprint (XxHash128 per tensor) in GB/s on a 500 MB checkpoint vs read and SHA-256; cached; Python";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        int pairs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        string dir = Directory.CreateTempSubdirectory("ng-fp-bench-").FullName;
        try
        {
            FixtureMaker.WriteRandom(dir, RandomModelShape.Gpt2Small, seed: 1234);
            string file = Path.Combine(dir, "model.safetensors");
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-1)); // outside the cache's racy window
            long bytes = new FileInfo(file).Length;
            var config = ConfigReader.Read(dir);
            using var store = TensorStore.Open(dir);
            long tensorBytes = store.Entries.Sum(e => e.Length);
            Read(file); // page cache warm: every pass reads from memory, so the figures are CPU cost, not disk
            var fp = new List<double>();
            var read = new List<double>();
            var sha = new List<double>();
            string value = "";
            for (int i = 0; i < pairs; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                fp.Add(Time(() => value = NeuronGuard.Inference.Loading.Fingerprint.Compute(config, store.Entries, new FingerprintCache(null))));
                read.Add(Time(() => Read(file)));
                sha.Add(Time(() => Sha(file)));
            }
            string cacheDir = Directory.CreateTempSubdirectory("ng-fp-cache-").FullName;
            NeuronGuard.Inference.Loading.Fingerprint.Compute(config, store.Entries, new FingerprintCache(cacheDir));
            var cached = Enumerable.Range(0, pairs).Select(_ => Time(() => NeuronGuard.Inference.Loading.Fingerprint.Compute(config, store.Entries, new FingerprintCache(cacheDir)))).ToList();
            var python = Enumerable.Range(0, Math.Min(pairs, 5)).Select(_ => PythonSeconds(dir)).ToList();
            Directory.Delete(cacheDir, recursive: true);
            string md = Report(bytes, tensorBytes, pairs, fp, read, sha, cached, python, value);
            string outPath = Path.Combine(RepoRoot(), "bench", "results", "fingerprint.md");
            await File.WriteAllTextAsync(outPath, md, cancellationToken);
            Console.Write(md);
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }

    private static void Read(string file)
    {
        var buf = new byte[1 << 20];
        using var f = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        while (f.Read(buf, 0, buf.Length) > 0)
        {
        }
    }

    private static void Sha(string file)
    {
        using var f = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        SHA256.HashData(f);
    }

    /// <summary>Seconds of fingerprint.from_folder in Debian's python3 (process start and imports excluded), cache off.</summary>
    private static double PythonSeconds(string dir)
    {
        string script = "import sys, time; sys.path.insert(0, sys.argv[1]); from neuronguard import fingerprint as f\n"
            + "t = time.perf_counter(); f.from_folder(sys.argv[2]); print(time.perf_counter() - t)\n";
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", script, Path.Combine(RepoRoot(), "clients", "python"), dir })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["NEURONGUARD_FINGERPRINT_CACHE"] = "off";
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? double.Parse(output.Trim(), CultureInfo.InvariantCulture) : double.NaN;
    }

    private static string Report(long bytes, long tensorBytes, int pairs, List<double> fp, List<double> read, List<double> sha,
        List<double> cached, List<double> python, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        string Gbs(List<double> s, long n) =>
            string.Format(inv, "{0:F2} GB/s (median {1:F3} s; range {2:F3}–{3:F3} s)", n / Median(s) / 1e9, Median(s), s.Min(), s.Max());
        var ratios = fp.Zip(read, (a, b) => a / b).ToList();
        var shaRatios = fp.Zip(sha, (a, b) => a / b).ToList();
        var md = new StringBuilder();
        md.AppendLine("# Weights fingerprint cost");
        md.AppendLine();
        md.AppendLine("Recipe 2 (docs/telemetry.md, \"Model fingerprint\"): XxHash128 of every tensor's stored bytes, streamed from the");
        md.AppendLine("memory-mapped checkpoint 1 MiB at a time. Generated by");
        md.AppendLine("`dotnet run --project bench/NeuronGuard.Bench -c Release -- fingerprint` (a random GPT-2 small, as");
        md.AppendLine("`neuronguard fixture --random gpt2-small` writes it, in a temp dir).");
        md.AppendLine();
        md.AppendLine(string.Format(inv, "- Machine: {0}, {1} cores (`lscpu`); .NET {2}. Load at the start (`uptime`): {3}.", CpuModel(), Environment.ProcessorCount, Environment.Version, Uptime()));
        md.AppendLine("- The machine was shared with other builds and test runs while this ran: the absolute figures are noisy; the");
        md.AppendLine("  ratios come from interleaved passes (fingerprint, read, SHA-256, repeated) and are the steadier numbers.");
        md.AppendLine(string.Format(inv, "- Checkpoint: {0:F1} MB file, {1:F1} MB of tensor bytes, F32; page cache warm (figures are CPU cost, not disk).", bytes / 1e6, tensorBytes / 1e6));
        md.AppendLine(string.Format(inv, "- {0} interleaved passes each; fingerprint of this checkpoint: `{1}`.", pairs, value));
        md.AppendLine();
        md.AppendLine("| pass | throughput over the file |");
        md.AppendLine("| --- | --- |");
        md.AppendLine($"| fingerprint, uncached (C#) | {Gbs(fp, tensorBytes)} |");
        md.AppendLine($"| reference: read the file (1 MiB reads) | {Gbs(read, bytes)} |");
        md.AppendLine($"| reference: SHA-256 of the file | {Gbs(sha, bytes)} |");
        md.AppendLine(string.Format(inv, "| fingerprint, cached (same size and time: a restart) | not a throughput: median {0:F4} s (range {1:F4}–{2:F4} s) for the whole file |", Median(cached), cached.Min(), cached.Max()));
        md.AppendLine($"| fingerprint, Python `from_folder` (cache off; up to 5 runs) | {Gbs(python, tensorBytes)} |");
        md.AppendLine();
        md.AppendLine(string.Format(inv, "Fingerprint time / read time per interleaved pair: median {0:F2} (range {1:F2}–{2:F2}); fingerprint / SHA-256: median {3:F2} (range {4:F2}–{5:F2}).",
            Median(ratios), ratios.Min(), ratios.Max(), Median(shaRatios), shaRatios.Min(), shaRatios.Max()));
        md.AppendLine();
        md.AppendLine("The slowest fingerprint pass is the first: it touches every page of the fresh memory mapping (the host maps the");
        md.AppendLine("file anyway to serve F32 weights in place, so a real start pays that once, for loading and hashing together).");
        md.AppendLine("A model start pays the uncached figure once per changed checkpoint; the cached row is what a restart pays");
        md.AppendLine("(header parse and one cache file read; files under 64 MiB are cached in memory only).");
        return md.ToString();
    }

    private static double Median(List<double> s)
    {
        var o = s.Where(x => !double.IsNaN(x)).Order().ToList();
        return o.Count == 0 ? double.NaN : o.Count % 2 == 1 ? o[o.Count / 2] : (o[o.Count / 2 - 1] + o[o.Count / 2]) / 2;
    }

    private static string Run(string cmd, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(cmd, args) { RedirectStandardOutput = true })!;
            string s = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return s;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    private static string CpuModel() =>
        Run("lscpu", "").Split('\n').FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal))?["Model name:".Length..].Trim() ?? "unknown CPU";

    private static string Uptime() => Run("uptime", "").Trim();

    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "NeuronGuard.sln")))
        {
            d = d.Parent;
        }
        return d?.FullName ?? Directory.GetCurrentDirectory();
    }
}
