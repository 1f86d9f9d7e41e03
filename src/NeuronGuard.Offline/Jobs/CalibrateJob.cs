using NeuronGuard.Engine.Baselines;
using NeuronGuard.Inference;
using NeuronGuard.Offline.IO;
using NeuronGuard.Offline.Running;

namespace NeuronGuard.Offline.Jobs;

/// <summary><c>neuronguard calibrate</c> as a library call: catalog + benign data → baseline file.</summary>
public static class CalibrateJob
{
    public sealed record Request(string ModelDir, string CatalogPath, string Data, string Output, CalibrateOptions Options, int Threads);

    public static Baseline Run(Request r, TextWriter? progress)
    {
        var catalog = ModelFiles.LoadCatalog(r.CatalogPath);
        using var host = ModelHost.Load(r.ModelDir, new ModelHostOptions { Threads = r.Threads });
        var line = new ProgressLine(progress, "calibrate", JsonlTexts.Count(r.Data));
        var baseline = Calibrator.Run(host, catalog, JsonlTexts.Read(r.Data), r.Options, line, w => progress?.WriteLine("warning: " + w));
        ModelFiles.SaveBaseline(r.Output, baseline);
        return baseline;
    }
}
