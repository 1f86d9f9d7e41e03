"""The serving loop: one worker thread owns the model and runs the requests waiting in its queue as one batch (up to
``max_batch``, after waiting ``batch_wait`` seconds for more to arrive), a decode loop with the guard attached.

Per batch, as the built-in host does: RequestStart per row; under an ``always`` policy the gains are awaited
(bounded) before the prefill; the prefill's verdicts are awaited (bounded) and, when they brought gains, the prompt
is re-run with them (capture off) so the first token is mitigated; then one pass per token. An aborted row ends
with ``finish_reason`` "content_filter", a row at EOS with "stop", at its token budget with "length". Finished rows
stop sending. fail_closed: a daemon that is unreachable at the start or breaks mid-batch ends the unfinished rows
with an error event. Requests arriving during a batch wait for the next one (static batching, not continuous).
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import torch

from ..client import Client
from ..errors import NeuronGuardError
from ..hooks import Guard
from ..request import Request
from .loader import Loaded

log = logging.getLogger("neuronguard.serve")


@dataclass
class Job:
    """One choice to generate. ``emit(kind, payload)`` is called on the worker thread: ("token", text),
    ("done", {"finish_reason", "neuronguard", "completion_tokens", "batch_size"}) or ("error", message)."""

    prompt_ids: List[int]
    max_tokens: int
    temperature: float
    tenant: str
    emit: Callable[[str, Any], None]
    logit_bias: Dict[int, float] = field(default_factory=dict)
    want_logprobs: bool = False
    token_logprobs: List[float] = field(default_factory=list)
    generated: List[int] = field(default_factory=list)
    sent_text: str = ""
    finish: Optional[str] = None


def verdict_info(req: Optional[Request], batch_size: int) -> Dict[str, Any]:
    """What a response says about the guard: monitored, flagged, mitigated, aborted, the final verdict's scores."""
    if req is None:
        return {"guarded": False, "batch_size": batch_size}
    final = req.final_verdict
    return {
        "guarded": True, "request_id": req.id, "monitored": req.monitored and not req.lost, "flagged": req.flagged,
        "mitigated": req.gains_version > 0, "aborted": req.abort_reason, "errors": list(req.errors),
        "batch_size": batch_size,
        "final_verdict": None if final is None else {
            "flagged": final.flagged, "step": final.step,
            "scores": [{"detector": int(s.detector), "score": s.score, "threshold": s.threshold, "flagged": s.flagged}
                       for s in final.scores]},
    }


