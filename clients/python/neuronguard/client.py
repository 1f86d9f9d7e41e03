"""The Telemetry stream, done once per process: connect, Hello/Welcome, routing, PolicyAck, reconnect.

Thread-safety: one Client serves every thread of a model server. ``start_request`` / ``request`` may be called from
any thread; each Request is used by the thread running its rows (plus the client's own threads). The gRPC reader
thread never runs user code: ``on_verdict`` callbacks run, in order, on one ``neuronguard-callbacks`` thread.
"""
from __future__ import annotations

import concurrent.futures
import itertools
import logging
import os
import queue
import socket
import threading
import time
import uuid

from typing import Any, Callable, Dict, Iterator, Optional, Set, Tuple

import grpc

from . import plan as _plan
from .channel import Connection
from .errors import DaemonUnavailable
from .metrics import ClientMetrics
from .request import Request, VerdictCallback
from .control import MODES as _MODES
from .v1 import telemetry_pb2 as t

log = logging.getLogger("neuronguard")
PREFILL_MODES = frozenset({"abort", "mask_attention"})
_STREAM = "/neuronguard.v1.Telemetry/Stream"
FAIL_OPEN, FAIL_CLOSED = "fail_open", "fail_closed"


class _Stream:
    """One open Telemetry call: its outbox (bytes) and whether it was welcomed or broke."""

    def __init__(self) -> None:
        self.outbox: "queue.SimpleQueue[Optional[bytes]]" = queue.SimpleQueue()
        self.welcomed = False
        self.broken = False

    def send(self, data: bytes) -> bool:
        if self.broken:
            return False
        self.outbox.put(data)
        return True

    def requests(self) -> Iterator[bytes]:
        while True:
            item = self.outbox.get()
            if item is None:
                return
            yield item


