#!/usr/bin/python3
"""A model server on Debian's grpcio that sends raw bytes on neuronguard.v1.Telemetry/Stream: well-framed messages that
do not decode, between healthy requests.

usage: /usr/bin/python3 undecodable_peer.py ADDRESS FINGERPRINT
Stream 1: Hello, two requests ("a", "b") with a frame each, then three undecodable messages (a RequestStart "bad-utf8"
with invalid UTF-8 in a label value, an Activations for "a" with an invalid wire type, a truncated RequestEnd for
"b"), then more frames and the ends of "a" and "b". Stream 2 sends only garbage until the daemon ends it.
Prints one JSON line per daemon answer it cares about.
"""
import json
import math
import os
import queue
import sys
import tempfile

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "..", "..", "protos")


def load_messages():
    out = tempfile.mkdtemp(prefix="ng-pyproto-")
    rc = protoc.main(["protoc", f"-I{PROTOS}", f"--python_out={out}",
                      "neuronguard/v1/common.proto", "neuronguard/v1/telemetry.proto"])
    if rc != 0:
        sys.exit(f"protoc failed with {rc}")
    sys.path.insert(0, out)
    from neuronguard.v1 import telemetry_pb2
    return telemetry_pb2


def ld(field, payload):
    """One length-delimited field (tag, varint length, bytes); lengths here stay under 128."""
    assert len(payload) < 128
    return bytes([(field << 3) | 2, len(payload)]) + payload


def open_stream(channel, t):
    outbox = queue.Queue()

    def requests():
        while True:
            m = outbox.get()
            if m is None:
                return
            yield m if isinstance(m, bytes) else m.SerializeToString()

    stream = channel.stream_stream("/neuronguard.v1.Telemetry/Stream",
                                   request_serializer=lambda b: b,
                                   response_deserializer=t.DaemonMessage.FromString)
    return outbox, stream(requests())


def main():
    address, fingerprint = sys.argv[1], sys.argv[2]
    t = load_messages()
    channel = grpc.insecure_channel(address)
    outbox, answers = open_stream(channel, t)
    outbox.put(t.ModelServerMessage(hello=t.Hello(server_id="undecodable-peer", model_id="py", model_fingerprint=fingerprint)))
    slots = len(next(answers).welcome.slots)

    def frame(rid, step):
        values = [0.05 * math.sin(1.7 * step + i) for i in range(slots)]
        return t.ModelServerMessage(activations=t.Activations(request_id=rid, first_step=step, steps=1, values=values))

    def report(m):
        kind = m.WhichOneof("kind")
        if kind == "verdict":
            print(json.dumps({"verdict": m.verdict.request_id, "step": m.verdict.step, "final": m.verdict.final}), flush=True)
        elif kind == "error":
            print(json.dumps({"error": m.error.request_id, "code": m.error.code, "message": m.error.message}), flush=True)

    def until(pred):
        for m in answers:
            report(m)
            if pred(m):
                return m
        sys.exit("stream 1 ended early")

    for rid in ("a", "b"):
        outbox.put(t.ModelServerMessage(request_start=t.RequestStart(request_id=rid)))
        outbox.put(frame(rid, 0))
        until(lambda m, rid=rid: m.WhichOneof("kind") == "verdict" and m.verdict.request_id == rid)

    # RequestStart{request_id "bad-utf8", labels {"k": b"\xff\xfe"}}: the label value is not UTF-8.
    outbox.put(ld(2, ld(1, b"bad-utf8") + ld(3, ld(1, b"k") + ld(2, b"\xff\xfe"))))
    until(lambda m: m.WhichOneof("kind") == "error")
    # Activations{request_id "a", then a tag with wire type 7, which does not exist}.
    outbox.put(ld(3, ld(1, b"a") + bytes([(2 << 3) | 7, 1])))
    until(lambda m: m.WhichOneof("kind") == "error")
    # RequestEnd whose request_id says 8 bytes but the message holds 1: a truncated field inside a whole gRPC frame.
    outbox.put(ld(4, bytes([0x0A, 0x08]) + b"b"))
    until(lambda m: m.WhichOneof("kind") == "error")

    for rid in ("a", "b"):
        outbox.put(frame(rid, 1))
        until(lambda m, rid=rid: m.WhichOneof("kind") in ("verdict", "error") and (m.verdict.request_id == rid or m.error.request_id == rid))
        outbox.put(t.ModelServerMessage(request_end=t.RequestEnd(request_id=rid)))
        until(lambda m, rid=rid: m.WhichOneof("kind") == "verdict" and m.verdict.request_id == rid and m.verdict.final)
    outbox.put(None)

    # Stream 2: nothing but garbage (a tag whose varint never ends) until the daemon ends the stream.
    garbage, answers2 = open_stream(channel, t)
    for _ in range(200):
        garbage.put(b"\xff\xff\xff")
    errors = 0
    status = None
    try:
        for m in answers2:
            if m.WhichOneof("kind") == "error":
                errors += 1
    except grpc.RpcError as e:
        status = e.code().value[0]
        detail = e.details()
    garbage.put(None)
    print(json.dumps({"garbage_errors": errors, "garbage_status": status, "garbage_detail": detail if status else ""}), flush=True)
    channel.close()
    os._exit(0)  # grpcio can deadlock in a call's __del__ at interpreter shutdown (as fuzz.py notes)


if __name__ == "__main__":
    main()