class Engine:
    def __init__(self, loaded: Loaded, client: Optional[Client], max_batch: int = 8, batch_wait: float = 0.01) -> None:
        self.loaded = loaded
        self.client = client
        self.guard = Guard(client, loaded.model) if client is not None else None
        self.max_batch = max(1, max_batch)
        self.batch_wait = batch_wait
        self.batches = 0
        self._queue: "queue.SimpleQueue[Optional[Job]]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="neuronguard-serve", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        self._queue.put(job)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        if self.guard is not None:
            self.guard.close()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.batch_wait
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)
                    break
                batch.append(job)
            self.batches += 1
            try:
                self._generate(batch)
            except Exception as e:  # one bad batch must not stop the server
                log.exception("batch failed")
                for job in batch:
                    if job.finish is None:
                        job.finish = "error"
                        job.emit("error", f"{type(e).__name__}: {e}")

    def _start(self, batch: List[Job]) -> List[Optional[Request]]:
        reqs: List[Optional[Request]] = []
        for job in batch:
            if self.client is None:
                reqs.append(None)
                continue
            try:
                reqs.append(self.client.start_request(tenant=job.tenant))
            except NeuronGuardError as e:  # fail_closed and no daemon
                job.finish = "error"
                job.emit("error", str(e))
                reqs.append(None)
        return reqs

    def _prefill(self, reqs: List[Optional[Request]], ids: torch.Tensor, mask: torch.Tensor) -> Any:
        step, guard = self.loaded.step, self.guard
        if guard is None:
            return step(ids, mask, None)
        timeout = self.client.verdict_timeout if self.client is not None else 5.0
        live = [r for r in reqs if r is not None and r.monitored]
        for r in live:
            if "always" in r.client.policy_modes(r.tenant):
                r.wait_gains(timeout)
        keys = [r.gains()[0] if r is not None else None for r in reqs]
        guard.bind(reqs, mask)
        logits, past = step(ids, mask, None)
        for r in live:
            if r.client.policy_modes(r.tenant) & {"on_flag", "abort"}:
                r.wait_verdict(r.next_step - 1, timeout)
        if any(r is not None and not r.aborted and r.gains()[0] != k for r, k in zip(reqs, keys)):
            guard.bind(reqs, mask)
            guard.skip_capture(1)
            logits, past = step(ids, mask, None)
        return logits, past

    def _generate(self, batch: List[Job]) -> None:
        reqs = self._start(batch)
        tok = self.loaded.tokenizer
        eos = tok.eos_token_id
        pad = eos if eos is not None else 0
        width = max(len(j.prompt_ids) for j in batch)
        ids = torch.tensor([[pad] * (width - len(j.prompt_ids)) + j.prompt_ids for j in batch])
        mask = torch.tensor([[0] * (width - len(j.prompt_ids)) + [1] * len(j.prompt_ids) for j in batch])
        try:
            with torch.no_grad():
                logits, past = self._prefill(reqs, ids, mask)
                for _ in range(max(j.max_tokens for j in batch)):
                    nxt = self._choose(batch, reqs, logits[:, -1, :], eos)
                    if all(j.finish is not None for j in batch):
                        break
                    for b, job in enumerate(batch):
                        if job.finish is not None and self.guard is not None:
                            self.guard.finish_row(b)
                    mask = torch.cat([mask, torch.ones(len(batch), 1, dtype=mask.dtype)], dim=1)
                    logits, past = self.loaded.step(nxt[:, None], mask, past)
        except NeuronGuardError as e:  # fail_closed: the daemon went away mid-batch
            for job in batch:
                if job.finish is None:
                    job.finish = "error"
                    job.emit("error", str(e))
        finally:
            if self.guard is not None:
                self.guard.bind([])
        for job, req in zip(batch, reqs):
            if req is not None:
                req.end()
            if job.finish != "error":
                job.emit("done", {"finish_reason": job.finish or "length", "completion_tokens": len(job.generated),
                                  "neuronguard": verdict_info(req, len(batch)), "token_logprobs": job.token_logprobs,
                                  "tokens": [self.loaded.tokenizer.decode([t]) for t in job.generated]})

    def _choose(self, batch: List[Job], reqs: List[Optional[Request]], logits: torch.Tensor,
                eos: Optional[int]) -> torch.Tensor:
        """Picks each unfinished row's next token, streams its text, and marks rows that end."""
        biased = [b for b, job in enumerate(batch) if job.logit_bias]
        if biased:
            logits = logits.clone()
            for b in biased:
                for token, bias in batch[b].logit_bias.items():
                    logits[b, token] += bias
        nxt = logits.argmax(-1)
        for b, (job, req) in enumerate(zip(batch, reqs)):
            if job.finish is not None:
                continue
            if req is not None and req.aborted:
                job.finish = "content_filter"
                continue
            if job.temperature > 0:
                probs = torch.softmax(logits[b] / job.temperature, dim=-1)
                nxt[b] = torch.multinomial(probs, 1)[0]
            token = int(nxt[b])
            if eos is not None and token == eos:
                job.finish = "stop"
                continue
            job.generated.append(token)
            if job.want_logprobs:
                job.token_logprobs.append(float(torch.log_softmax(logits[b].float(), -1)[token]))
            text = self.loaded.tokenizer.decode(job.generated)
            if not text.endswith("\ufffd") and len(text) > len(job.sent_text):
                job.emit("token", text[len(job.sent_text):])
                job.sent_text = text
            if len(job.generated) >= job.max_tokens:
                job.finish = "length"
        return nxt
