namespace NeuronGuard.Inference;

/// <summary>
/// Where a hook is called: one layer's MLP activation for the tokens of one forward call.
/// Row t of the activation matrix belongs to position <see cref="FirstPosition"/> + t.
/// </summary>
public readonly record struct MlpActivationContext(int Layer, int FirstPosition, int Tokens, int Neurons);

/// <summary>
/// Called at the MLP activation of every layer (GPT-2: the GELU output; Llama: <c>act_fn(gate) · up</c>,
/// the input of <c>down_proj</c>), in registration order, on the thread running the forward pass.
/// The span is the live activation matrix (rows = tokens, cols = neurons, row-major): reading whole
/// rows is free, and writes change what <c>down_proj</c>/<c>c_proj</c> sees.
/// </summary>
public interface IMlpHook
{
    void OnMlpActivation(in MlpActivationContext context, Span<float> activations);

    /// <summary>Called once after the last layer of a forward call, e.g. to hand off what was gathered.</summary>
    void OnForwardCompleted(int firstPosition, int tokens)
    {
    }
}
