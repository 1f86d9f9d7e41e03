#!/usr/bin/python3
"""A bounded, seeded protobuf fuzz of a daemon's Telemetry and Control services, from Debian's grpcio.

usage: /usr/bin/python3 fuzz.py ADDRESS FINGERPRINT SLOTS SEED COUNT [METRICS_ADDRESS]

While a healthy model-server stream stays open, sends COUNT Telemetry messages over a series of streams and COUNT
Control calls: random and mutated valid messages (bit flips, truncation, splices, random bytes, NaN and huge values,
long ids). Each call may fail with any status: what must hold is that the daemon stays up. At the end it checks that
Health still answers SERVING, the healthy stream still gets a final verdict, and a fresh stream is welcomed, then
prints one JSON summary line and exits 0; any of those failing exits 1.

Also, on the same channel as the healthy stream: Control calls with garbage or missing credentials, calls with
metadata from 1 KiB to 100 KiB (over the 32 KiB limit must fail that call only), more Health/Watch calls than one
connection may hold (the extra ones RESOURCE_EXHAUSTED); and with METRICS_ADDRESS, HTTP/1.1 garbage to the metrics
port, after which GET /metrics must still answer 200.
"""
import faulthandler
import json
import math
import os
import queue
import random
import socket
import sys
import tempfile
import urllib.request

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "..", "..", "protos")
CONTROL_METHODS = ["GetPolicy", "SetMitigation", "ListFlagged", "GetAudit"]


def load_messages():
    out = tempfile.mkdtemp(prefix="ng-pyfuzz-")
    # control.proto carries google.api.http options: compile google/api's protos too (Debian's
    # golang-github-gogo-googleapis-dev ships them; test.sh installs it) so its generated module imports.
    import grpc_tools
    googleapis = os.environ.get("NEURONGUARD_GOOGLEAPIS_PROTOS") or "/usr/share/gocode/src/github.com/gogo/googleapis"
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    rc = protoc.main(["protoc", f"-I{PROTOS}", f"-I{googleapis}", f"-I{well_known}", f"--python_out={out}",
                      "google/api/http.proto", "google/api/annotations.proto", "neuronguard/v1/common.proto",
                      "neuronguard/v1/telemetry.proto", "neuronguard/v1/control.proto"])
    if rc != 0:
        sys.exit(f"protoc failed with {rc}")
    sys.path.insert(0, out)
    from neuronguard.v1 import control_pb2, telemetry_pb2
    return telemetry_pb2, control_pb2


