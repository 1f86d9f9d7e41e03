namespace NeuronGuard.Engine.Discovery;

/// <summary>
/// One neuron's separation of positive from negative texts by its per-text max activation. <see cref="Auroc"/>
/// counts same-bin pairs as half; the true AUROC lies within ± <see cref="ErrorBound"/> of it.
/// <see cref="EffectSize"/> (Cohen's d) breaks ties between neurons that separate equally well.
/// </summary>
public readonly record struct NeuronAuroc(NeuronRef Neuron, double Auroc, double ErrorBound, double EffectSize);
