"""Exceptions the client raises."""


class NeuronGuardError(Exception):
    """Base class of the client's errors."""


class DaemonUnavailable(NeuronGuardError):
    """No Telemetry stream to the daemon (raised in fail_closed mode; fail_open serves unmonitored instead)."""


class RequestAborted(NeuronGuardError):
    """The daemon ended a request (mitigation mode abort). ``reason`` is the daemon's text."""

    def __init__(self, request_id, reason):
        super().__init__(f"request {request_id} was aborted by NeuronGuard: {reason}")
        self.request_id = request_id
        self.reason = reason
