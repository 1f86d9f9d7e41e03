"""Hugging Face ``generate`` under a Guard: mitigation from the first token, finished rows dropped, aborts.

``guard.generate(requests, input_ids=…, attention_mask=…, **generate_kwargs)`` wraps ``model.generate``:

1. **always**: when the policy in force has an ``always`` mitigation for a request's tenant, it waits (at most the
   client's ``verdict_timeout``) for that request's gains before the first forward pass, so the prompt and the first
   token are attenuated.
2. **on_flag / abort / mask_attention**: when such a policy could apply (the daemon's default is abort for backdoor
   sets), it runs the prefill once itself (frames sent, verdicts awaited, bounded), then lets ``generate`` run the
   prefill again with capture off — with the gains the prefill's verdict brought, and with the positions a
   MaskAttention named zeroed in the ``attention_mask`` given to ``generate`` (which extends it for every later
   step, so no later query attends to them). An aborted row produces no token. The built-in host re-prefills the same
   way; the cost is one extra prefill, only then. A MaskAttention that arrives during ``generate`` is not applied to
   that call (``generate`` owns its mask): it is in ``request.masked_positions`` for the caller.
3. Rows that emit EOS stop sending (``FinishedRows``); aborted rows stop (``AbortCriteria``).

Stopping-criteria return types differ by transformers version: ≥ 4.39 combines per-row (batch,) bool tensors,
earlier versions evaluate ``bool(criterion(...))`` and stop the whole batch. Both are handled.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Sequence, Set, Union

import torch

from .errors import RequestAborted
from .layers import config_value

if TYPE_CHECKING:
    from .capture import BoundRequest
    from .hooks import Guard


def per_row_stopping() -> bool:
    """True when the installed transformers (≥ 4.39) takes per-row stopping tensors; also True without transformers."""
    try:
        import transformers
    except ImportError:
        return True
    parts = (transformers.__version__.split(".") + ["0"])[:2]
    try:
        return (int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()) or 0)) >= (4, 39)
    except ValueError:
        return True


def _answer(done: List[bool], device: torch.device, per_row: bool) -> Union[bool, torch.Tensor]:
    if per_row:
        return torch.tensor(done, dtype=torch.bool, device=device)
    return bool(done) and all(done)


class AbortCriteria:
    """A ``StoppingCriteria``-compatible callable: stops the rows whose request the daemon aborted.

    transformers ≥ 4.39: a (batch,) bool tensor, each row stops on its own. Older versions: True only when every row
    is aborted (a tensor of several values there raised "Boolean value of Tensor … is ambiguous"); add
    :class:`AbortLogitsProcessor` to end a lone aborted row with EOS on those versions. ``per_row`` overrides the
    version check."""

    def __init__(self, requests: Sequence[Optional["BoundRequest"]], per_row: Optional[bool] = None,
                 guard: Optional["Guard"] = None) -> None:
        self.requests = list(requests)
        self.per_row = per_row_stopping() if per_row is None else per_row
        self.guard = guard

    def __call__(self, input_ids: torch.Tensor, scores: Any = None, **kwargs: Any) -> Union[bool, torch.Tensor]:
        done = [r is not None and bool(getattr(r, "aborted", False)) for r in self.requests]
        if self.guard is not None:
            for row, d in enumerate(done):
                if d:
                    self.guard.finish_row(row)
        return _answer(done, input_ids.device, self.per_row)


class AbortLogitsProcessor:
    """A ``LogitsProcessor``-compatible callable: an aborted row can only emit ``eos_token_id`` (ends it on any
    transformers version)."""

    def __init__(self, requests: Sequence[Optional["BoundRequest"]], eos_token_id: int) -> None:
        self.requests = list(requests)
        self.eos = eos_token_id

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        for row, r in enumerate(self.requests):
            if r is not None and getattr(r, "aborted", False):
                scores[row] = float("-inf")
                scores[row, self.eos] = 0.0
        return scores


class FinishedRows:
    """A ``StoppingCriteria``-compatible callable that never stops anything itself: it unbinds rows whose last token
    is EOS, so ``generate``'s padding steps for finished rows are neither sent nor scored."""

    def __init__(self, guard: "Guard", eos_token_ids: Iterable[int], per_row: Optional[bool] = None) -> None:
        self.guard = guard
        self.eos: Set[int] = set(eos_token_ids)
        self.per_row = per_row_stopping() if per_row is None else per_row

    def __call__(self, input_ids: torch.Tensor, scores: Any = None, **kwargs: Any) -> Union[bool, torch.Tensor]:
        last = input_ids[:, -1].tolist()
        for row, tok in enumerate(last):
            if tok in self.eos:
                self.guard.finish_row(row)
        return _answer([False] * len(last), input_ids.device, self.per_row)


