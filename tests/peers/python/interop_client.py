#!/usr/bin/python3
"""Interop client cases (grpc doc/interop-test-descriptions.md) plus transport probes, with Debian's grpcio.

usage: /usr/bin/python3 interop_client.py --server_port=N [--test_case=CASE|all]
Message classes are generated at start with grpc_tools.protoc (Debian python3-grpc-tools) into a temp dir;
calls go through grpcio's generic channel.unary_unary/... so no service stubs are needed.
"""
import os
import sys
import tempfile
import threading
import time

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "..", "NeuronGuard.Interop", "protos")


# The generated package "grpc.testing" would shadow grpcio's "grpc" package: generate under a renamed root.
def load_messages_isolated():
    out = tempfile.mkdtemp(prefix="ng-pyproto-")
    rc = protoc.main(["protoc", f"-I{PROTOS}", f"--python_out={out}",
                      "grpc/testing/empty.proto", "grpc/testing/messages.proto", "neuronguard/testing/probe.proto"])
    if rc != 0:
        sys.exit(f"protoc failed with {rc}")
    import importlib.util

    def load(rel, name):
        spec = importlib.util.spec_from_file_location(name, os.path.join(out, rel))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        return mod

    # messages_pb2 imports nothing else; probe_pb2 imports nothing else.
    empty = load("grpc/testing/empty_pb2.py", "ng_empty_pb2")
    messages = load("grpc/testing/messages_pb2.py", "ng_messages_pb2")
    probe = load("neuronguard/testing/probe_pb2.py", "ng_probe_pb2")
    return empty, messages, probe


empty_pb2, messages_pb2, probe_pb2 = load_messages_isolated()
M = messages_pb2


def flags(argv):
    out = {}
    for a in argv:
        if a.startswith("--"):
            k, _, v = a[2:].partition("=")
            out[k] = v
    return out


ARGS = flags(sys.argv[1:])
ADDRESS = f"{ARGS.get('server_host', '127.0.0.1')}:{ARGS.get('server_port', '10000')}"
CHANNEL = grpc.insecure_channel(ADDRESS, options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])


def method(kind, path, req, resp):
    factory = getattr(CHANNEL, kind)
    return factory(path, request_serializer=req.SerializeToString, response_deserializer=resp.FromString)


T = "/grpc.testing.TestService/"
EmptyCall = method("unary_unary", T + "EmptyCall", empty_pb2.Empty, empty_pb2.Empty)
UnaryCall = method("unary_unary", T + "UnaryCall", M.SimpleRequest, M.SimpleResponse)
StreamingOutputCall = method("unary_stream", T + "StreamingOutputCall", M.StreamingOutputCallRequest, M.StreamingOutputCallResponse)
StreamingInputCall = method("stream_unary", T + "StreamingInputCall", M.StreamingInputCallRequest, M.StreamingInputCallResponse)
FullDuplexCall = method("stream_stream", T + "FullDuplexCall", M.StreamingOutputCallRequest, M.StreamingOutputCallResponse)
UnimplementedCall = method("unary_unary", T + "UnimplementedCall", empty_pb2.Empty, empty_pb2.Empty)
UnimplementedService = method("unary_unary", "/grpc.testing.UnimplementedService/UnimplementedCall", empty_pb2.Empty, empty_pb2.Empty)
P = "/neuronguard.testing.Probe/"
WaitForCancel = method("unary_unary", P + "WaitForCancel", probe_pb2.ProbeRequest, probe_pb2.ProbeResponse)
GetOutcome = method("unary_unary", P + "GetOutcome", probe_pb2.ProbeRequest, probe_pb2.ProbeResponse)
Throw = method("unary_unary", P + "Throw", probe_pb2.ProbeRequest, probe_pb2.ProbeResponse)
Echo = method("unary_unary", P + "Echo", probe_pb2.ProbeRequest, probe_pb2.ProbeResponse)


def payload(n):
    return M.Payload(body=b"\0" * n)


def expect_code(fn, code):
    try:
        fn()
    except grpc.RpcError as e:
        assert e.code() == code, f"expected {code}, got {e.code()}: {e.details()}"
        return e
    raise AssertionError(f"expected {code}, call succeeded")


