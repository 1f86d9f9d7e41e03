"""Onboarding a model from Python: put and activate a catalog, calibrate a baseline from benign prompts.

The order (docs: `neuronguard ctl catalog …`): put the catalog, activate it, stream benign activations of its slots
through ``Baselines.Calibrate`` (``activate=True`` activates the baseline too); connected model servers then get a
new Welcome with the catalog's slots.
"""
from __future__ import annotations

import datetime
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from .channel import Connection
from .errors import CatalogMismatch
from .plan import SlotPlan
from .probes import ProbeSource, add_to_catalog, as_probe
from .v1 import baselines_pb2 as b
from .v1 import catalogs_pb2 as cat
from .v1 import common_pb2 as c
from .v1 import telemetry_pb2 as t

KINDS = {"safety": c.NEURON_SET_KIND_SAFETY, "toxicity": c.NEURON_SET_KIND_TOXICITY,
         "backdoor": c.NEURON_SET_KIND_BACKDOOR, "custom": c.NEURON_SET_KIND_CUSTOM}


def make_catalog(model_fingerprint: str, layers: int, neurons_per_layer: int, version: str,
                 sets: Dict[str, Tuple[str, List[Tuple[int, int, float]]]],
                 probes: Optional[Mapping[str, ProbeSource]] = None) -> Any:
    """``sets``: {name: (kind, [(layer, neuron, score), …])} → a ``Catalog`` message (format 1).

    ``probes``: {name: probe} with each probe a ``neuronguard train-probe`` file's path, its parsed JSON, or a
    :class:`neuronguard.probes.SparseProbe` (e.g. from :func:`neuronguard.probes.train_probe`); each is scored as detector
    ``probe:NAME`` once a baseline is calibrated for this catalog. Only non-zero weights are kept.
    """
    msg = cat.Catalog(format=1, model_fingerprint=model_fingerprint, layers=layers, neurons_per_layer=neurons_per_layer,
                      version=version)
    for name, (kind, neurons) in sets.items():
        s = msg.sets.add(name=name, kind=KINDS[kind])
        for layer, index, score in neurons:
            s.neurons.add(neuron=c.NeuronRef(layer=layer, index=index), score=score)
    today = datetime.date.today().isoformat()
    for name, source in (probes or {}).items():
        add_to_catalog(msg, name, as_probe(source), today)
    return msg


def catalog_slots(catalog: Any) -> SlotPlan:
    """The catalog's slot order as the daemon derives it: sets in order, neurons in order, each neuron once, then the
    probes' neurons that no set holds (probe order, neuron order)."""
    seen: set[Tuple[int, int]] = set()
    slots: List[Tuple[int, int]] = []
    neurons = [n for s in catalog.sets for n in s.neurons] + [n for p in catalog.probes for n in p.neurons]
    for n in neurons:
        key = (n.neuron.layer, n.neuron.index)
        if key not in seen:
            seen.add(key)
            slots.append(key)
    return SlotPlan(slots, catalog.version)


class Onboarding:
    """Catalogs and Baselines calls on a :class:`neuronguard.channel.Connection` (operator token)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def put_catalog(self, catalog: Any) -> str:
        return str(self.connection.unary("/neuronguard.v1.Catalogs/PutCatalog", cat.PutCatalogRequest(catalog=catalog),
                                     cat.PutCatalogResponse).version)

    def activate_catalog(self, model_fingerprint: str, version: str) -> str:
        return str(self.connection.unary("/neuronguard.v1.Catalogs/ActivateCatalog",
                                     cat.ActivateCatalogRequest(model_fingerprint=model_fingerprint, version=version),
                                     cat.ActivateCatalogResponse).previous_version)

    def list_catalogs(self, model_fingerprint: str) -> Any:
        return self.connection.unary("/neuronguard.v1.Catalogs/ListCatalogs",
                                     cat.ListCatalogsRequest(model_fingerprint=model_fingerprint), cat.ListCatalogsResponse)

    def calibrate(self, model_fingerprint: str, catalog_version: str, requests: Iterable[Iterable[Tuple[int, Any]]],
                  false_positive_rate: float = 0.01, holdout_fraction: float = 0.2, activate: bool = False,
                  timeout: float = 600) -> Any:
        """Streams benign activations and returns the ``BaselineInfo``.

        ``requests`` yields, per benign request, an iterable of (steps, float32 bytes or flat values) blocks in the
        catalog's slot order (captured before any gains) — e.g. from :func:`capture_requests`.
        """
        from .wire import float32_bytes

        def messages() -> Iterator[Any]:
            yield b.CalibrateMessage(header=b.CalibrateHeader(
                model_fingerprint=model_fingerprint, catalog_version=catalog_version,
                false_positive_rate=false_positive_rate, holdout_fraction=holdout_fraction, activate=activate))
            for i, blocks in enumerate(requests):
                step = 0
                for steps, values in blocks:
                    raw = values if isinstance(values, bytes) else float32_bytes(values)
                    frame = t.Activations(request_id=f"cal-{i}", first_step=step, steps=steps)
                    frame.values.extend(memoryview(raw).cast("f").tolist())
                    step += steps
                    yield b.CalibrateMessage(frame=frame)

        return self.connection.client_stream("/neuronguard.v1.Baselines/Calibrate", messages(), b.BaselineInfo,
                                             timeout=timeout)


def capture_requests(model: Any, plan: SlotPlan, prompts: Iterable[Any], layers: Any = None,
                     arch: Optional[str] = None) -> Iterator[List[Tuple[int, bytes]]]:
    """Runs each prompt (a (1, tokens) LongTensor or a callable doing one forward pass) through ``model`` once and
    yields ``[(steps, bytes)]`` with the ``plan``'s slot values — the input :meth:`Onboarding.calibrate` takes."""
    import torch

    from .hooks import Guard

    class _Recorder:
        lockstep = False
        verdict_timeout = 0.0

    rec = _Recorder()
    guard = Guard(rec, model, layers=layers, arch=arch)
    try:
        for prompt in prompts:
            req = _CaptureOnly(plan)
            guard.bind([req])
            with torch.no_grad():
                prompt(model) if callable(prompt) else model(prompt)
            yield req.blocks
    finally:
        guard.close()


class _CaptureOnly:
    """A stand-in request that records frames instead of sending them (calibration runs need no stream)."""

    fail_closed = True  # a catalog that does not fit the model is an error while calibrating

    def __init__(self, plan: SlotPlan) -> None:
        self.plan = plan
        self.blocks: List[Tuple[int, bytes]] = []
        self.monitored = True

    def gains(self) -> Tuple[Tuple[int, int], Dict[int, float]]:
        return (0, 0), {}

    def send(self, values: Any, steps: int = 1) -> Optional[int]:
        self.blocks.append((steps, bytes(values)))
        return None

    def wait_verdict(self, step: int, timeout: Optional[float] = None) -> bool:
        return True

    def check_open(self) -> None:
        pass

    def give_up(self, why: str) -> None:
        raise CatalogMismatch(why)