def mutate(rng, data):
    """One of: bit flips, truncation, a spliced random run, or plain random bytes."""
    data = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0 and data:
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1 and data:
        data = data[:rng.randrange(len(data))]
    elif kind == 2:
        at = rng.randrange(len(data) + 1)
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    else:
        data = bytearray(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    return bytes(data)


def random_id(rng):
    return rng.choice(["r1", "r2", "", "x" * rng.randint(200, 400), "\u00e9\u4e2d", str(rng.random())])


def telemetry_message(rng, t, fingerprint, slots):
    """A structurally valid ModelServerMessage with adversarial field values."""
    kind = rng.randrange(6)
    if kind == 0:
        return t.ModelServerMessage(hello=t.Hello(server_id=random_id(rng), model_id="fuzz",
                                                  model_fingerprint=rng.choice([fingerprint, "feedface", ""]),
                                                  catalog_version=rng.choice(["", "fixture-1", "nope"])))
    if kind == 1:
        start = t.RequestStart(request_id=random_id(rng), tenant=rng.choice(["", "t1", "x" * 300]))
        for i in range(rng.randint(0, 40)):
            start.labels[f"k{i}"] = "v" * rng.randint(0, 300)
        return t.ModelServerMessage(request_start=start)
    if kind == 2:
        steps = rng.choice([0, 1, 2, 5, 1 << 20])
        n = rng.choice([steps * slots, slots, 0, rng.randint(0, 3 * slots)]) if steps < 1 << 20 else slots
        special = [math.nan, math.inf, -math.inf, 1e38, -1e38, 0.0]
        values = [rng.choice(special) if rng.random() < 0.05 else rng.gauss(0, 3) for _ in range(min(n, 4096))]
        return t.ModelServerMessage(activations=t.Activations(request_id=random_id(rng), first_step=rng.choice([0, 1, 7, 2**31]),
                                                              steps=steps, values=values))
    if kind == 3:
        return t.ModelServerMessage(request_end=t.RequestEnd(request_id=random_id(rng)))
    if kind == 4:
        return t.ModelServerMessage(policy_ack=t.PolicyAck(version=rng.choice([0, 1, 2**63])))
    return t.ModelServerMessage()


def control_request(rng, c, method):
    if method == "SetMitigation":
        return c.SetMitigationRequest(set=rng.choice(["toxicity", "backdoor", "", "a/b", "fuzz-set"]),
                                      mode=rng.randrange(0, 8), strength=rng.choice([0.0, 0.5, 1.0, 2.0, math.nan, -1.0]),
                                      ttl_seconds=rng.choice([0, 1, 2**32 - 1]), reason="r" * rng.choice([0, 10, 5000]),
                                      expected_version=rng.choice([0, 1, 2**63]))
    if method == "ListFlagged":
        return c.ListFlaggedRequest(limit=rng.choice([0, 1, 2**32 - 1]), tenant=random_id(rng))
    if method == "GetAudit":
        return c.GetAuditRequest(offset=rng.choice([0, 5, 2**31, 2**32 - 1]), limit=rng.choice([0, 10, 2**32 - 1]))
    return c.GetPolicyRequest()


class Stream:
    """A bidi Telemetry stream fed from a queue; raw=True sends pre-serialised bytes."""

    def __init__(self, channel, t, raw=False):
        self.outbox = queue.Queue()
        call = channel.stream_stream("/neuronguard.v1.Telemetry/Stream",
                                     request_serializer=(lambda b: b) if raw else (lambda m: m.SerializeToString()),
                                     response_deserializer=t.DaemonMessage.FromString)
        self.answers = call(self._requests(), timeout=60)

    def _requests(self):
        while True:
            m = self.outbox.get()
            if m is None:
                return
            yield m

    def send(self, m):
        self.outbox.put(m)

    def close(self):
        self.outbox.put(None)


def healthy_request(stream, t, rid, slots):
    stream.send(t.ModelServerMessage(request_start=t.RequestStart(request_id=rid)))
    stream.send(t.ModelServerMessage(activations=t.Activations(request_id=rid, first_step=0, steps=1, values=[0.0] * slots)))
    stream.send(t.ModelServerMessage(request_end=t.RequestEnd(request_id=rid)))
    for m in stream.answers:
        if m.HasField("verdict") and m.verdict.request_id == rid and m.verdict.final:
            return True
    return False


def welcome(stream, t, fingerprint, server_id):
    stream.send(t.ModelServerMessage(hello=t.Hello(server_id=server_id, model_id="fuzz", model_fingerprint=fingerprint)))
    for m in stream.answers:
        if m.HasField("welcome"):
            return m.welcome
    return None


def garbage_credentials(rng):
    return rng.choice([[], [("authorization", "")], [("authorization", "Bearer " + "x" * rng.randint(1, 2000))],
                       [("authorization", "Basic Zm9vOmJhcg==")], [("authorization", "bearer  bad token")],
                       [("authorization", "Bearer a"), ("authorization", "Bearer b")]])


def metadata_sizes(channel, channel_target, count_code):
    """Calls whose metadata is 1 KiB .. 100 KiB; each may fail, none may take the connection down."""
    check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    # Up to twice the 32 KiB limit an oversized call is refused alone (HTTP 431); a header block past that ends the
    # connection (Kestrel's CONTINUATION-flood defence, docs/auth.md), so the 100 KiB call goes on a channel of its own.
    for size in (1 << 10, 16 << 10, 31 << 10, 33 << 10, 60 << 10):
        try:
            check(b"", timeout=30, metadata=[("x-pad", "p" * size)])
            count_code("metadata", grpc.StatusCode.OK)
        except grpc.RpcError as e:
            count_code("metadata", e.code())
    with grpc.insecure_channel(channel_target) as own:
        try:
            own.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b)(
                b"", timeout=30, metadata=[("x-pad", "p" * (100 << 10))])
            count_code("metadata", grpc.StatusCode.OK)
        except grpc.RpcError as e:
            count_code("metadata", e.code())


def health_watches(channel, count_code, n=20):
    """More watches on one connection than it may hold: the extra ones must be refused, the rest served."""
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    calls = []
    for _ in range(n):
        call = watch(b"")
        try:
            next(call)
            count_code("watch", grpc.StatusCode.OK)
            calls.append(call)
        except grpc.RpcError as e:
            count_code("watch", e.code())
    for call in calls:
        call.cancel()


