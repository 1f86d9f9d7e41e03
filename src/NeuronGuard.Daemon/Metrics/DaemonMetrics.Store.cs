using Prometheus;

namespace NeuronGuard.Daemon.Metrics;

/// <summary>The store's data-loss metrics (the StoreHealthReporter sets them; NeuronGuardStoreDataLost watches the gauge).</summary>
public sealed partial class DaemonMetrics
{
    private Gauge _storeDataLost = null!;
    private Counter _storeDataLossTotal = null!;

    private void CreateStoreLossMetrics(MetricFactory f)
    {
        _storeDataLost = f.CreateGauge("neuronguard_store_data_lost",
            "1 while the store has lost data this daemon still holds (policy version went backwards, or an active catalog or baseline vanished); /readyz answers 503 until `neuronguard ctl store resolve`.");
        _storeDataLossTotal = f.CreateCounter("neuronguard_store_data_loss_total", "Times this daemon detected that the store lost data.");
        _storeDataLost.Set(0);
    }

    public void SetStoreDataLost(bool lost) => _storeDataLost.Set(lost ? 1 : 0);

    public void StoreDataLossDetected() => _storeDataLossTotal.Inc();
}
