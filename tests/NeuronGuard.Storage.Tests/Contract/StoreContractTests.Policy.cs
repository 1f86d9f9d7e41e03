using NeuronGuard.Storage.Tests.Infrastructure;

namespace NeuronGuard.Storage.Tests.Contract;

/// <summary>Policy compare-and-set and audit log parts of the contract.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task GetPolicy_NothingWritten_IsEmptyAtVersionZero()
    {
        var policy = await Store.GetPolicyAsync();

        Assert.Equal(0, policy.Version);
        Assert.Empty(policy.Entries);
    }

    [Fact]
    public async Task TryUpdatePolicy_ExpectedVersion_AppliesSetsAndRemovesAndBumpsVersion()
    {
        var first = await Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("toxicity/global", "{\"mode\":\"on\"}"), PolicyChange.Set("backdoor/a", "{}")], "alice");

        var second = await Store.TryUpdatePolicyAsync(1, [PolicyChange.Remove("backdoor/a"), PolicyChange.Set("toxicity/global", "{\"mode\":\"off\"}")], "bob");

        Assert.Equal(PolicyWriteResult.Success(1), first);
        Assert.Equal(PolicyWriteResult.Success(2), second);
        var policy = await Store.GetPolicyAsync();
        Assert.Equal(2, policy.Version);
        Assert.Equal(new Dictionary<string, string> { ["toxicity/global"] = "{\"mode\":\"off\"}" }, policy.Entries);
    }

    [Fact]
    public async Task TryUpdatePolicy_StaleExpectedVersion_ReturnsConflictAndChangesNothing()
    {
        await Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "1")], "alice");

        var result = await Store.TryUpdatePolicyAsync(0, [PolicyChange.Set("a", "2")], "bob");

        Assert.Equal(PolicyWriteResult.Conflict(1), result);
        var policy = await Store.GetPolicyAsync();
        Assert.Equal((1L, "1"), (policy.Version, policy.Entries["a"]));
        Assert.Single(await Store.ReadAuditAsync(0, 10));
    }

    [Fact]
    public async Task TryUpdatePolicy_ConcurrentReadModifyWrite_NoUpdateLost()
    {
        const int writers = 6, increments = 15;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < increments; i++)
            {
                while (true)
                {
                    var policy = await Store.GetPolicyAsync();
                    var count = policy.Entries.TryGetValue("counter", out var v) ? int.Parse(v) : 0;
                    var result = await Store.TryUpdatePolicyAsync(policy.Version, [PolicyChange.Set("counter", (count + 1).ToString())], $"writer-{w}");
                    if (result.Applied) break;
                }
            }
        })));

        var final = await Store.GetPolicyAsync();
        Assert.Equal(writers * increments, int.Parse(final.Entries["counter"]));
        Assert.Equal(writers * increments, final.Version);
    }

    [Fact]
    public async Task TryUpdatePolicy_NoActor_ThrowsArgumentException()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.TryUpdatePolicyAsync(null, [PolicyChange.Set("a", "1")], " "));
    }

    [Fact]
    public async Task ReadAudit_AfterWrites_ReturnsAttributedEntriesNewestFirstWithPaging()
    {
        await Store.PutRecordAsync(RecordKind.Baseline, "m", "b1", 1, TestRecords.Baseline(1), "calibrator");
        await Store.ActivateAsync(RecordKind.Baseline, "m", "b1", "carol");
        await Store.TryUpdatePolicyAsync(null, [PolicyChange.Set("toxicity/global", "{}"), PolicyChange.Remove("old")], "alice");

        var all = await Store.ReadAuditAsync(0, 10);
        var page = await Store.ReadAuditAsync(1, 1);

        Assert.Equal(
            [("alice", AuditActions.PolicySet, "policy", "1", """{"changes":[{"op":"set","key":"toxicity/global","entry":{}},{"op":"remove","key":"old"}]}"""),
             ("carol", AuditActions.RecordActivate, "baseline/m", "b1", "was none"),
             ("calibrator", AuditActions.RecordPut, "baseline/m", "b1", "1024 bytes, format 1")],
            all.Select(e => (e.Actor, e.Action, e.Target, e.Version, e.Detail)));
        Assert.Equal("carol", Assert.Single(page).Actor);
        Assert.True(all[0].At > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task ReadAudit_MoreWritesThanCap_KeepsNewestCapEntries()
    {
        var store = await OpenAsync(auditCap: 5);
        for (var i = 1; i <= 8; i++)
        {
            await store.TryUpdatePolicyAsync(null, [PolicyChange.Set("k", i.ToString())], "alice");
        }

        var audit = await store.ReadAuditAsync(0, 100);

        Assert.Equal(["8", "7", "6", "5", "4"], audit.Select(e => e.Version));
    }

    [Fact]
    public async Task AppendAudit_DeniedCall_KeptNewestFirstAndCapped()
    {
        var store = await OpenAsync(auditCap: 3);
        await store.TryUpdatePolicyAsync(null, [PolicyChange.Set("k", "1")], "alice");
        for (var i = 1; i <= 3; i++)
        {
            await store.AppendAuditAsync(new AuditEntry(DateTimeOffset.UtcNow, "mallory", AuditActions.AuthDenied,
                "/neuronguard.v1.Control/SetMitigation", "", $"UNAUTHENTICATED #{i}"));
        }

        var audit = await store.ReadAuditAsync(0, 10);

        Assert.Equal(["UNAUTHENTICATED #3", "UNAUTHENTICATED #2", "UNAUTHENTICATED #1"], audit.Select(e => e.Detail));
        Assert.All(audit, e => Assert.Equal(AuditActions.AuthDenied, e.Action));
        Assert.Equal("/neuronguard.v1.Control/SetMitigation", audit[0].Target);
        var policy = await store.GetPolicyAsync();
        Assert.Equal(1, policy.Version); // an audit append is not a policy write
    }
}
