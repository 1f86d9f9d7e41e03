namespace NeuronGuard.Inference.Kernels;

/// <summary>A kernel split into <c>parts</c> independent pieces; part <c>p</c> runs on one thread.</summary>
internal interface IParallelJob
{
    void Execute(int part, int parts);
}
