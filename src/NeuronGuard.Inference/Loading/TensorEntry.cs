namespace NeuronGuard.Inference.Loading;

/// <summary>One tensor as a safetensors header describes it; <see cref="Offset"/> is from the start of the file.</summary>
internal sealed record TensorEntry(string Name, TensorDType DType, long[] Shape, long Offset, long Length, SafeTensorsFile File)
{
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape)
            {
                n *= d;
            }
            return n;
        }
    }
}
