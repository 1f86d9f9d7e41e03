"""One forward pass's capture and gains for the rows that share a slot plan (used by :class:`neuronguard.hooks.Guard`).

Per hooked layer: one ``index_select`` of the catalogued neurons into a (rows, tokens, slots) float32 device buffer
(values BEFORE gains: the daemon scores what the model computed), then the gains multiply those neurons in place,
per row. Rows of the batch that are not in the group (unbound, finished, other plan) are left bit-identical.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Protocol, Set, Tuple, Union

import torch

from .errors import CatalogMismatch
from .plan import SlotPlan

if TYPE_CHECKING:
    from typing_extensions import TypeAlias

GainsKey = Tuple[int, int]
Gains = Dict[int, float]


class BoundRequest(Protocol):
    """What a Guard needs of a bound row's request (:class:`neuronguard.Request`, or a calibration recorder)."""

    plan: SlotPlan

    @property
    def monitored(self) -> bool: ...
    @property
    def fail_closed(self) -> bool: ...
    def gains(self) -> Tuple[GainsKey, Gains]: ...
    def send(self, values: Union[bytes, Any], steps: int = 1) -> Optional[int]: ...
    def wait_verdict(self, step: int, timeout: Optional[float] = None) -> bool: ...
    def check_open(self) -> None: ...
    def give_up(self, why: str) -> None: ...


Row = Tuple[int, BoundRequest]
if TYPE_CHECKING:
    GainSource: TypeAlias = Union[List[Tuple[GainsKey, Gains]], torch.Tensor]


def misfit(requests: List[BoundRequest], why: str) -> None:
    """The catalog does not fit the model: fail_closed raises; fail_open lets the requests run unmonitored."""
    for r in requests:
        if r.fail_closed:
            raise CatalogMismatch(why)
    for r in requests:
        r.give_up(why)


class Group:
    """The rows of one forward pass that share a slot plan: their capture buffer, gain matrix, layers seen."""

    def __init__(self, plan: SlotPlan, rows: List[Row], capture: bool) -> None:
        self.plan = plan
        self.rows = rows
        self.capture = capture and any(r.monitored for _, r in rows)
        self.all_rows: Optional[bool] = None  # decided at the first hooked layer, against the real batch size
        self.buf: Optional[torch.Tensor] = None
        self.row_index: Optional[torch.Tensor] = None
        self.seen: Set[int] = set()
        self.dead = False
        gains = [r.gains() for _, r in rows]
        self.gain: Optional[GainSource] = gains if any(g for _, g in gains) else None

    def _tensors(self, layer: int, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor, int]:
        key = (layer, str(device))
        c = self.plan.cache.get(key)
        if c is None:
            neurons, slots = self.plan.by_layer.get(layer, ((), ()))
            c = (torch.tensor(neurons, dtype=torch.long, device=device),
                 torch.tensor(slots, dtype=torch.long, device=device), max(neurons, default=-1))
            self.plan.cache[key] = c
        return c

    def layer(self, layer: int, act: torch.Tensor) -> None:
        if self.dead or layer not in self.plan.by_layer:
            return
        x = act if act.dim() == 3 else act.unsqueeze(0)
        if self.all_rows is None:
            if self.rows[-1][0] >= x.shape[0]:
                raise ValueError(f"a request is bound to row {self.rows[-1][0]} but the forward pass has {x.shape[0]} "
                                 "rows; Guard.bind takes one request (or None) per batch row")
            self.all_rows = len(self.rows) == x.shape[0]
        neurons, slots, top = self._tensors(layer, x.device)
        if top >= x.shape[-1]:
            self.dead = True
            misfit([r for _, r in self.rows],
                   f"catalog {self.plan.catalog_version!r} names neuron {top} of layer {layer}, but that layer of this "
                   f"model has {x.shape[-1]} neurons: the catalog was made for another model (check the fingerprint)")
            return
        self.seen.add(layer)
        if self.row_index is None and not self.all_rows:
            self.row_index = torch.tensor([r for r, _ in self.rows], dtype=torch.long, device=x.device)
        sub = x if self.all_rows or self.row_index is None else x.index_select(0, self.row_index)
        sel = sub.index_select(-1, neurons)
        if self.capture:
            if self.buf is None:
                self.buf = torch.zeros(sub.shape[0], sub.shape[1], len(self.plan), dtype=torch.float32, device=x.device)
            self.buf.index_copy_(-1, slots, sel.to(torch.float32))
        if self.gain is not None:
            g = self._gain_matrix(x.device)
            scaled = sel * g.index_select(1, slots).unsqueeze(1).to(sel.dtype)
            if self.all_rows or self.row_index is None:
                x.index_copy_(-1, neurons, scaled)
            else:
                sub.index_copy_(-1, neurons, scaled)
                x.index_copy_(0, self.row_index, sub)  # the rows' gains written back into the whole batch

    def _gain_matrix(self, device: torch.device) -> torch.Tensor:
        """(rows, slots) gains on the device; each request's row is built once per gains change and cached."""
        if not isinstance(self.gain, torch.Tensor):
            assert self.gain is not None
            self.gain = torch.stack([_gain_row(req, key, gains, len(self.plan), device)
                                     for (_, req), (key, gains) in zip(self.rows, self.gain)])
        return self.gain

    def check_complete(self) -> None:
        """Every layer the plan names must have been hooked in this pass (a module the model bypassed sends nothing)."""
        if self.dead or (not self.capture and self.gain is None):
            return
        missing = sorted(set(self.plan.by_layer) - self.seen)
        if missing:
            self.dead = True
            misfit([r for _, r in self.rows],
                   f"the hooks of layer(s) {missing} never ran in this forward pass although catalog "
                   f"{self.plan.catalog_version!r} has neurons there: the model bypassed the hooked module (Llama with "
                   "pretraining_tp > 1 does) or has fewer layers than the catalog")

    def send(self, mask: Optional[torch.Tensor], pos: int) -> List[Tuple[BoundRequest, int]]:
        """One host copy of the captured (rows, tokens, slots) values; a frame per monitored row. ``mask`` (batch,
        width) covers positions ``pos ..`` of this pass; positions past its width are real tokens."""
        if self.buf is None or self.dead:
            return []
        host = self.buf.cpu()
        waits: List[Tuple[BoundRequest, int]] = []
        tokens = host.shape[1]
        for i, (row, req) in enumerate(self.rows):
            if not req.monitored:
                continue
            values = host[i]
            if mask is not None and pos < mask.shape[1]:
                keep = mask[row, pos:pos + tokens]
                if keep.shape[0] < tokens:
                    keep = torch.cat([keep, torch.ones(tokens - keep.shape[0], dtype=torch.bool)])
                values = values[keep]
            if values.shape[0] == 0:
                continue
            last = req.send(values.contiguous().numpy().tobytes(), values.shape[0])
            if last is not None:
                waits.append((req, last))
        return waits


def _gain_row(req: Any, key: GainsKey, gains: Gains, width: int, device: torch.device) -> torch.Tensor:
    cached = getattr(req, "_gain_row", None)
    if cached is not None and cached[0] == key and cached[1] == device:
        return cached[2]  # type: ignore[no-any-return]
    row = torch.ones(width, dtype=torch.float32)
    if gains:
        row[torch.tensor(list(gains.keys()), dtype=torch.long)] = torch.tensor(list(gains.values()), dtype=torch.float32)
    row = row.to(device)
    req._gain_row = (key, device, row)
    return row
