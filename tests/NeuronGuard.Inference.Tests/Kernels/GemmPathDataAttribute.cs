using System.Reflection;
using NeuronGuard.Inference.Kernels;
using Xunit.Sdk;

namespace NeuronGuard.Inference.Tests.Kernels;

/// <summary>
/// Theory rows that exercise one GEMM path, named by vector width in the row's first argument (0: no GEMM path).
/// Rows for a path this CPU does not accelerate are reported as skipped with the reason, never run: forcing the path
/// would test the software emulation, not the kernel. xunit v2 reads <see cref="DataAttribute.Skip"/> per data
/// attribute at discovery, so the skip is decided here rather than by an early return in the test.
/// </summary>
public sealed class GemmPathDataAttribute : DataAttribute
{
    private readonly object[][] _rows;

    /// <summary>One inline row; <paramref name="row"/>[0] is the path's width in bits (512, 256) or 0.</summary>
    public GemmPathDataAttribute(params object[] row)
    {
        _rows = [row];
        Skip = SkipReason((int)row[0]);
    }

    /// <summary>The rows of <paramref name="member"/> (a static TheoryData method of the test class) whose width is <paramref name="bits"/>.</summary>
    public GemmPathDataAttribute(Type type, string member, int bits)
    {
        var data = (IEnumerable<object[]>)type.GetMethod(member, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null)!;
        _rows = data.Where(r => (int)r[0] == bits).ToArray();
        Skip = SkipReason(bits);
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => _rows;

    /// <summary>Why rows of this width cannot run here, or null when they can.</summary>
    internal static string? SkipReason(int bits)
    {
        if (bits == 0)
        {
            return null;
        }
        var path = GemmTests.PathOf(bits);
        return Gemm.IsSupported(path) ? null : $"this CPU does not accelerate {path} (Vector{bits}.IsHardwareAccelerated is false)";
    }
}
