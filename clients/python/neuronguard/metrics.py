"""Client-side counters: always in ``Client.stats`` (a dict), and exported through prometheus_client when it is
installed (Debian python3-prometheus-client), on its default registry, labelled by ``server_id``:

``neuronguard_client_frames_sent_total``, ``…_frames_dropped_total``, ``…_reconnects_total``,
``…_unmonitored_requests_total``, ``…_requests_lost_midway_total``, ``…_verdict_timeouts_total``,
``…_stream_errors_total``, and the histogram ``neuronguard_client_verdict_latency_seconds`` (frame sent → its verdict).
Serve them with ``prometheus_client.start_http_server(PORT)`` or your web framework's exporter.
"""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional

COUNTERS = ("frames_sent", "frames_dropped", "reconnects", "unmonitored_requests", "requests_lost_midway",
            "verdict_timeouts", "stream_errors", "unknown_request_messages")
_HELP = {
    "frames_sent": "Activations frames put on the Telemetry stream.",
    "frames_dropped": "Activations frames that could not be sent (the stream had broken).",
    "reconnects": "Telemetry stream reconnect attempts.",
    "unmonitored_requests": "Requests that ran unmonitored (no stream under fail_open, or a catalog that does not fit).",
    "requests_lost_midway": "Requests whose stream broke while they ran.",
    "verdict_timeouts": "Lockstep waits that ended without their verdict.",
    "stream_errors": "StreamError messages not tied to a request.",
    "unknown_request_messages": "Daemon messages (MaskAttention) naming a request not running on the stream; ignored.",
}
_lock = threading.Lock()
_families: Optional[Dict[str, Any]] = None


def _prometheus() -> Optional[Dict[str, Any]]:
    """The metric families, created once per process (prometheus_client refuses duplicate names)."""
    global _families
    with _lock:
        if _families is None:
            try:
                import prometheus_client as p
            except ImportError:
                _families = {}
                return None
            fams: Dict[str, Any] = {n: p.Counter(f"neuronguard_client_{n}", _HELP[n], ["server_id"]) for n in COUNTERS}
            fams["verdict_latency"] = p.Histogram(
                "neuronguard_client_verdict_latency_seconds", "Time from an Activations frame to its verdict.",
                ["server_id"], buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
            _families = fams
        return _families or None


class ClientMetrics:
    """One client's counters. ``stats`` is the plain dict view (``Client.stats``)."""

    def __init__(self, server_id: str) -> None:
        self.stats: Dict[str, int] = {n: 0 for n in COUNTERS}
        fams = _prometheus()
        self._children = {n: f.labels(server_id=server_id) for n, f in fams.items()} if fams else {}
        self._sent = self._children.get("frames_sent")
        self._latency = self._children.get("verdict_latency")

    @property
    def exported(self) -> bool:
        return bool(self._children)

    def count(self, name: str, n: int = 1) -> None:
        self.stats[name] = self.stats.get(name, 0) + n
        child = self._children.get(name)
        if child is not None:
            child.inc(n)

    def frame_sent(self) -> None:
        self.stats["frames_sent"] += 1
        if self._sent is not None:
            self._sent.inc()

    def frame_dropped(self) -> None:
        self.count("frames_dropped")

    def verdict_latency(self, seconds: float) -> None:
        if self._latency is not None:
            self._latency.observe(seconds)
