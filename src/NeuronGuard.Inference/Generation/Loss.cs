using System.Numerics.Tensors;

namespace NeuronGuard.Inference.Generation;

/// <summary>Cross-entropy of next-token predictions.</summary>
internal static class Loss
{
    /// <summary>Mean over t of −log softmax(logits[t])[ids[t+1]], in double for stability.</summary>
    public static double MeanNegativeLogLikelihood(ReadOnlySpan<float> logits, ReadOnlySpan<int> ids, int vocab)
    {
        double total = 0;
        for (int t = 0; t + 1 < ids.Length; t++)
        {
            var row = logits.Slice(t * vocab, vocab);
            float max = TensorPrimitives.Max(row);
            double sum = 0;
            foreach (float v in row)
            {
                sum += Math.Exp(v - max);
            }
            total += Math.Log(sum) + max - row[ids[t + 1]];
        }
        return total / (ids.Length - 1);
    }
}
