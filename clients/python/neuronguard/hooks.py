"""Torch hooks: capture the catalogued MLP neurons of a batch and apply the daemon's gains, on the device.

Where values are taken: :mod:`neuronguard.layers`. Values are captured BEFORE the gains are applied, so the daemon
scores what the model computed, not what mitigation left of it. Per forward pass: one ``index_select`` per hooked
layer into a (batch, tokens, slots) device buffer and one copy to host at the end; gains multiply the selected
neurons in place, per row, from the next forward pass after they arrive.

Thread-safety: a Guard's binding is per thread (``threading.local``): threads that run the same guarded model
concurrently each bind their own rows. Hooks run on the thread that calls the model.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Dict, Iterator, List, Optional, Protocol, Sequence, Tuple

import torch
from torch import nn

from .capture import BoundRequest, Group, Row, misfit
from .hf import AbortCriteria, FinishedRows, GuardedGenerate, raise_if_aborted
from .layers import Layer, hf_layers

__all__ = ["AbortCriteria", "Binding", "FinishedRows", "Guard", "hf_layers", "raise_if_aborted"]


class _Lockstep(Protocol):
    lockstep: bool


class _State:
    """One thread's binding: rows, padded-prefill mask, positions captured since the bind, capture switches."""

    def __init__(self) -> None:
        self.rows: List[Optional[BoundRequest]] = []
        self.mask: Optional[torch.Tensor] = None
        self.pos = 0
        self.capture = True
        self.skip = 0            # forward passes to run with capture off (a re-prefill the daemon already scored)
        self.tokens = 0
        self.fwd: Optional[List[Group]] = None

    def snapshot(self) -> Tuple[Any, ...]:
        return self.rows, self.mask, self.pos, self.skip

    def restore(self, snap: Tuple[Any, ...]) -> None:
        self.rows, self.mask, self.pos, self.skip = snap


class Binding:
    """Returned by :meth:`Guard.bind`; the binding is in force at once. As a ``with`` block it restores the previous
    binding (often none) at exit, so passes after the block belong to no request."""

    def __init__(self, state: _State, previous: Tuple[Any, ...]) -> None:
        self._state = state
        self._previous = previous

    def __enter__(self) -> "Binding":
        return self

    def __exit__(self, *exc: object) -> None:
        self._state.restore(self._previous)


