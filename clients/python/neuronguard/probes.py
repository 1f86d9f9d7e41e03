"""Sparse probes for onboarding (issue 26 item 6): read a ``neuronguard train-probe`` file, or train one in Python.

A probe is an L1-regularised logistic regression over neurons' per-request max activation. The daemon scores it as
detector ``probe:NAME`` (``DETECTOR_PROBE``): per step the log-odds ``bias + Σ weight·(running max − mean)/scale``,
reported as a probability, max over steps; its threshold is set by calibration like every other detector's.
:func:`train_probe` is the C# trainer (``SparseProbeTrainer``) in torch: same standardization, class weights, step
size, soft-threshold and stopping rule, so both select the same neurons on the same data (a test checks it).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Sequence, Tuple, Union


@dataclass(frozen=True)
class ProbeNeuron:
    """One neuron a probe reads: its weight on (running max − mean) / scale."""

    layer: int
    index: int
    weight: float
    mean: float
    scale: float


@dataclass(frozen=True)
class SparseProbe:
    """A trained probe; ``set`` names the catalog set it was trained over ("" when none)."""

    neurons: List[ProbeNeuron]
    bias: float
    set: str = ""
    lam: float = 0.0
    data: str = ""
    converged: bool = field(default=True, compare=False)

    @property
    def nonzero(self) -> List[ProbeNeuron]:
        """The neurons with a non-zero weight (the only ones a catalog keeps)."""
        return [n for n in self.neurons if n.weight != 0.0]

    @staticmethod
    def from_json(obj: Mapping[str, Any]) -> "SparseProbe":
        """A probe from the ``train-probe`` file format 1 (``{"format": 1, "kind": "sparse-probe", …}``)."""
        if obj.get("format") != 1 or obj.get("kind") != "sparse-probe":
            raise ValueError(f"not a sparse probe file of format 1 (format {obj.get('format')!r}, kind {obj.get('kind')!r}): "
                             "write it with `neuronguard train-probe` or neuronguard.probes.train_probe")
        neurons = [ProbeNeuron(int(n["layer"]), int(n["index"]), float(n["weight"]), float(n["mean"]), float(n["std"]))
                   for n in obj["neurons"]]
        return SparseProbe(neurons, float(obj["bias"]), str(obj.get("set", "")), float(obj.get("lambda", 0.0)),
                           str(obj.get("data", "")))

    @staticmethod
    def load(path: Union[str, "os.PathLike[str]"]) -> "SparseProbe":
        """Reads a probe file written by ``neuronguard train-probe``."""
        with open(path, encoding="utf-8") as f:
            return SparseProbe.from_json(json.load(f))


def train_probe(features: Any, labels: Sequence[bool], neurons: Sequence[Tuple[int, int]], lam: float = 0.01,
                max_iterations: int = 5000, tolerance: float = 1e-6, set_name: str = "", data: str = "") -> SparseProbe:
    """Fits a probe on ``features`` (n × d, each row a prompt's per-neuron max over its steps, columns in ``neurons``
    order) and boolean ``labels``, by proximal gradient descent in float64 exactly as the C# trainer does."""
    import torch

    x = torch.as_tensor(features, dtype=torch.float64)
    y = torch.as_tensor([1.0 if v else 0.0 for v in labels], dtype=torch.float64)
    n, d = x.shape
    if n == 0 or n != len(y) or d != len(neurons):
        raise ValueError(f"need one label per row and one neuron per column (rows {n}, labels {len(y)}, columns {d}, "
                         f"neurons {len(neurons)})")
    positives = int(y.sum().item())
    if positives in (0, n):
        raise ValueError(f"both classes are needed to train a probe ({positives} positive of {n})")
    if not lam >= 0 or lam == float("inf"):
        raise ValueError(f"lam {lam} must be a finite number >= 0")
    mean = x.mean(dim=0)
    std = ((x - mean) ** 2).mean(dim=0).sqrt()
    std = torch.where(std > 1e-12, std, torch.ones_like(std))
    z = (x - mean) / std
    c_pos, c_neg = n / (2.0 * positives), n / (2.0 * (n - positives))
    weight = torch.where(y > 0, torch.full_like(y, c_pos), torch.full_like(y, c_neg))
    step = 1.0 / (max(c_pos, c_neg) * (d + 1) / 4.0)
    w = torch.zeros(d, dtype=torch.float64)
    b = 0.0
    converged = False
    for _ in range(max_iterations):
        g = weight * (torch.sigmoid(z @ w + b) - y) / n
        gb = float(g.sum().item())
        v = w - step * (z.T @ g)
        nxt = torch.sign(v) * torch.clamp(v.abs() - step * lam, min=0.0)
        moved = max(abs(step * gb), float((nxt - w).abs().max().item()))
        w, b = nxt, b - step * gb
        if moved <= tolerance:
            converged = True
            break
    probe_neurons = [ProbeNeuron(layer, index, float(w[j].item()), float(mean[j].item()), float(std[j].item()))
                     for j, (layer, index) in enumerate(neurons)]
    return SparseProbe(probe_neurons, b, set_name, lam, data, converged)


ProbeSource = Union[str, "os.PathLike[str]", Mapping[str, Any], SparseProbe]


def as_probe(source: ProbeSource) -> SparseProbe:
    """A :class:`SparseProbe` from a probe, a parsed probe file, or the path of one."""
    if isinstance(source, SparseProbe):
        return source
    if isinstance(source, Mapping):
        return SparseProbe.from_json(source)
    return SparseProbe.load(source)


def add_to_catalog(catalog: Any, name: str, probe: SparseProbe, date: str = "") -> None:
    """Appends ``probe`` to a ``Catalog`` message as ``probes[name]``, keeping only its non-zero weights."""
    from .v1 import catalogs_pb2 as cat
    from .v1 import common_pb2 as c

    msg = catalog.probes.add(name=name, set=probe.set, bias=probe.bias, provenance=cat.Provenance(
        method="sparse-probe", data=probe.data, date=date))
    setattr(msg, "lambda", probe.lam)  # `lambda` is a Python keyword
    for n in probe.nonzero:
        msg.neurons.add(neuron=c.NeuronRef(layer=n.layer, index=n.index), weight=n.weight, mean=n.mean, scale=n.scale)
