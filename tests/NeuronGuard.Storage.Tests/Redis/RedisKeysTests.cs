using NeuronGuard.Storage.Redis;

namespace NeuronGuard.Storage.Tests.Redis;

/// <summary>Pins the key layout: every name starts with the prefix as a hash tag, so a deployment fits one cluster slot.</summary>
public sealed class RedisKeysTests
{
    [Theory]
    [InlineData("ng", "{ng}")]
    [InlineData("{ng}", "{ng}")]
    [InlineData("fleet-{eu}", "fleet-{eu}")]
    [InlineData("a{}b", "{a{}b}")]
    public void Tag_Prefix_WrappedUnlessItHasATag(string prefix, string expected)
    {
        Assert.Equal(expected, RedisKeys.Tag(prefix));
    }

    [Fact]
    public void Keys_DefaultPrefix_LayoutPinned()
    {
        var keys = new RedisKeys("ng");

        Assert.Equal("{ng}:model:fp:baseline:v1", keys.Record(RecordKind.Baseline, "fp", "v1").ToString());
        Assert.Equal("{ng}:model:fp:catalogs", keys.Versions(RecordKind.Catalog, "fp").ToString());
        Assert.Equal("{ng}:model:fp:active", keys.Active("fp").ToString());
        Assert.Equal(["{ng}:models", "{ng}:policy", "{ng}:policy:version", "{ng}:audit", "{ng}:events"],
            new[] { keys.Models.ToString(), keys.Policy.ToString(), keys.PolicyVersion.ToString(), keys.Audit.ToString(), keys.Events.ToString() });
    }
}
