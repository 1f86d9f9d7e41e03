using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// One long-lived torch_bench.py worker (Debian's /usr/bin/python3, which has python3-torch) answering one JSON
/// command per line, so its samples can alternate with the managed engine's without a process start (and a torch
/// import) per sample. The script refuses to start (exit 3) unless OpenBLAS runs the best core this CPU supports;
/// it selects that core itself, for its own process only, through OPENBLAS_CORETYPE.
/// </summary>
internal sealed class TorchWorker : IAsyncDisposable
{
    private readonly Process _p;

    private TorchWorker(Process p, TorchInfo info)
    {
        _p = p;
        Info = info;
    }

    public TorchInfo Info { get; }

    public static string Script(string root) => Path.Combine(root, "bench", "NeuronGuard.Bench", "Inference", "torch_bench.py");

    public static async Task<TorchWorker> StartAsync(string root, int threads, double warm, double budget, CancellationToken ct)
    {
        var p = Process.Start(Psi(root, threads, ["--worker", "--threads", $"{threads}", "--warm", $"{warm}", "--budget", $"{budget}"]))!;
        var w = new TorchWorker(p, null!);
        var r = await w.RequestAsync(new JsonObject { ["op"] = "info" }, ct);
        return new TorchWorker(p, new TorchInfo(
            r["torch"]!.GetValue<string>(), r["corename"]!.GetValue<string>(), r["config"]!.GetValue<string>(), r["best_core"]!.GetValue<string>(),
            r["coretype_env"]!.GetValue<string>(), r["set_by_bench"]!.GetValue<bool>(), r["check_error"]!.GetValue<double>(),
            [.. r["loaded"]!.AsArray().Select(e => e!.GetValue<string>())]));
    }

    /// <summary>torch.addmm GFLOP/s of x (m, k) · W (k, n) + b over one time budget.</summary>
    public async Task<double> GemmAsync(int m, int k, int n, CancellationToken ct) =>
        (await RequestAsync(new JsonObject { ["op"] = "gemm", ["m"] = m, ["k"] = k, ["n"] = n }, ct))["gflops"]!.GetValue<double>();

    public async Task<double> PrefillAsync(string dir, int n, CancellationToken ct) =>
        (await RequestAsync(new JsonObject { ["op"] = "prefill", ["model"] = dir, ["n"] = n }, ct))["tok_s"]!.GetValue<double>();

    /// <summary>Decode tok/s; <paramref name="mv"/> sends one-row matmuls through torch.mv (GEMV) instead of the model's GEMM calls.</summary>
    public async Task<double> DecodeAsync(string dir, int prompt, int steps, bool mv, CancellationToken ct) =>
        (await RequestAsync(new JsonObject { ["op"] = "decode", ["model"] = dir, ["prompt"] = prompt, ["steps"] = steps, ["mv"] = mv }, ct))["tok_s"]!.GetValue<double>();

    /// <summary>Peak RSS (KiB) of a fresh torch process that loads <paramref name="dir"/>, prefills and decodes.</summary>
    public static async Task<long> PeakRssAsync(string root, string dir, int prefill, int decode, CancellationToken ct)
    {
        using var p = Process.Start(Psi(root, 1, ["--rss", dir, "--prefill", $"{prefill}", "--decode", $"{decode}"]))!;
        var stdout = await p.StandardOutput.ReadToEndAsync(ct);
        var stderr = await p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"torch_bench.py --rss failed ({p.ExitCode}): {stderr.Trim()}");
        }
        return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!["peak_rss_kib"]!.GetValue<long>();
    }

    private async Task<JsonNode> RequestAsync(JsonObject cmd, CancellationToken ct)
    {
        await _p.StandardInput.WriteLineAsync(cmd.ToJsonString().AsMemory(), ct);
        await _p.StandardInput.FlushAsync(ct);
        var line = await _p.StandardOutput.ReadLineAsync(ct);
        if (line is null)
        {
            await _p.WaitForExitAsync(ct);
            throw new InvalidOperationException($"torch_bench.py exited ({_p.ExitCode}): {(await _p.StandardError.ReadToEndAsync(ct)).Trim()}");
        }
        var r = JsonNode.Parse(line)!;
        if (r["error"] is { } e)
        {
            throw new InvalidOperationException($"torch_bench.py: {e}");
        }
        return r;
    }

    private static ProcessStartInfo Psi(string root, int threads, string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        psi.ArgumentList.Add(Script(root));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // torch.set_num_threads does not reach OpenBLAS's own pthread pool (read when the library loads).
        psi.Environment["OPENBLAS_NUM_THREADS"] = $"{threads}";
        psi.Environment["OMP_NUM_THREADS"] = $"{threads}";
        return psi;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _p.StandardInput.Close();
            await _p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            _p.Kill();
        }
        _p.Dispose();
    }
}

/// <summary>What the worker checked: torch, the OpenBLAS core it runs (and whether the bench selected it), the float64 check.</summary>
internal sealed record TorchInfo(string Torch, string CoreName, string Config, string BestCore, string CoreTypeEnv, bool SetByBench,
    double CheckError, string[] Loaded);
