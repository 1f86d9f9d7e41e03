"""Operator calls from Python: mitigation policy (Control) — what `neuronguard ctl policy` does."""
from __future__ import annotations

from typing import Any

from .channel import Connection
from .v1 import common_pb2 as c
from .v1 import control_pb2 as ctl

_SVC = "/neuronguard.v1.Control/"
MODES = {"off": c.MITIGATION_MODE_OFF, "shadow": c.MITIGATION_MODE_SHADOW, "on_flag": c.MITIGATION_MODE_ON_FLAG,
         "always": c.MITIGATION_MODE_ALWAYS, "abort": c.MITIGATION_MODE_ABORT,
         "mask_attention": c.MITIGATION_MODE_MASK_ATTENTION}
PRESETS = {"": c.GAIN_PRESET_UNSPECIFIED, "aura": c.GAIN_PRESET_AURA, "det0": c.GAIN_PRESET_DET0,
           "damp": c.GAIN_PRESET_DAMP}


class Control:
    """``Control`` on a :class:`neuronguard.channel.Connection` (needs an operator token to change the policy)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def set_mitigation(self, set_name: str, mode: str, strength: float = 1.0, preset: str = "", top_k: int = 0,
                       tenant: str = "", ttl_seconds: int = 0, expected_version: int = 0, reason: str = "") -> Any:
        """Sets one neuron set's mitigation; returns the new Policy.

        ``preset`` "" or "aura" with ``strength`` 1 and ``top_k`` 0 (the defaults) is AurA as the paper has it: every
        catalogued neuron of the set with AUROC > 0.5 dampened by 1 - 2 * (AUROC - 0.5), the rest untouched. For aura,
        ``top_k`` > 0 dampens only the k neurons of highest AUROC and ``strength`` < 1 moves every gain toward 1
        (options beyond the paper). "det0" ablates the top ``top_k`` neurons (>= 1); "damp" multiplies every neuron of
        the set by 1 - strength. The paper's method needs the discovery's full AUROC list in the catalog set.
        """
        req = ctl.SetMitigationRequest(set=set_name, mode=MODES[mode], strength=strength, preset=PRESETS[preset],
                                       top_k=top_k, tenant=tenant, ttl_seconds=ttl_seconds,
                                       expected_version=expected_version, reason=reason)
        return self.connection.unary(_SVC + "SetMitigation", req, ctl.SetMitigationResponse).policy

    def get_policy(self) -> Any:
        """``GetPolicyResponse``: the policy and each connected server's acknowledged version."""
        return self.connection.unary(_SVC + "GetPolicy", ctl.GetPolicyRequest(), ctl.GetPolicyResponse)

    def list_flagged(self, limit: int = 100, tenant: str = "") -> Any:
        return self.connection.unary(_SVC + "ListFlagged", ctl.ListFlaggedRequest(limit=limit, tenant=tenant),
                                     ctl.ListFlaggedResponse).requests