def raise_if_aborted(requests: Iterable[Optional[Any]]) -> None:
    """For custom decode loops: raises :class:`RequestAborted` for the first aborted request."""
    for r in requests:
        if r is not None and getattr(r, "aborted", False):
            raise RequestAborted(r.id, r.abort_reason)


def _eos_ids(model: Any, kwargs: dict[str, Any]) -> List[int]:
    eos = kwargs.get("eos_token_id")
    if eos is None:
        eos = config_value(getattr(model, "generation_config", None), "eos_token_id")
    if eos is None:
        eos = config_value(getattr(model, "config", None), "eos_token_id")
    if eos is None:
        return []
    return [int(e) for e in eos] if isinstance(eos, (list, tuple)) else [int(eos)]


def _criteria_list(given: Any) -> Any:
    if given is not None:
        return given
    try:
        from transformers import StoppingCriteriaList
        return StoppingCriteriaList()
    except ImportError:
        return []


class GuardedGenerate:
    """``guard.generate(requests, input_ids=…, attention_mask=…, **kwargs)``: ``model.generate`` with the rows bound
    to ``requests`` for the call, mitigation from the first token, finished and aborted rows stopped. Returns what
    ``model.generate`` returns. ``generate=`` passes another generate function (called as ``fn(model, **kwargs)``);
    ``stopping_per_row`` overrides the transformers-version check of the stopping-criteria contract."""

    def __init__(self, guard: "Guard") -> None:
        self.guard = guard

    def __call__(self, requests: Sequence[Optional["BoundRequest"]], *, input_ids: torch.Tensor,
                 attention_mask: Optional[torch.Tensor] = None, generate: Any = None,
                 stopping_per_row: Optional[bool] = None, **kwargs: Any) -> Any:
        guard, model = self.guard, self.guard.model
        reqs = list(requests)
        live = [r for r in reqs if r is not None and r.monitored]
        timeout = float(getattr(guard.client, "verdict_timeout", 5.0))
        with guard.bind(reqs, attention_mask):
            for r in live:
                if "always" in _modes(r):
                    _wait_gains(r, timeout)
            probe = [r for r in live if _modes(r) & {"on_flag", "abort", "mask_attention"}]
            if probe:
                with torch.no_grad():
                    model(input_ids=input_ids, attention_mask=attention_mask)
                for r in probe:
                    r.wait_verdict(r.next_step - 1, timeout)  # type: ignore[attr-defined]
                guard.bind(reqs, attention_mask)   # same rows; positions restart for generate's own prefill
                guard.skip_capture(1)              # that prefill re-runs scored steps, now with the gains in force
                if any(getattr(r, "masked_positions", None) for r in probe):
                    if attention_mask is None:
                        attention_mask = torch.ones_like(input_ids)
                    for b, row in enumerate(reqs):
                        if row is not None and getattr(row, "masked_positions", None):
                            attention_mask = row.masked_attention(attention_mask, b)  # type: ignore[attr-defined]
            eos = _eos_ids(model, kwargs)
            criteria = _criteria_list(kwargs.pop("stopping_criteria", None))
            ours = [FinishedRows(guard, eos, stopping_per_row), AbortCriteria(reqs, stopping_per_row, guard)]
            kwargs["stopping_criteria"] = type(criteria)([*criteria, *ours])
            run = generate if generate is not None else type(model).generate  # type: ignore[attr-defined]
            out = run(model, input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            for row in reqs:  # fail_closed: a break seen only after the last step still withholds the output
                if row is not None:
                    row.check_open()
            return out


def _modes(req: Any) -> Set[str]:
    client = getattr(req, "client", None)
    if client is None or not hasattr(client, "policy_modes"):
        return set()
    return client.policy_modes(req.tenant)  # type: ignore[no-any-return]


def _wait_gains(req: Any, timeout: float) -> None:
    wait = getattr(req, "wait_gains", None)
    if wait is not None:
        wait(timeout)
