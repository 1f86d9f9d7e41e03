using NeuronGuard.Daemon.Hosting;
using Xunit;

namespace NeuronGuard.Daemon.Tests.Hosting;

/// <summary>
/// The limiter behind denial audits and client-fault lines. Windows open only by hand (no auto-replenishment), so the
/// counts do not depend on how fast the machine runs; a window must have lasted its 1 ms before it can be replaced.
/// </summary>
public sealed class ReportLimiterTests
{
    [Fact]
    public void TenPerWindow_EachWindowReportsTen_RestCounted()
    {
        using var limiter = new ReportLimiter(10, TimeSpan.FromMilliseconds(1), autoReplenish: false);
        // Three windows of 50 events each: 10 reported per window, every window, not 10 per process lifetime.
        for (int window = 0; window < 3; window++)
        {
            int reported = 0;
            for (int i = 0; i < 50; i++)
            {
                if (limiter.TryAcquire(out _))
                {
                    reported++;
                }
            }
            Assert.Equal(10, reported);
            NextWindow(limiter);
        }
        Assert.Equal(150, limiter.Total);
        Assert.Equal(120, limiter.Suppressed);
    }

    [Fact]
    public void AfterABurst_FirstReportSaysHowManyWereLeftOut()
    {
        using var limiter = new ReportLimiter(2, TimeSpan.FromMilliseconds(1), autoReplenish: false);
        for (int i = 0; i < 7; i++)
        {
            limiter.TryAcquire(out _);
        }
        NextWindow(limiter);
        Assert.True(limiter.TryAcquire(out long leftOut));
        Assert.Equal(5, leftOut);
        Assert.True(limiter.TryAcquire(out leftOut));
        Assert.Equal(0, leftOut);
    }

    [Fact]
    public void FirstCall_IsReported()
    {
        using var limiter = new ReportLimiter(10, TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(out long leftOut));
        Assert.Equal(0, leftOut);
    }

    private static void NextWindow(ReportLimiter limiter)
    {
        Thread.Sleep(5);
        limiter.NextWindow();
    }
}
