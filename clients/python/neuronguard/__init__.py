"""NeuronGuard client for PyTorch / Hugging Face model servers.

    client = neuronguard.Client("127.0.0.1:50051", model_fingerprint=neuronguard.fingerprint.from_folder(DIR)).start()
    guard = neuronguard.hooks.Guard(client, model)          # torch is imported only by neuronguard.hooks
    with client.request(tenant="acme") as req, guard.bind([req]):
        model(input_ids) …                                  # or guard.generate([req], input_ids=…, …)

See clients/python/README.md.
"""
from . import fingerprint, probes
from .channel import Connection, health_check
from .client import FAIL_CLOSED, FAIL_OPEN, Client
from .control import Control
from .errors import CatalogMismatch, DaemonUnavailable, NeuronGuardError, RequestAborted
from .onboarding import Onboarding, catalog_slots, make_catalog
from .plan import SlotPlan
from .request import Request

__all__ = ["CatalogMismatch", "Client", "Connection", "Control", "DaemonUnavailable", "FAIL_CLOSED", "FAIL_OPEN", "NeuronGuardError",
           "Onboarding", "Request", "RequestAborted", "SlotPlan", "catalog_slots", "fingerprint", "health_check",
           "make_catalog", "probes"]
from .version import __version__
