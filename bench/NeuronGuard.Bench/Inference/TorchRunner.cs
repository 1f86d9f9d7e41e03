using System.Diagnostics;
using System.Text.Json;

namespace NeuronGuard.Bench.Inference;

/// <summary>
/// Runs torch_bench.py with Debian's /usr/bin/python3 (the interpreter that has python3-torch) and parses
/// its JSON line. The script itself refuses (exit 3) when torch would run on the reference BLAS.
/// </summary>
internal sealed class TorchRunner(string root)
{
    private readonly string _script = Path.Combine(root, "bench", "NeuronGuard.Bench", "Inference", "torch_bench.py");

    /// <summary>torch.__config__'s BLAS_INFO, the resolved libblas.so.3, and the BLAS libraries the process mapped.</summary>
    public async Task<BlasInfo> BlasAsync(CancellationToken ct)
    {
        var r = await RunAsync(["--blas"], ct);
        return new BlasInfo(
            r.GetProperty("torch").GetString()!,
            r.GetProperty("blas_info").GetString()!,
            r.GetProperty("libblas").GetString()!,
            r.GetProperty("alternative").GetString()!,
            [.. r.GetProperty("loaded").EnumerateArray().Select(e => e.GetString()!)]);
    }

    /// <summary>torch.addmm GFLOP/s per "MxKxN" shape.</summary>
    public async Task<Dictionary<string, double>> GemmAsync(IEnumerable<string> shapes, int threads, CancellationToken ct)
    {
        var r = await RunAsync(["--gemm", string.Join(',', shapes), "--threads", $"{threads}", "--repeats", "5"], ct);
        return r.GetProperty("gemm_gflops").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    /// <summary>Prefill tok/s per prompt length (last-token logits, as the managed prefill) and decode tok/s.</summary>
    public async Task<TorchModel> ModelAsync(string dir, int threads, IReadOnlyList<int> prefill, int prompt, int decode, int repeats, CancellationToken ct)
    {
        var r = await RunAsync(["--model", dir, "--threads", $"{threads}", "--prefill", string.Join(',', prefill), "--prompt", $"{prompt}",
            "--decode", $"{decode}", "--repeats", $"{repeats}"], ct);
        var p = r.GetProperty("prefill_tok_s").EnumerateObject().ToDictionary(e => int.Parse(e.Name), e => e.Value.GetDouble());
        return new TorchModel(p, r.GetProperty("decode_tok_s").GetDouble());
    }

    private async Task<JsonElement> RunAsync(string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(_script);
        // torch.set_num_threads does not reach OpenBLAS's own pthread pool, which otherwise uses every core:
        // pin it to the same count (read when the library loads, so it must be in the environment).
        int i = Array.IndexOf(args, "--threads");
        string threads = i >= 0 ? args[i + 1] : "1";
        psi.Environment["OPENBLAS_NUM_THREADS"] = threads;
        psi.Environment["OMP_NUM_THREADS"] = threads;
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"torch_bench.py {string.Join(' ', args)} failed ({p.ExitCode}): {(await stderr).Trim()}");
        }
        using var doc = JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]);
        return doc.RootElement.Clone();
    }
}

internal sealed record BlasInfo(string Torch, string BuildInfo, string LibBlas, string Alternative, string[] Loaded);

internal sealed record TorchModel(Dictionary<int, double> Prefill, double Decode);
