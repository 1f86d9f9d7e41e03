using Microsoft.Extensions.Time.Testing;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>
/// The manual clock for timer tests: <see cref="FakeTimeProvider"/> moves only when a test calls Advance, which fires
/// the timers that fall due. It starts at a fixed 2026 instant so TTLs and audit times read like real ones.
/// </summary>
internal static class TestClock
{
    public static FakeTimeProvider Create() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
