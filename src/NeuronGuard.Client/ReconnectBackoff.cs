using Polly;
using Polly.Retry;

namespace NeuronGuard.Client;

/// <summary>
/// How a long-lived client (a model server's Telemetry stream) reconnects: each failed attempt waits an exponentially
/// growing delay, from <c>first</c> up to <c>max</c>, with jitter (Polly's decorrelated jitter), so many clients cut
/// off by one daemon restart do not reconnect in lockstep. Runs on a Polly retry pipeline; attempts never run out,
/// cancellation stops them, and a failure the caller calls permanent is not retried but thrown.
/// </summary>
public static class ReconnectBackoff
{
    /// <param name="first">The median first delay.</param>
    /// <param name="max">The longest delay.</param>
    /// <param name="onRetry">Told each failure and the delay before the next attempt (to log it).</param>
    /// <param name="permanent">Failures that no retry can fix (for example a refused token); null: none.</param>
    public static ResiliencePipeline Create(TimeSpan first, TimeSpan max, Action<Exception, TimeSpan>? onRetry = null,
        Func<Exception, bool>? permanent = null)
    {
        if (first <= TimeSpan.Zero || max < first)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"reconnect delays must satisfy 0 < first ({first}) <= max ({max}).");
        }
        return new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException && permanent?.Invoke(e) != true),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = first,
            MaxDelay = max,
            OnRetry = args =>
            {
                onRetry?.Invoke(args.Outcome.Exception!, args.RetryDelay);
                return default;
            },
        }).Build();
    }
}
