namespace NeuronGuard.Inference.Loading;

/// <summary>The safetensors element types the host reads.</summary>
internal enum TensorDType
{
    F32,
    F16,
    BF16,
}

internal static class TensorDTypes
{
    public static int Size(TensorDType t) => t == TensorDType.F32 ? 4 : 2;

    public static string Name(TensorDType t) => t switch
    {
        TensorDType.F32 => "F32",
        TensorDType.F16 => "F16",
        _ => "BF16",
    };

    public static bool TryParse(string s, out TensorDType t)
    {
        switch (s)
        {
            case "F32": t = TensorDType.F32; return true;
            case "F16": t = TensorDType.F16; return true;
            case "BF16": t = TensorDType.BF16; return true;
            default: t = default; return false;
        }
    }
}
