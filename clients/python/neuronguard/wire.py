"""Hand-encoded ModelServerMessage{activations} frames: the per-step hot path skips building protobuf objects.

Layout (protos/neuronguard/v1/telemetry.proto): ModelServerMessage field 3 (Activations, length-delimited) holding
request_id (1, string), first_step (2, varint), steps (3, varint) and values (4, packed float32 little-endian).
tests/test_wire.py checks the bytes against the protobuf runtime's own encoding.
"""
from __future__ import annotations

import array
import sys
from typing import Any

from .channel import _varint

_LITTLE = sys.byteorder == "little"


def float32_bytes(values: Any) -> bytes:
    """Little-endian float32 bytes of a sequence of numbers (lists, array('f'), numpy float32 arrays)."""
    if hasattr(values, "dtype") and hasattr(values, "tobytes"):
        return bytes(values.astype("<f4", copy=False).tobytes())
    a = array.array("f", values)
    if not _LITTLE:
        a.byteswap()
    return a.tobytes()


def activations_frame(request_id_utf8: bytes, first_step: int, steps: int, raw: bytes) -> bytes:
    """One ModelServerMessage carrying Activations; ``raw`` is steps × slots little-endian float32 bytes."""
    body = bytearray()
    if request_id_utf8:
        body += b"\x0a" + _varint(len(request_id_utf8)) + request_id_utf8
    if first_step:
        body += b"\x10" + _varint(first_step)
    if steps:
        body += b"\x18" + _varint(steps)
    if raw:
        body += b"\x22" + _varint(len(raw)) + raw
    return b"\x1a" + _varint(len(body)) + bytes(body)
