namespace NeuronGuard.Bench;

/// <summary>
/// One benchmark suite, found by reflection so each area adds a file and touches nothing shared.
/// Each suite measures its subject against a reference run in the same process or script and
/// writes a markdown report under bench/results/.
/// </summary>
internal interface IBenchmark
{
    /// <summary>Name used on the command line: <c>dotnet run --project bench/NeuronGuard.Bench -c Release -- NAME</c>.</summary>
    string Name { get; }

    /// <summary>One line for the suite list.</summary>
    string Description { get; }

    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
