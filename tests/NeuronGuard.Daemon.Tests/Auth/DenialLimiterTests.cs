using NeuronGuard.Daemon.Auth;
using Xunit;

namespace NeuronGuard.Daemon.Tests.Auth;

public sealed class DenialLimiterTests
{
    [Fact]
    public void TryAcquire_TenPerSecond_WindowResetsEachSecond()
    {
        var limiter = new DenialLimiter(maxPerSecond: 10);
        long start = Environment.TickCount64;
        // Three seconds of 50 denials each: 10 reported per second, every second, not 10 per process lifetime.
        for (int second = 0; second < 3; second++)
        {
            int reported = 0;
            for (int i = 0; i < 50; i++)
            {
                if (limiter.TryAcquire(start + second * 1_000 + i, out _))
                {
                    reported++;
                }
            }
            Assert.Equal(10, reported);
        }
        Assert.Equal(150, limiter.Total);
        Assert.Equal(120, limiter.Suppressed);
    }

    [Fact]
    public void TryAcquire_AfterABurst_FirstReportSaysHowManyWereLeftOut()
    {
        var limiter = new DenialLimiter(maxPerSecond: 2);
        long start = Environment.TickCount64;
        for (int i = 0; i < 7; i++)
        {
            limiter.TryAcquire(start + i, out _);
        }
        Assert.True(limiter.TryAcquire(start + 1_500, out long leftOut));
        Assert.Equal(5, leftOut);
    }

    [Fact]
    public void TryAcquire_FirstCall_IsReported()
    {
        var limiter = new DenialLimiter(maxPerSecond: 10);
        Assert.True(limiter.TryAcquire(out long leftOut));
        Assert.Equal(0, leftOut);
    }
}
