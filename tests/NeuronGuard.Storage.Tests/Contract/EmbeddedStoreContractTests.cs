using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Contract;

public sealed class EmbeddedStoreContractTests : StoreContractTests
{
    private readonly TempDirectory _directory = new();
    private int _stores;

    protected override Task<IStore> OpenStoreAsync(int auditCap) => StoreFactory.OpenAsync(new StoreOptions
    {
        Kind = StoreKind.Embedded,
        DataDirectory = _directory.Sub($"data{_stores++}"),
        Embedded = { AuditCap = auditCap },
    });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
