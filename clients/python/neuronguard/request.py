"""One monitored request: its frames out, and the verdicts, gains and abort the daemon sends back for it."""
import logging
import threading
import time

from .errors import DaemonUnavailable, RequestAborted
from .wire import activations_frame, float32_bytes


class Request:
    """Created by :meth:`Client.start_request`. Thread-safe: the client's reader thread fills in what the daemon
    says; the model server's thread sends frames, reads gains and waits.

    ``monitored`` is False when the request runs without the daemon (fail_open with no stream, no catalog for the
    model, or the stream broke mid-request: ``errors`` says which). ``next_step`` is the step index of the next frame.
    """

    def __init__(self, client, request_id, tenant, plan, connection, on_verdict=None):
        self.client = client
        self.id = request_id
        self.tenant = tenant
        self.plan = plan
        self.next_step = 0
        self.latest_verdict = None
        self.final_verdict = None
        self.flagged = False
        self.abort_reason = None
        self.errors = []
        self.shadow_gains = {}          # slot → gain a shadow-mode policy would apply (reported, not applied)
        self.gains_version = 0          # bumps on every applied (non-shadow) Attenuate for this request
        self.ended = False
        self._gains = {}                # slot → gain from this request's Attenuate
        self._on_verdict = on_verdict
        self._conn = connection
        self._id_utf8 = request_id.encode()
        self._cond = threading.Condition()
        self._events = 0                # errors, aborts and disconnects seen (lockstep waits end on them)

    @property
    def monitored(self):
        return self._conn is not None and len(self.plan) > 0

    @property
    def aborted(self):
        return self.abort_reason is not None

    def raise_if_aborted(self):
        """For custom decode loops: raises :class:`RequestAborted` once the daemon aborted this request."""
        if self.abort_reason is not None:
            raise RequestAborted(self.id, self.abort_reason)

    def gains(self):
        """``(key, {slot: gain})``: the effective gains (request × global) to apply from the next forward pass.
        ``key`` changes whenever the gains do, so a hook can cache its device tensor by it."""
        g_version, g = self.client._global_gains(self.plan)
        if not g:
            return (self.gains_version, 0), self._gains
        merged = dict(g)
        for slot, gain in self._gains.items():
            merged[slot] = merged.get(slot, 1.0) * gain
        return (self.gains_version, g_version), merged

    # --- frames -------------------------------------------------------------------------------------------------

    def send(self, values, steps=1):
        """Sends ``steps`` rows of slot values (row-major, slots in plan order, BEFORE gains) for the next steps.
        ``values`` is a flat sequence or little-endian float32 bytes. Returns the last step sent, or None when the
        request is not monitored. In fail_closed mode a request whose stream broke raises DaemonUnavailable."""
        if not self.monitored:
            if self._conn is None and self.client.fail_closed and self.plan is not None and len(self.plan) > 0:
                raise DaemonUnavailable(f"request {self.id}: " + (self.errors[-1] if self.errors else "no stream"))
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
            if not self._conn.send(activations_frame(self._id_utf8, self.next_step + done, n, bytes(chunk))):
                self._lose("the Telemetry stream broke while sending")
                return None
        self.next_step += steps
        return self.next_step - 1

    def wait_verdict(self, step, timeout=None):
        """Lockstep: waits for the verdict of ``step`` (or an error, abort or disconnect). False on timeout."""
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

    def end(self, wait=True, timeout=None):
        """Sends RequestEnd and (with ``wait``) waits for the final verdict; returns it (None when unmonitored).
        ``wait=False`` suits async servers: the final verdict still lands in ``final_verdict`` / ``on_verdict``."""
        if self.ended:
            return self.final_verdict
        self.ended = True
        conn = self._conn
        if conn is not None:
            if not self.client._send_end(self, conn):
                self._lose("the Telemetry stream broke before RequestEnd")
            elif wait and len(self.plan) > 0:  # without slots nothing is scored: no final verdict to wait for
                deadline = time.monotonic() + (self.client.verdict_timeout if timeout is None else timeout)
                with self._cond:
                    while self.final_verdict is None and self._conn is not None:
                        left = deadline - time.monotonic()
                        if left <= 0 or not self._cond.wait(left):
                            break
        if wait or conn is None or len(self.plan) == 0:
            self.client._forget(self)  # otherwise the final verdict's arrival does it
        return self.final_verdict

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.end(wait=exc[0] is None)

    # --- called by the client's reader thread ----------------------------------------------------------------------

    def _deliver(self, message):
        kind = message.WhichOneof("kind")
        with self._cond:
            if kind == "verdict":
                v = message.verdict
                if v.final:
                    self.final_verdict = v
                elif self.latest_verdict is None or v.step >= self.latest_verdict.step:
                    self.latest_verdict = v
                self.flagged = self.flagged or v.flagged
            elif kind == "attenuate":
                a = message.attenuate
                gains = {g.slot: g.gain for g in a.gains if g.slot < len(self.plan) and g.gain == g.gain}
                if a.shadow:
                    self.shadow_gains = gains
                else:
                    self._gains = gains
                    self.gains_version += 1
            elif kind == "abort":
                self.abort_reason = message.abort.reason or "aborted by the daemon (no reason given)"
                self._events += 1
            elif kind == "error":
                self.errors.append(f"daemon error {message.error.code}: {message.error.message}")
                self._events += 1
            self._cond.notify_all()
        if kind == "verdict" and self._on_verdict is not None:
            try:
                self._on_verdict(self, message.verdict)
            except Exception:  # a callback bug must not take the stream down for every request
                logging.getLogger("neuronguard").exception("on_verdict callback of request %s failed", self.id)
        if kind == "verdict" and message.verdict.final:
            self.client._forget(self)

    def _lose(self, why):
        with self._cond:
            if self._conn is None:
                return
            self._conn = None
            self.errors.append(f"{why} at step {self.next_step}; the rest of the request ran unmonitored")
            self._cond.notify_all()
        self.client._count("requests_lost_midway")
