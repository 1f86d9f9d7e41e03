"""Exceptions the client raises."""


class NeuronGuardError(Exception):
    """Base class of the client's errors."""


class DaemonUnavailable(NeuronGuardError):
    """No Telemetry stream to the daemon (raised in fail_closed mode; fail_open serves unmonitored instead)."""


class RequestAborted(NeuronGuardError):
    """The daemon ended a request (mitigation mode abort). ``reason`` is the daemon's text."""

    def __init__(self, request_id: str, reason: str) -> None:
        super().__init__(f"request {request_id} was aborted by NeuronGuard: {reason}")
        self.request_id = request_id
        self.reason = reason


class CatalogMismatch(NeuronGuardError, ValueError):
    """The daemon's catalog names neurons this model does not have (or hooks the model bypasses). fail_closed raises
    it; fail_open runs the request unmonitored and records the reason in ``Request.errors``."""
