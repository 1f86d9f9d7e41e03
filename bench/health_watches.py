#!/usr/bin/python3
"""Daemon RSS after many grpc.health.v1.Health/Watch calls opened and closed (issue 23 item 3).

Starts `neuronguard serve --model none` (embedded store, no metrics listener) and opens watches in batches of
64 connections x 16 watches (the per-connection cap; 1,024 = the total cap), reads one answer from each so it is
open on the server, then cancels the batch and closes its connections. Reports the daemon's VmRSS before, at the
highest batch, right after the last close and after a 10 s rest, and how many watches were refused.

Usage: /usr/bin/python3 bench/health_watches.py PATH/neuronguard.dll [TOTAL]
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

import grpc

WATCH = "/grpc.health.v1.Health/Watch"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    dll = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    port = free_port()
    data = tempfile.mkdtemp(prefix="ng-watch-bench-")
    proc = subprocess.Popen(["dotnet", dll, "serve", "--model", "none", "--listen", f"127.0.0.1:{port}",
                             "--data-dir", data, "--metrics-listen", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        target = f"127.0.0.1:{port}"
        deadline = time.time() + 300
        while True:
            try:
                with grpc.insecure_channel(target) as ch:
                    grpc.channel_ready_future(ch).result(timeout=5)
                break
            except grpc.FutureTimeoutError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("the daemon did not start")
        before = rss_mib(proc.pid)
        opened = refused = 0
        peak = before
        start = time.time()
        while opened + refused < total:
            channels = [grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)]) for _ in range(64)]
            calls = []
            for ch in channels:
                watch = ch.unary_stream(WATCH, request_serializer=lambda x: x, response_deserializer=lambda x: x)
                for _ in range(16):
                    if opened + refused >= total:
                        break
                    call = watch(b"")
                    try:
                        next(call)
                        opened += 1
                        calls.append(call)
                    except grpc.RpcError as e:
                        if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
                            raise
                        refused += 1
            peak = max(peak, rss_mib(proc.pid))
            for call in calls:
                call.cancel()
            for ch in channels:
                ch.close()
        seconds = time.time() - start
        after = rss_mib(proc.pid)
        time.sleep(10)
        rested = rss_mib(proc.pid)
        print(f"| watches opened and closed | refused (RESOURCE_EXHAUSTED) | RSS before MiB | RSS peak MiB | RSS after close MiB | RSS after 10 s MiB | seconds |")
        print(f"| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        print(f"| {opened:,} | {refused:,} | {before:.0f} | {peak:.0f} | {after:.0f} | {rested:.0f} | {seconds:.0f} |")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
