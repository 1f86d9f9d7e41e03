"""A batched greedy decode loop with the built-in host's lockstep semantics, for custom torch model servers.

Per request: prefill (one frame block), then one forward pass per generated token; in lockstep mode each pass waits
for its verdicts (Guard does that), and when the prefill's verdict brought gains before any token exists the prompt
is re-run with them (capture off: the daemon already has those steps) so the first generated token is mitigated
too — as src/NeuronGuard.Daemon/BuiltinHost does. Aborted rows stop; the others go on.

With abort or mask_attention in force for a request's tenant (the daemon's default is abort for backdoor sets), the
prefill's verdict is awaited even without lockstep, so an aborted row emits no token and a MaskAttention that came
with the verdict masks the prompt for the re-run prefill and every later pass (by zeroing those positions in the
attention mask given to ``step``; see :meth:`Request.masked_attention`). A mask that arrives later applies from the
next pass.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

import torch

from .hooks import Guard
from .request import Request

Step = Callable[[torch.Tensor, torch.Tensor, Any], Tuple[torch.Tensor, Any]]


def greedy_generate(guard: Guard, step: Step, requests: Sequence[Optional[Request]], input_ids: torch.Tensor,
                    attention_mask: Optional[torch.Tensor] = None, max_new_tokens: int = 16,
                    eos_token_id: Optional[int] = None, end_requests: bool = True) -> List[List[int]]:
    """Returns one list of generated token ids per row.

    ``step(input_ids, attention_mask, past) -> (logits (B, T, V), past)`` runs the model (past None = prefill).
    ``input_ids`` (B, T) left-padded with ``attention_mask`` (B, T) 1 for real tokens. ``requests`` (one per row,
    from :meth:`Client.start_request`) are ended (RequestEnd, final verdict awaited) unless ``end_requests`` is False.
    """
    batch = input_ids.shape[0]
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    guard.bind(requests, attention_mask)
    versions = [r.gains_version if r is not None else 0 for r in requests]
    with torch.no_grad():
        logits, past = step(input_ids, attention_mask, None)
        for r in requests:
            if r is not None and r.monitored and r.client.acts_at_prefill(r.tenant) and not r.aborted:
                r.wait_verdict(r.next_step - 1)   # no-op when lockstep already waited
        if any(r is not None and (r.gains_version != v or r.mask_version > 0) and not r.aborted
               for r, v in zip(requests, versions)):
            guard.bind(requests, attention_mask)  # positions restart at the prompt's first
            guard.skip_capture(1)                 # the daemon already scored these steps
            logits, past = step(input_ids, _masked(requests, attention_mask), None)
        out: List[List[int]] = [[] for _ in range(batch)]
        done = [False] * batch
        mask = attention_mask
        for i in range(max_new_tokens):
            for b, r in enumerate(requests):
                done[b] = done[b] or (r is not None and r.aborted)
            if all(done):
                break
            nxt = logits[:, -1, :].argmax(-1)
            for b in range(batch):
                if not done[b]:
                    tok = int(nxt[b])
                    if eos_token_id is not None and tok == eos_token_id:
                        done[b] = True
                    else:
                        out[b].append(tok)
            if i + 1 >= max_new_tokens or all(done):
                break
            # Finished rows keep decoding their last token (their values are not sent: see Guard.bind below).
            guard.bind([None if done[b] else r for b, r in enumerate(requests)])
            mask = torch.cat([mask, torch.ones(batch, 1, dtype=mask.dtype)], dim=1)
            logits, past = step(nxt[:, None], _masked(requests, mask), past)
    for r in requests:  # fail_closed: a break seen only after the last step still withholds the output
        if r is not None:
            r.check_open()
    if end_requests:
        for r in requests:
            if r is not None:
                r.end()
    return out


def _masked(requests: Sequence[Optional[Request]], attention_mask: torch.Tensor) -> torch.Tensor:
    """The attention mask with every row's MaskAttention positions zeroed (the Guard keeps the unmasked one)."""
    for b, r in enumerate(requests):
        if r is not None and r.masked_positions:
            attention_mask = r.masked_attention(attention_mask, b)
    return attention_mask
