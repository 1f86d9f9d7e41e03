"""Starts ``python3 -m neuronguard.serve`` on the committed trained GPT-2 against a real daemon, on a free port."""
import json
import os
import socket
import subprocess
import sys
import time

import httpx

import daemon
import trained

PKG = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, address, *args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(daemon.ROOT, f"serve-{self.port}.log")
        env = dict(os.environ, PYTHONPATH=PKG)
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "neuronguard.serve", trained.DIR, "--daemon", address,
                                          "--port", str(self.port), "--threads", "1", *args],
                                         stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PKG)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"neuronguard.serve did not come up:\n{open(self.log).read()}")
            time.sleep(0.2)

    def health(self):
        return httpx.get(self.url + "/health", timeout=10).json()

    def post(self, path, body, **kw):
        return httpx.post(self.url + path, json=body, timeout=120, **kw)

    def stream(self, path, body, on_chunk=None, **kw):
        """SSE events of a streamed call: the decoded JSON payloads, then the literal "[DONE]"."""
        events = []
        with httpx.stream("POST", self.url + path, json=dict(body, stream=True), timeout=120, **kw) as r:
            assert r.status_code == 200, r.read()
            for line in (raw.strip() for raw in r.iter_lines()):
                if not line.startswith("data: "):
                    continue
                data = line[len("data: "):]
                events.append(data if data == "[DONE]" else json.loads(data))
                if on_chunk is not None and data != "[DONE]":
                    on_chunk(events[-1])
        return events

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