class Guard:
    """Hooks on one torch model. :meth:`bind` says which request each batch row belongs to; every forward pass of
    the model then sends one frame per monitored row (prefill rows as a block, masked positions dropped) and, in
    lockstep mode, waits for their verdicts before returning."""

    def __init__(self, client: _Lockstep, model: nn.Module, layers: Optional[Sequence[Layer]] = None,
                 arch: Optional[str] = None) -> None:
        layers = list(layers) if layers is not None else hf_layers(model, arch)
        if len({id(m) for m, _ in layers}) != len(layers):
            raise ValueError("one module object serves several layers (a shared activation function?); hook a "
                             "per-layer module, e.g. the MLP's down projection input")
        self.client = client
        self.model = model
        self.layer_count = len(layers)
        self._local = threading.local()
        self._fits: Dict[int, Optional[str]] = {}
        self._handles = [model.register_forward_pre_hook(self._begin), model.register_forward_hook(self._end)]
        for layer, (module, where) in enumerate(layers):
            if where == "output":
                self._handles.append(module.register_forward_hook(self._layer_output(layer)))
            elif where == "input":
                self._handles.append(module.register_forward_pre_hook(self._layer_input(layer)))
            else:
                raise ValueError(f"layer {layer}: where is {where!r}; use 'input' or 'output'")
        self.generate = GuardedGenerate(self)

    def _state(self) -> _State:
        st: Optional[_State] = getattr(self._local, "state", None)
        if st is None:
            st = self._local.state = _State()
        return st

    @property
    def rows(self) -> List[Optional[BoundRequest]]:
        """This thread's bound rows."""
        return self._state().rows

    def bind(self, requests: Sequence[Optional[BoundRequest]], attention_mask: Optional[torch.Tensor] = None) -> Binding:
        """Row i of the next forward passes (on this thread) belongs to ``requests[i]`` (None: no request).
        ``attention_mask`` (batch, tokens), 1 for real tokens, drops padded positions: it covers the first ``tokens``
        positions captured after the bind, whether they come in one prefill pass or in chunks."""
        st = self._state()
        previous = st.snapshot()
        st.rows = list(requests)
        st.mask = attention_mask.detach().to("cpu", torch.bool) if attention_mask is not None else None
        st.pos, st.skip = 0, 0
        return Binding(st, previous)

    def finish_row(self, row: int) -> None:
        """Row ``row`` is finished (EOS, stopped): later passes neither send its values nor change it."""
        st = self._state()
        if 0 <= row < len(st.rows):
            st.rows[row] = None

    def skip_capture(self, passes: int = 1) -> None:
        """The next ``passes`` forward passes on this thread send nothing (a re-prefill of scored steps)."""
        self._state().skip = passes

    @contextlib.contextmanager
    def capture_off(self) -> Iterator[None]:
        """Forward passes inside send nothing (e.g. re-running a prompt with gains the daemon already scored)."""
        st = self._state()
        st.capture = False
        try:
            yield
        finally:
            st.capture = True

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self) -> "Guard":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- per forward --------------------------------------------------------------------------------------------

    def _fit_problem(self, req: BoundRequest) -> Optional[str]:
        key = id(req.plan)
        if key not in self._fits:
            layers = list(req.plan.by_layer)
            top = max(layers, default=-1)
            self._fits[key] = None if top < self.layer_count else (
                f"catalog {req.plan.catalog_version!r} names layer {top}, but this model has {self.layer_count} "
                "hooked layers: the catalog was made for another model (check the fingerprint)")
        return self._fits[key]

    def _begin(self, module: nn.Module, inputs: Any) -> None:
        st = self._state()
        groups: Dict[int, Tuple[Any, List[Row]]] = {}
        for row, req in enumerate(st.rows):
            if req is None:
                continue
            req.check_open()
            if len(req.plan) == 0:
                continue
            problem = self._fit_problem(req)
            if problem is not None:
                misfit([req], problem)
                continue
            if req.monitored or req.gains()[1]:
                groups.setdefault(id(req.plan), (req.plan, []))[1].append((row, req))
        capture = st.capture and st.skip == 0
        if st.skip > 0:
            st.skip -= 1
        st.tokens = -1  # measured at the first hooked layer; capture-off passes still advance the positions
        st.fwd = [Group(plan, rows, capture) for plan, rows in groups.values()]

    def _apply(self, layer: int, act: torch.Tensor) -> None:
        st = self._state()
        if st.tokens < 0:
            st.tokens = act.shape[-2] if act.dim() == 3 else 1
        for g in st.fwd or ():
            g.layer(layer, act)

    def _layer_output(self, layer: int) -> Any:
        def hook(module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
            self._apply(layer, output)
        return hook

    def _layer_input(self, layer: int) -> Any:
        def hook(module: nn.Module, inputs: Tuple[torch.Tensor, ...]) -> None:
            self._apply(layer, inputs[0])
        return hook

    def _end(self, module: nn.Module, inputs: Any, output: Any) -> None:
        st = self._state()
        groups, st.fwd = st.fwd or [], None
        waits = []
        for g in groups:
            g.check_complete()
            waits.extend(g.send(st.mask, st.pos))
        if st.tokens > 0:
            st.pos += st.tokens
        if self.client.lockstep:
            for req, step in waits:
                req.wait_verdict(step)
        for g in groups:  # fail_closed: a stream that broke during this pass raises now, not at the end
            for _, req in g.rows:
                req.check_open()
