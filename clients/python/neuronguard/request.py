"""One monitored request: its frames out, and the verdicts, gains and abort the daemon sends back for it."""
from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union

from . import plan as _plan
from .errors import DaemonUnavailable, RequestAborted
from .wire import activations_frame, float32_bytes

if TYPE_CHECKING:
    from .client import Client, _Stream
    from .v1.common_pb2 import Verdict

VerdictCallback = Callable[["Request", "Verdict"], None]


class Request:
    """Created by :meth:`Client.start_request` / :meth:`Client.request`. Thread-safe: the client's reader thread fills
    in what the daemon says; the model server's thread sends frames, reads gains and waits. ``on_verdict`` callbacks
    run on the client's callback thread (in order), never on the gRPC reader thread.

    ``monitored`` is False when the request runs without the daemon (fail_open with no stream, no catalog for the
    model, a catalog that does not fit the model, or the stream broke mid-request: ``errors`` says which).
    ``next_step`` is the step index of the next frame. As a ``with`` block it ends the request at exit.
    """

    def __init__(self, client: "Client", request_id: str, tenant: str, plan: _plan.SlotPlan,
                 connection: Optional["_Stream"], on_verdict: Optional[VerdictCallback] = None) -> None:
        self.client = client
        self.id = request_id
        self.tenant = tenant
        self.plan = plan
        self.next_step = 0
        self.latest_verdict: Optional["Verdict"] = None
        self.final_verdict: Optional["Verdict"] = None
        self.flagged = False
        self.abort_reason: Optional[str] = None
        self.errors: List[str] = []
        self.shadow_gains: Dict[int, float] = {}  # slot → gain a shadow-mode policy would apply (not applied)
        self.gains_version = 0                    # bumps on every applied (non-shadow) Attenuate for this request
        self.masked_positions: List[int] = []     # prompt positions to mask attention to (MaskAttention), ascending
        self.mask_version = 0                     # bumps whenever masked_positions grows
        self.ended = False
        self.lost = False                         # the stream broke while this request was running
        self._gains: Dict[int, float] = {}        # slot → gain from this request's Attenuate
        self._on_verdict = on_verdict
        self._conn = connection
        self._id_utf8 = request_id.encode()
        self._cond = threading.Condition()
        self._events = 0                # errors, aborts and disconnects seen (lockstep waits end on them)
        self._sent_at: Tuple[int, float] = (-1, 0.0)  # (last step sent, monotonic time) for the verdict latency
        self._final_waiters: List[Callable[[Optional["Verdict"]], None]] = []

    @property
    def monitored(self) -> bool:
        return self._conn is not None and len(self.plan) > 0

    @property
    def aborted(self) -> bool:
        return self.abort_reason is not None

    @property
    def fail_closed(self) -> bool:
        return self.client.fail_closed

    def raise_if_aborted(self) -> None:
        """For custom decode loops: raises :class:`RequestAborted` once the daemon aborted this request."""
        if self.abort_reason is not None:
            raise RequestAborted(self.id, self.abort_reason)

    def check_open(self) -> None:
        """fail_closed: raises :class:`DaemonUnavailable` once the stream this request ran on broke (the Guard calls
        it at every forward pass, so the next decode step raises)."""
        if self.lost and self.client.fail_closed:
            raise DaemonUnavailable(f"request {self.id}: " + (self.errors[-1] if self.errors else "the stream broke"))

    def gains(self) -> Tuple[Tuple[int, int], Dict[int, float]]:
        """``(key, {slot: gain})``: the effective gains (request × global) to apply from the next forward pass.
        ``key`` changes whenever the gains do, so a hook can cache its device tensor by it."""
        g_version, g = self.client._global_gains(self.plan)
        if not g:
            return (self.gains_version, 0), self._gains
        merged = dict(g)
        for slot, gain in self._gains.items():
            merged[slot] = merged.get(slot, 1.0) * gain
        return (self.gains_version, g_version), merged

    def masked_attention(self, attention_mask: Any, row: int = 0) -> Any:
        """``attention_mask`` (batch, positions) with this request's masked prompt positions zeroed in ``row``
        (positions count from the row's first real token, so left padding is skipped). Zeroing a position in the
        attention mask is how Hugging Face models and :mod:`neuronguard.plainmodels` stop every query attending to it;
        they also derive position ids from the mask, so the tokens after it move down one position each, as if the
        masked token were padding (docs/telemetry.md "MaskAttention"). Returns the input when nothing is masked."""
        if not self.masked_positions:
            return attention_mask
        out = attention_mask.clone()
        real = (out[row] != 0).nonzero()
        first = int(real[0]) if len(real) else 0
        for p in self.masked_positions:
            if first + p < out.shape[1]:
                out[row, first + p] = 0
        return out

    def wait_gains(self, timeout: Optional[float] = None) -> bool:
        """Waits (at most ``timeout``, default ``verdict_timeout``) until this request has gains; False on timeout."""
        deadline = time.monotonic() + (self.client.verdict_timeout if timeout is None else timeout)
        with self._cond:
            while self.gains_version == 0 and self._conn is not None and self.abort_reason is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return self.gains_version > 0

    # --- frames -------------------------------------------------------------------------------------------------

    def send(self, values: Union[bytes, bytearray, memoryview, Any], steps: int = 1) -> Optional[int]:
        """Sends ``steps`` rows of slot values (row-major, slots in plan order, BEFORE gains) for the next steps.
        ``values`` is a flat sequence or little-endian float32 bytes. Returns the last step sent, or None when the
        request is not monitored. In fail_closed mode a request whose stream broke raises DaemonUnavailable."""
        self.check_open()
        conn = self._conn
        if conn is None or len(self.plan) == 0:
            self.next_step += steps
            return None
        raw = values if isinstance(values, (bytes, bytearray, memoryview)) else float32_bytes(values)
        width = len(self.plan)
        if len(raw) != 4 * steps * width:
            raise ValueError(f"{len(raw) // 4} values for {steps} steps of {width} slots; send steps × slots values")
        per = self.plan.steps_per_message()
        for done in range(0, steps, per):
            n = min(per, steps - done)
            chunk = raw[4 * done * width:4 * (done + n) * width]
            if not conn.send(activations_frame(self._id_utf8, self.next_step + done, n, bytes(chunk))):
                self.client.metrics.frame_dropped()
                self._lose("the Telemetry stream broke while sending")
                self.check_open()
                return None
            self.client.metrics.frame_sent()
        self.next_step += steps
        self._sent_at = (self.next_step - 1, time.monotonic())
        return self.next_step - 1

    def wait_verdict(self, step: int, timeout: Optional[float] = None) -> bool:
        """Waits for the verdict of ``step`` (or an error, abort or disconnect). False on timeout."""
        timeout = self.client.verdict_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with self._cond:
            events = self._events
            while True:
                v = self.latest_verdict
                if (v is not None and v.step >= step) or self._events != events or self._conn is None:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    self.client._count("verdict_timeouts")
                    return False
                self._cond.wait(left)

    def end(self, wait: bool = True, timeout: Optional[float] = None) -> Optional["Verdict"]:
        """Sends RequestEnd and (with ``wait``) waits at most ``timeout`` (default ``verdict_timeout``) for the final
        verdict; returns it (None when unmonitored or not yet there). ``wait=False`` returns at once: the final
        verdict still lands in ``final_verdict`` / ``on_verdict``; async code awaits ``neuronguard.aio``."""
        if self.ended:
            return self.final_verdict
        self.ended = True
        conn = self._conn
        if conn is not None:
            if not self.client._send_end(self, conn):
                self._lose("the Telemetry stream broke before RequestEnd")
            elif wait and len(self.plan) > 0:  # without slots nothing is scored: no final verdict to wait for
                self.wait_final(timeout)
        if wait or conn is None or len(self.plan) == 0:
            self.client._forget(self)  # otherwise the final verdict's arrival does it
        return self.final_verdict

    def wait_final(self, timeout: Optional[float] = None) -> Optional["Verdict"]:
        deadline = time.monotonic() + (self.client.verdict_timeout if timeout is None else timeout)
        with self._cond:
            while self.final_verdict is None and self._conn is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    break
        return self.final_verdict

    def on_final(self, fn: Callable[[Optional["Verdict"]], None]) -> None:
        """Calls ``fn(final_verdict)`` on the callback thread once the request is over: with the final verdict, or
        None when it ran (or went) unmonitored. At once (on the callback thread) when that is already so."""
        with self._cond:
            now = self.final_verdict is not None or self._conn is None or len(self.plan) == 0
            if not now:
                self._final_waiters.append(fn)
        if now:
            self.client._callback(fn, self.final_verdict)

    def _settle(self) -> None:
        with self._cond:
            waiters, self._final_waiters = self._final_waiters, []
        for fn in waiters:
            self.client._callback(fn, self.final_verdict)

    def give_up(self, why: str) -> None:
        """The catalog does not fit the model (fail_open): end the request on the daemon, run the rest unmonitored."""
        with self._cond:
            conn, self._conn = self._conn, None
            self.plan = _plan.EMPTY
            self.errors.append(f"{why}; the request ran unmonitored")
            self._cond.notify_all()
        if conn is not None:
            self.client._send_end(self, conn)
            self.client._forget(self)
            self.client._unmonitored(why)
        self._settle()

    def __enter__(self) -> "Request":
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        self.end(wait=exc_type is None)

    # --- called by the client's reader thread ----------------------------------------------------------------------

    def _deliver(self, message: Any) -> None:
        kind = message.WhichOneof("kind")
        with self._cond:
            if kind == "verdict":
                v = message.verdict
                if v.final:
                    self.final_verdict = v
                elif self.latest_verdict is None or v.step >= self.latest_verdict.step:
                    self.latest_verdict = v
                    step, at = self._sent_at
                    if v.step >= step >= 0:
                        self.client.metrics.verdict_latency(time.monotonic() - at)
                        self._sent_at = (-1, 0.0)
                self.flagged = self.flagged or v.flagged
            elif kind == "attenuate":
                a = message.attenuate
                gains = {g.slot: g.gain for g in a.gains if g.slot < len(self.plan) and g.gain == g.gain}
                if a.shadow:
                    self.shadow_gains = gains
                else:
                    self._gains = gains
                    self.gains_version += 1
            elif kind == "mask_attention" and not message.mask_attention.shadow:
                grown = sorted(set(self.masked_positions) | set(message.mask_attention.positions))
                if grown != self.masked_positions:  # the mask lasts for the rest of the request: it only grows
                    self.masked_positions = grown
                    self.mask_version += 1
            elif kind == "abort":
                self.abort_reason = message.abort.reason or "aborted by the daemon (no reason given)"
                self._events += 1
            elif kind == "error":
                self.errors.append(f"daemon error {message.error.code}: {message.error.message}")
                self._events += 1
            self._cond.notify_all()
        if kind == "verdict" and self._on_verdict is not None:
            self.client._callback(self._on_verdict, self, message.verdict)
        if kind == "verdict" and message.verdict.final:
            self.client._forget(self)
            self._settle()

    def _lose(self, why: str) -> None:
        with self._cond:
            if self._conn is None:
                return
            self._conn = None
            self.lost = True
            self.errors.append(f"{why} at step {self.next_step}; the rest of the request ran unmonitored")
            self._cond.notify_all()
        self.client._count("requests_lost_midway")
        self._settle()
