using NeuronGuard.Inference;

namespace NeuronGuard.Offline.Tests;

/// <summary>The planted GPT-2 fixture written once per test class into a temp folder, removed afterwards.</summary>
public sealed class PlantedFixture : IDisposable
{
    public PlantedFixture()
    {
        Dir = Path.Combine(Path.GetTempPath(), "ng-offline-" + Guid.NewGuid().ToString("N"));
        Truth = FixtureMaker.WritePlanted(Dir);
    }

    public string Dir { get; }

    public FixtureTruth Truth { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Shares one fixture folder across the test classes that need the model.</summary>
[CollectionDefinition(Name)]
public sealed class PlantedFixtureCollection : ICollectionFixture<PlantedFixture>
{
    public const string Name = "planted fixture";
}