def empty_unary():
    assert EmptyCall(empty_pb2.Empty()) == empty_pb2.Empty()


def large_unary():
    r = UnaryCall(M.SimpleRequest(response_size=314159, payload=payload(271828)))
    assert len(r.payload.body) == 314159


def client_streaming():
    r = StreamingInputCall(iter([M.StreamingInputCallRequest(payload=payload(n)) for n in (27182, 8, 1828, 45904)]))
    assert r.aggregated_payload_size == 74922, r.aggregated_payload_size


def server_streaming():
    sizes = [31415, 9, 2653, 58979]
    req = M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=s) for s in sizes])
    assert [len(r.payload.body) for r in StreamingOutputCall(req)] == sizes


def ping_pong():
    req_sizes, resp_sizes = [27182, 8, 1828, 45904], [31415, 9, 2653, 58979]
    import queue
    q = queue.Queue()
    it = FullDuplexCall(iter(q.get, None))
    for rq, rs in zip(req_sizes, resp_sizes):
        q.put(M.StreamingOutputCallRequest(payload=payload(rq), response_parameters=[M.ResponseParameters(size=rs)]))
        assert len(next(it).payload.body) == rs
    q.put(None)
    assert list(it) == []


def empty_stream():
    assert list(FullDuplexCall(iter([]))) == []


def timeout_on_sleeping_server():
    import queue
    q = queue.Queue()
    q.put(M.StreamingOutputCallRequest(payload=payload(27182)))
    expect_code(lambda: list(FullDuplexCall(iter(q.get, None), timeout=0.001)), grpc.StatusCode.DEADLINE_EXCEEDED)


def cancel_after_begin():
    import queue
    q = queue.Queue()
    fut = StreamingInputCall.future(iter(q.get, None))
    fut.cancel()
    assert fut.cancelled()


def cancel_after_first_response():
    import queue
    q = queue.Queue()
    it = FullDuplexCall(iter(q.get, None))
    q.put(M.StreamingOutputCallRequest(payload=payload(27182), response_parameters=[M.ResponseParameters(size=31415)]))
    next(it)
    it.cancel()
    expect_code(lambda: next(it), grpc.StatusCode.CANCELLED)


