using NeuronGuard.Engine.Baselines;
using NeuronGuard.Engine.Catalogs;
using NeuronGuard.Engine.Scoring;
using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Jobs;

/// <summary>Turns the offline commands' expected failures (bad files, wrong model) into one stderr message and exit code 1.</summary>
public static class JobErrors
{
    public static int Run(Action action, TextWriter? error = null)
    {
        error ??= Console.Error;
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is CatalogException or BaselineFormatException or MonitorPlanException or ModelLoadException
            or FileNotFoundException or InvalidDataException or InvalidOperationException)
        {
            error.WriteLine();
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
