#!/usr/bin/python3
"""A model server written with Debian's grpcio, speaking neuronguard.v1.Telemetry/Stream to a daemon.

usage: /usr/bin/python3 model_server.py ADDRESS FINGERPRINT TRIGGER_SLOT
Says Hello, waits for Welcome, then runs three requests on one stream and prints one JSON line per daemon answer it
cares about: a clean request, a request with a NaN value (a per-request error; the stream must stay open), and a
request whose TRIGGER_SLOT neuron jumps (a flagged verdict). Requests run under tenant "py"; an Abort (the daemon's
default for backdoor sets, unless the tenant's entry says otherwise) stops a request's frames and ends it. Frames are zeros with a small wobble, packed in the
Welcome's slot order. Messages come from grpc_tools.protoc at start; calls use grpcio's generic stream_stream.
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


def main():
    address, fingerprint, trigger = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t = load_messages()
    outbox = queue.Queue()

    def requests():
        while True:
            m = outbox.get()
            if m is None:
                return
            yield m

    channel = grpc.insecure_channel(address)
    stream = channel.stream_stream("/neuronguard.v1.Telemetry/Stream",
                                   request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=t.DaemonMessage.FromString)
    answers = stream(requests())
    outbox.put(t.ModelServerMessage(hello=t.Hello(server_id="grpcio-model-server", model_id="py", model_fingerprint=fingerprint)))
    welcome = next(answers).welcome
    slots = len(welcome.slots)
    print(json.dumps({"welcome": {"slots": slots, "catalog": welcome.catalog_version}}), flush=True)

    def frame(step, jump=False, nan=False):
        values = [0.05 * math.sin(1.7 * step + i) for i in range(slots)]
        if jump and step >= 1:
            values[trigger] = 60.0
        if nan:
            values[0] = float("nan")
        return values

    def wait_for(pred):
        for m in answers:
            if pred(m):
                return m
        sys.exit("the stream ended early")

    def run(rid, steps, jump=False, nan_at=None):
        outbox.put(t.ModelServerMessage(request_start=t.RequestStart(request_id=rid, tenant="py")))
        for s in range(steps):
            outbox.put(t.ModelServerMessage(activations=t.Activations(
                request_id=rid, first_step=s, steps=1, values=frame(s, jump, nan=(s == nan_at)))))
            m = wait_for(lambda m: (m.HasField("verdict") and m.verdict.request_id == rid and m.verdict.step == s)
                         or (m.HasField("error") and m.error.request_id == rid)
                         or (m.HasField("abort") and m.abort.request_id == rid))
            if m.HasField("abort"):
                print(json.dumps({"request": rid, "aborted_at": s, "reason": m.abort.reason}), flush=True)
                break
            if m.HasField("error"):
                print(json.dumps({"request": rid, "error": m.error.code, "message": m.error.message}), flush=True)
                outbox.put(t.ModelServerMessage(activations=t.Activations(
                    request_id=rid, first_step=s, steps=1, values=frame(s))))  # resend a good frame for the same step
                wait_for(lambda m: m.HasField("verdict") and m.verdict.request_id == rid and m.verdict.step == s)
        outbox.put(t.ModelServerMessage(request_end=t.RequestEnd(request_id=rid)))
        final = wait_for(lambda m: m.HasField("verdict") and m.verdict.request_id == rid and m.verdict.final).verdict
        flagged = sorted(int(s.detector) for s in final.scores if s.flagged)  # Detector enum numbers
        print(json.dumps({"request": rid, "final_step": final.step, "flagged": final.flagged, "detectors": flagged,
                          "top": sorted({n.set for n in final.top_neurons})}), flush=True)

    run("clean", 6)
    run("nan", 6, nan_at=2)
    run("jump", 6, jump=True)
    outbox.put(None)
    channel.close()


if __name__ == "__main__":
    main()