def metrics_garbage(rng, metrics):
    """HTTP/1.1 garbage to the metrics port, then GET /metrics must still answer 200."""
    host, port = metrics.rsplit(":", 1)
    junk = [b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 70000 + b"\r\n\r\n", b"\x16\x03\x01\x00\xa5\x01", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"GET /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"POST /readyz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"\r\n\r\n\r\n", b"GET /" + b"%" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"]
    for _ in range(40):
        payload = rng.choice(junk) if rng.random() < 0.6 else bytes(rng.randrange(256) for _ in range(rng.randint(1, 512)))
        try:
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(payload)
                sock.settimeout(2)
                try:
                    sock.recv(4096)
                except OSError:
                    pass
        except OSError:
            pass
    with urllib.request.urlopen(f"http://{metrics}/metrics", timeout=30) as response:
        return response.status == 200


def main():
    address, fingerprint, slots, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    metrics = sys.argv[6] if len(sys.argv) > 6 else None
    # A hang must say where it is: dump every thread's stack and exit well before the test's own limit.
    faulthandler.dump_traceback_later(200, exit=True)
    rng = random.Random(seed)
    t, c = load_messages()
    channel = grpc.insecure_channel(address, options=[("grpc.max_send_message_length", 64 << 20)])
    healthy = Stream(channel, t)
    assert welcome(healthy, t, fingerprint, "fuzz-healthy") is not None, "no Welcome before fuzzing"

    codes = {}

    def count_code(code, raw):
        # Undecodable bytes may end a call with any status (grpc-dotnet answers UNKNOWN for a message it cannot parse);
        # a structurally valid message must get a precise status from the daemon itself, so the two are kept apart.
        key = ("raw:" if raw else "typed:") + code.name
        codes[key] = codes.get(key, 0) + 1

    valid = [telemetry_message(rng, t, fingerprint, slots).SerializeToString() for _ in range(64)]
    sent = 0
    while sent < count:
        raw = rng.random() < 0.5
        s = Stream(channel, t, raw=raw)
        batch = rng.randint(5, 60)
        for _ in range(batch):
            if raw:
                s.send(mutate(rng, rng.choice(valid)))
            else:
                s.send(telemetry_message(rng, t, fingerprint, slots))
        sent += batch
        s.close()
        try:
            for _ in s.answers:
                pass
            count_code(grpc.StatusCode.OK, raw)
        except grpc.RpcError as e:
            count_code(e.code(), raw)

    for i in range(count):
        method = rng.choice(CONTROL_METHODS)
        request = control_request(rng, c, method).SerializeToString()
        raw = rng.random() < 0.5
        if raw:
            request = mutate(rng, request)
        call = channel.unary_unary(f"/neuronguard.v1.Control/{method}", request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)
        try:
            call(request, timeout=30, metadata=garbage_credentials(rng))
            count_code(grpc.StatusCode.OK, raw)
        except grpc.RpcError as e:
            count_code(e.code(), raw)
        except ValueError:
            pass  # grpcio refused the metadata itself; nothing was sent

    def count_phase(phase, code):
        key = f"{phase}:{code.name}"
        codes[key] = codes.get(key, 0) + 1

    metadata_sizes(channel, address, count_phase)
    health_watches(channel, count_phase)
    metrics_ok = metrics_garbage(rng, metrics) if metrics else None

    check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b)
    serving = check(b"", timeout=30) == b"\x08\x01"
    finished = healthy_request(healthy, t, "after-fuzz", slots)
    healthy.close()
    fresh = Stream(channel, t)
    welcomed = welcome(fresh, t, fingerprint, "fuzz-fresh") is not None and healthy_request(fresh, t, "fresh", slots)
    fresh.close()
    print(json.dumps({"telemetry_messages": sent, "control_calls": count, "codes": codes, "serving": serving,
                      "healthy_stream_finished": finished, "fresh_stream_served": welcomed, "metrics_ok": metrics_ok}), flush=True)
    # os._exit, not sys.exit: at interpreter shutdown grpcio 1.51 can deadlock in a call's __del__ while the streams'
    # request generators are still parked (seen here: the summary printed, then the process hung). Everything is said.
    sys.stdout.flush()
    os._exit(0 if serving and finished and welcomed and metrics_ok is not False else 1)


if __name__ == "__main__":
    main()