def custom_metadata():
    md = (("x-grpc-test-echo-initial", "test_initial_metadata_value"), ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab"))
    _, call = UnaryCall.with_call(M.SimpleRequest(response_size=314159, payload=payload(271828)), metadata=md)
    assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in call.initial_metadata()
    assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in call.trailing_metadata()
    it = FullDuplexCall(iter([M.StreamingOutputCallRequest(payload=payload(271828), response_parameters=[M.ResponseParameters(size=314159)])]), metadata=md)
    list(it)
    assert ("x-grpc-test-echo-initial", "test_initial_metadata_value") in it.initial_metadata()
    assert ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab") in it.trailing_metadata()


def status_code_and_message(msg="test status message", streaming=True):
    st = M.EchoStatus(code=2, message=msg)
    e = expect_code(lambda: UnaryCall(M.SimpleRequest(response_status=st)), grpc.StatusCode.UNKNOWN)
    assert e.details() == msg, repr(e.details())
    if streaming:
        e = expect_code(lambda: list(FullDuplexCall(iter([M.StreamingOutputCallRequest(response_status=st)]))), grpc.StatusCode.UNKNOWN)
        assert e.details() == msg


def special_status_message():
    status_code_and_message("\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n", streaming=False)


def unimplemented_method():
    expect_code(lambda: UnimplementedCall(empty_pb2.Empty()), grpc.StatusCode.UNIMPLEMENTED)


def unimplemented_service():
    expect_code(lambda: UnimplementedService(empty_pb2.Empty()), grpc.StatusCode.UNIMPLEMENTED)


def client_compressed_unary():
    req = lambda expect: M.SimpleRequest(expect_compressed=M.BoolValue(value=expect), response_size=314159, payload=payload(271828))
    expect_code(lambda: UnaryCall(req(True)), grpc.StatusCode.INVALID_ARGUMENT)
    assert len(UnaryCall(req(True), compression=grpc.Compression.Gzip).payload.body) == 314159
    assert len(UnaryCall(req(False)).payload.body) == 314159


def client_compressed_streaming():
    reqs = [M.StreamingInputCallRequest(expect_compressed=M.BoolValue(value=True), payload=payload(27182)),
            M.StreamingInputCallRequest(expect_compressed=M.BoolValue(value=True), payload=payload(45904))]
    r = StreamingInputCall(iter(reqs), compression=grpc.Compression.Gzip)
    assert r.aggregated_payload_size == 73086


def server_compressed_unary():
    for v in (True, False):
        r = UnaryCall(M.SimpleRequest(response_compressed=M.BoolValue(value=v), response_size=314159, payload=payload(271828)))
        assert len(r.payload.body) == 314159


def server_compressed_streaming():
    req = M.StreamingOutputCallRequest(response_parameters=[
        M.ResponseParameters(compressed=M.BoolValue(value=True), size=31415),
        M.ResponseParameters(compressed=M.BoolValue(value=False), size=92653)])
    assert [len(r.payload.body) for r in StreamingOutputCall(req)] == [31415, 92653]


def _outcome(key):
    for _ in range(50):
        r = GetOutcome(probe_pb2.ProbeRequest(key=key))
        if r.outcome == "cancelled":
            return r
        time.sleep(0.02)
    return r


def probe_deadline_cancels_handler():
    key = f"py-deadline-{os.getpid()}"
    expect_code(lambda: WaitForCancel(probe_pb2.ProbeRequest(key=key), timeout=0.3), grpc.StatusCode.DEADLINE_EXCEEDED)
    r = _outcome(key)
    assert r.outcome == "cancelled" and r.deadline_passed, r


def probe_cancel_reaches_handler():
    key = f"py-cancel-{os.getpid()}"
    fut = WaitForCancel.future(probe_pb2.ProbeRequest(key=key))
    threading.Timer(0.3, fut.cancel).start()
    try:
        fut.result()
    except grpc.FutureCancelledError:
        pass
    r = _outcome(key)
    assert r.outcome == "cancelled" and not r.deadline_passed, r


def probe_internal_hides_exception():
    # grpc-dotnet answers a handler's exception with UNKNOWN and a generic message.
    e = expect_code(lambda: Throw(probe_pb2.ProbeRequest()), grpc.StatusCode.UNKNOWN)
    assert "secret" not in e.details(), e.details()


def probe_oversized_message():
    e = expect_code(lambda: Echo(probe_pb2.ProbeRequest(payload=b"\0" * (5 * 1024 * 1024))), grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert "exceeds the maximum" in e.details(), e.details()
    assert Echo(probe_pb2.ProbeRequest(payload=b"still works")).payload == b"still works"


def probe_metadata_echo():
    md = (("x-note-echo", "ascii value"), ("x-blob-echo-bin", b"\x00\x01\x02\xff"))
    _, call = Echo.with_call(probe_pb2.ProbeRequest(payload=b"x"), metadata=md)
    assert ("x-note-echo", "ascii value") in call.initial_metadata(), call.initial_metadata()
    assert ("x-blob-echo-bin", b"\x00\x01\x02\xff") in call.trailing_metadata(), call.trailing_metadata()


CASES = [empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream, timeout_on_sleeping_server,
         cancel_after_begin, cancel_after_first_response, custom_metadata, status_code_and_message, special_status_message,
         unimplemented_method, unimplemented_service, client_compressed_unary, client_compressed_streaming,
         server_compressed_unary, server_compressed_streaming, probe_deadline_cancels_handler, probe_cancel_reaches_handler,
         probe_internal_hides_exception, probe_oversized_message, probe_metadata_echo]


def main():
    wanted = ARGS.get("test_case", "all")
    names = [c.__name__ for c in CASES] if wanted in ("", "all") else wanted.split(",")
    table = {c.__name__: c for c in CASES}
    failed = 0
    for name in names:
        try:
            table[name]()
            print(f"PASS {name}", flush=True)
        except Exception as e:  # noqa: BLE001 — report every failure and go on
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
