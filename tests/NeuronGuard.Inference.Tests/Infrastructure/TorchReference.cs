using System.Diagnostics;
using System.Text;

namespace NeuronGuard.Inference.Tests.Infrastructure;

/// <summary>
/// Runs reference/torch_reference.py with Debian's /usr/bin/python3 (python3-torch, python3-numpy) and reads
/// its logits. A missing interpreter or package fails the test: the test command installs them.
/// </summary>
internal static class TorchReference
{
    public const string Python = "/usr/bin/python3";

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "reference", name);

    /// <summary>Logits (T, V) per sequence as torch computes them.</summary>
    public static List<float[]> Logits(string modelDir, IReadOnlyList<int[]> sequences, string gains = "")
    {
        string outFile = Path.Combine(TestModels.NewDir("torch-out"), "logits.bin");
        string tokens = string.Join(";", sequences.Select(s => string.Join(",", s)));
        Run(Script("torch_reference.py"), "--model", modelDir, "--tokens", tokens, "--gains", gains, "--out", outFile);
        using var reader = new BinaryReader(File.OpenRead(outFile));
        string header = ReadLine(reader);
        var parts = header.Split(' ');
        Assert.Equal("neuronguard-torch-ref", parts[0]);
        Assert.Equal("1", parts[1]); // the script's format version; bump both together
        var result = new List<float[]>();
        for (int s = 0; s < int.Parse(parts[2]); s++)
        {
            int t = reader.ReadInt32();
            int v = reader.ReadInt32();
            var logits = new float[t * v];
            for (int i = 0; i < logits.Length; i++)
            {
                logits[i] = reader.ReadSingle();
            }
            result.Add(logits);
        }
        return result;
    }

    public static string Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Python}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Python} {Path.GetFileName(script)} exited {p.ExitCode} (needs python3-torch and python3-numpy): {stderr}");
        }
        return stdout.Result;
    }

    private static string ReadLine(BinaryReader r)
    {
        var sb = new StringBuilder();
        for (char c = (char)r.ReadByte(); c != '\n'; c = (char)r.ReadByte())
        {
            sb.Append(c);
        }
        return sb.ToString();
    }
}