class Client:
    """A model server's connection to NeuronGuard.

    ``fail_mode``: ``"fail_open"`` serves requests unmonitored while the daemon is unreachable (a warning is logged
    once per outage and ``stats["unmonitored_requests"]`` counts them); ``"fail_closed"`` raises
    :class:`DaemonUnavailable` instead. ``lockstep``: hooks wait for each frame's verdict (``verdict_timeout``
    seconds at most) so gains decided on step s apply from step s+1; otherwise gains apply when they arrive.
    ``legacy_fingerprint``: the model's recipe-1 fingerprint (shapes only; ``fingerprint.legacy_from_folder``), sent in
    Hello so a daemon whose catalog is still stored under it serves this client during the transition to recipe 2, as
    it serves the built-in host (docs/telemetry.md, "Model fingerprint"); :meth:`for_folder` computes both.
    """

    def __init__(self, address: str, model_fingerprint: str, model_id: str = "", server_id: Optional[str] = None,
                 token: Optional[str] = None, root_certificates: Optional[bytes] = None,
                 private_key: Optional[bytes] = None, certificate_chain: Optional[bytes] = None,
                 fail_mode: str = FAIL_OPEN, lockstep: bool = False, verdict_timeout: float = 5.0,
                 connect_timeout: float = 10.0, reconnect_delay: float = 0.2, max_reconnect_delay: float = 5.0,
                 legacy_fingerprint: Optional[str] = None) -> None:
        if fail_mode not in (FAIL_OPEN, FAIL_CLOSED):
            raise ValueError(f"fail_mode is {fail_mode!r}; use 'fail_open' or 'fail_closed'")
        if not model_fingerprint:
            raise ValueError("model_fingerprint is empty; compute it with neuronguard.fingerprint.from_folder(DIR)")
        self.connection = Connection(address, token, root_certificates, private_key, certificate_chain)
        self.model_fingerprint = model_fingerprint
        self.legacy_fingerprint = legacy_fingerprint or ""
        self.model_id = model_id
        self.server_id = server_id or f"python@{socket.gethostname()}:{os.getpid()}"
        self.fail_closed = fail_mode == FAIL_CLOSED
        self.lockstep = lockstep
        self.verdict_timeout = verdict_timeout
        self.connect_timeout = connect_timeout
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_delay = max_reconnect_delay
        self.plan = _plan.EMPTY
        self.policy: Any = None
        self.last_error: Optional[str] = None
        self.metrics = ClientMetrics(self.server_id)
        self.stats = self.metrics.stats
        self._stream: Optional[_Stream] = None
        self._requests: Dict[str, Request] = {}
        self._lock = threading.Lock()      # plan, stream and request table; RequestStart sends under it
        self._global: Tuple[int, Optional[_plan.SlotPlan], Dict[int, float]] = (0, None, {})  # (version, plan, gains)
        self._callbacks = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="neuronguard-callbacks")
        self._welcomed = threading.Event()
        self._settled = threading.Event()  # set by the first Welcome, or by a refusal that retrying cannot fix
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._warned = False
        self._ids = itertools.count()

    @classmethod
    def for_folder(cls, address: str, model_dir: str, **kwargs: Any) -> "Client":
        """A client for the Hugging Face model folder ``model_dir``: its fingerprint (recipe 2) and its recipe-1
        fingerprint in Hello, so catalogs made before recipe 2 keep serving it until one is activated under the new
        value. Other arguments as for :class:`Client`."""
        from . import fingerprint
        current: Callable[[str], str] = fingerprint.from_folder
        legacy: Callable[[str], str] = fingerprint.legacy_from_folder
        return cls(address, current(model_dir), legacy_fingerprint=legacy(model_dir), **kwargs)

    # --- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> "Client":
        """Opens the stream in a background thread and waits up to ``connect_timeout`` for the first Welcome.
        fail_closed raises DaemonUnavailable when none came (it keeps retrying in the background)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="neuronguard-telemetry", daemon=True)
            self._thread.start()
        self._settled.wait(self.connect_timeout)
        if not self._welcomed.is_set():
            msg = (f"no Welcome from the NeuronGuard daemon at {self.connection.address} within "
                   f"{self.connect_timeout:g} s ({self.last_error or 'no answer'})")
            if self.fail_closed:
                raise DaemonUnavailable(msg)
            log.warning("%s; serving unmonitored until it answers", msg)
        return self

    def close(self) -> None:
        """Stops the stream thread and the callback thread (pending callbacks run first)."""
        self._stop.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.outbox.put(None)
        self.connection.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._callbacks.shutdown(wait=True)

    def __enter__(self) -> "Client":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        s = self._stream
        return s is not None and s.welcomed and not s.broken

    # --- requests -------------------------------------------------------------------------------------------------

    def request(self, request_id: Optional[str] = None, tenant: str = "", labels: Optional[Dict[str, str]] = None,
                on_verdict: Optional[VerdictCallback] = None) -> Request:
        """``with client.request(tenant=…) as req:`` — :meth:`start_request` whose ``with`` block ends the request
        (waiting for the final verdict when the block exits normally, not when it raises)."""
        return self.start_request(request_id, tenant, labels, on_verdict)

    def start_request(self, request_id: Optional[str] = None, tenant: str = "",
                      labels: Optional[Dict[str, str]] = None, on_verdict: Optional[VerdictCallback] = None) -> Request:
        """Starts a request on the stream (RequestStart). Without a stream: fail_open returns an unmonitored
        request (counted, warned once per outage), fail_closed raises DaemonUnavailable."""
        rid = request_id or f"{uuid.uuid4().hex[:12]}-{next(self._ids)}"
        with self._lock:
            stream = self._stream if self.connected else None
            req = Request(self, rid, tenant, self.plan if stream else _plan.EMPTY, stream, on_verdict)
            if stream is not None:
                self._requests[rid] = req
                msg = t.ModelServerMessage(request_start=t.RequestStart(request_id=rid, tenant=tenant, labels=labels or {}))
                if not stream.send(msg.SerializeToString()):
                    stream = None
        if stream is None:
            with self._lock:
                self._requests.pop(rid, None)
            why = f"no Telemetry stream to NeuronGuard at {self.connection.address} ({self.last_error or 'not connected yet'})"
            if self.fail_closed:
                raise DaemonUnavailable(why)
            req._conn = None
            req.errors.append(why + "; the request ran unmonitored")
            self._unmonitored(why)
        return req

    def policy_modes(self, tenant: str) -> Set[str]:
        """The mitigation modes (``always``, ``on_flag``, …) the policy in force gives this tenant's sets (a tenant
        entry wins over the global one, as the daemon decides)."""
        policy = self.policy
        if policy is None:
            return set()
        chosen: Dict[str, Any] = {}
        for m in policy.mitigations:
            if m.tenant == tenant or (m.tenant == "" and m.set not in chosen):
                chosen[m.set] = m
        names = {v: k for k, v in _MODES.items()}
        return {names.get(m.mode, "") for m in chosen.values()} - {"", "off"}

    def acts_at_prefill(self, tenant: str) -> bool:
        """Whether a mode that acts on the prefill's verdict (abort, mask_attention) is in force for this tenant: then
        decode loops wait for the prefill verdict before the first token, even without lockstep (the Welcome carries
        the daemon's defaults, e.g. abort for backdoor sets)."""
        return bool(self.policy_modes(tenant) & PREFILL_MODES)

    def _unmonitored(self, why: str) -> None:
        self._count("unmonitored_requests")
        if not self._warned:
            self._warned = True
            log.warning("%s: serving unmonitored (fail_open)", why)

    def _send_end(self, req: Request, stream: _Stream) -> bool:
        return stream.send(t.ModelServerMessage(request_end=t.RequestEnd(request_id=req.id)).SerializeToString())

    def _forget(self, req: Request) -> None:
        with self._lock:
            if self._requests.get(req.id) is req:
                del self._requests[req.id]

    def _count(self, name: str) -> None:
        self.metrics.count(name)

    def _callback(self, fn: Callable[..., None], *args: Any) -> None:
        """Runs a user callback off the reader thread; a failing callback is logged, never fatal."""
        def run() -> None:
            try:
                fn(*args)
            except Exception:
                log.exception("NeuronGuard on_verdict callback failed")
        try:
            self._callbacks.submit(run)
        except RuntimeError:  # closed: run it here rather than lose it
            run()

    def _global_gains(self, plan: _plan.SlotPlan) -> Tuple[int, Dict[int, float]]:
        version, gplan, gains = self._global
        return (version, gains) if gplan is plan else (0, {})

    # --- the stream -----------------------------------------------------------------------------------------------

    def _hello(self, catalog_version: str) -> bytes:
        return bytes(t.ModelServerMessage(hello=t.Hello(server_id=self.server_id, model_id=self.model_id,
                                                  model_fingerprint=self.model_fingerprint,
                                                  catalog_version=catalog_version,
                                                  legacy_fingerprint=self.legacy_fingerprint)).SerializeToString())

    def _run(self) -> None:
        delay = self.reconnect_delay
        while not self._stop.is_set():
            stream = _Stream()
            stream.send(self._hello(""))
            try:
                call = self.connection.raw_bidi(_STREAM, stream.requests(), t.DaemonMessage.FromString)
                for message in call:
                    self._dispatch(stream, message)
                reason = "the daemon ended the stream"
            except grpc.RpcError as e:
                reason = f"{e.code().name}: {e.details()}" if hasattr(e, "code") else str(e)
                if hasattr(e, "code") and e.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
                    self.last_error = reason
                    self._settled.set()  # a bad token: start() need not wait out connect_timeout
            except ValueError as e:  # the channel was closed under us
                reason = str(e)
            except Exception as e:  # never let the stream thread die: log, reconnect
                log.exception("NeuronGuard stream thread failed")
                reason = f"{type(e).__name__}: {e}"
            if stream.welcomed:
                delay = self.reconnect_delay
            self._disconnect(stream)
            if self._stop.is_set():
                break
            self.last_error = reason
            log.warning("NeuronGuard stream to %s broke (%s); reconnecting in %.1f s", self.connection.address, reason, delay)
            self._stop.wait(delay)
            delay = min(delay * 2, self.max_reconnect_delay)
            self._count("reconnects")

    def _disconnect(self, stream: _Stream) -> None:
        stream.broken = True
        stream.outbox.put(None)
        with self._lock:
            if self._stream is stream:
                self._stream = None
            lost = [r for r in self._requests.values() if r._conn is stream]
            for r in lost:
                del self._requests[r.id]
        for r in lost:
            r._lose("the Telemetry stream to the daemon broke")

    def _dispatch(self, stream: _Stream, m: Any) -> None:
        kind = m.WhichOneof("kind")
        if kind == "welcome":
            self._on_welcome(stream, m.welcome)
        elif kind == "policy_update":
            self._ack(stream, m.policy_update.policy)
        elif kind == "attenuate" and getattr(m.attenuate, "global"):
            if not m.attenuate.shadow:
                plan = self.plan
                gains = {g.slot: g.gain for g in m.attenuate.gains if g.slot < len(plan)}
                self._global = (self._global[0] + 1, plan, gains)
        elif kind == "error" and not m.error.request_id:
            self.last_error = f"daemon: {m.error.message} (code {m.error.code})"
            self._count("stream_errors")
            log.warning("NeuronGuard: %s", self.last_error)
        elif kind is not None:
            rid = getattr(m, kind).request_id
            req = self._requests.get(rid)
            if req is not None and req._conn is stream:
                req._deliver(m)
            elif kind == "mask_attention":
                # Nothing to mask: the request ended here already (or never ran on this stream). Said, not fatal.
                self._count("unknown_request_messages")
                log.warning("NeuronGuard: the daemon sent MaskAttention for request %r, which is not running on this "
                            "stream (ended already, or never started here); it was ignored", rid)

    def _on_welcome(self, stream: _Stream, welcome: Any) -> None:
        new_plan = _plan.SlotPlan.from_welcome(welcome)
        with self._lock:
            if not stream.welcomed:
                stream.welcomed = True
                self.plan, self._global, self._stream = new_plan, (0, None, {}), stream
                self._warned = False
            elif not self.plan.same_as(welcome):
                # A new catalog or baseline: running requests keep their plan; the re-Hello marks the boundary and
                # the lock makes every RequestStart after it use the new slots.
                stream.send(self._hello(welcome.catalog_version))
                self.plan, self._global = new_plan, (0, None, {})
        self._ack(stream, welcome.policy)
        self._welcomed.set()
        self._settled.set()
        log.info("NeuronGuard welcome: %d slots, catalog %s", len(new_plan), new_plan.catalog_version or "(none)")

    def _ack(self, stream: _Stream, policy: Any) -> None:
        self.policy = policy
        stream.send(t.ModelServerMessage(policy_ack=t.PolicyAck(version=policy.version)).SerializeToString())
