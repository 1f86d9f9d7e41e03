"""Starts real `neuronguard serve` processes for the tests: free ports, their own data dirs, killed at exit.

The fixture's catalog and baseline are bootstrapped once per test run into a template data dir (about 10 s of
calibration) and copied for every later daemon, so each further start takes only process start-up.
"""
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DLL = os.path.join(REPO, "src", "NeuronGuard.Cli", "bin", "Release", "net10.0", "neuronguard.dll")
ROOT = tempfile.mkdtemp(prefix="ng-pyclient-")
_LISTEN = re.compile(r"listening for gRPC on https?://([0-9.]+:\d+)")
_FP = re.compile(r"fingerprint ([0-9a-f]{64})")
_live = []
_template = None
_shared = None


def ensure_built():
    if not os.path.exists(DLL):
        subprocess.run(["dotnet", "build", os.path.join(REPO, "src", "NeuronGuard.Cli"), "-c", "Release", "--nologo",
                        "-v", "q"], check=True)


def cli(*args, timeout=300):
    """Runs the neuronguard CLI and returns stdout (building it once when missing)."""
    ensure_built()
    return subprocess.run(["dotnet", DLL, *args], check=True, capture_output=True, text=True, timeout=timeout).stdout


class Daemon:
    """One `neuronguard serve` process. ``address`` is host:port; ``fingerprint`` the built-in host's model."""

    def __init__(self, name, model=None, config=None, copy_from=None, port=0):
        self.dir = os.path.join(ROOT, name)
        if copy_from and not os.path.exists(self.dir):
            shutil.copytree(copy_from, self.dir)
        os.makedirs(self.dir, exist_ok=True)
        self.model, self.config, self.port = model, config, port
        self.proc = None
        self.address = None
        self.fingerprint = None
        self.start()

    def start(self, timeout=180):
        cli_args = ["serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.dir, "--metrics-listen", "127.0.0.1:0"]
        if self.model:
            cli_args += ["--model", self.model]
        if self.config is not None:
            path = os.path.join(self.dir, "config.json")
            with open(path, "w") as f:
                json.dump({"NeuronGuard": self.config}, f)
            cli_args += ["--config", path]
        ensure_built()
        self.log = os.path.join(self.dir, f"serve-{int(time.time() * 1000)}.log")
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(["dotnet", DLL, *cli_args], stdout=out, stderr=subprocess.STDOUT)
        _live.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log) as f:
                text = f.read()
            m = _LISTEN.search(text)
            if m:
                self.address = m.group(1)
                self.port = int(self.address.rsplit(":", 1)[1])
                fp = _FP.search(text)
                self.fingerprint = fp.group(1) if fp else None
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"neuronguard serve exited {self.proc.returncode}:\n{text}")
            time.sleep(0.2)
        raise RuntimeError(f"neuronguard serve did not listen within {timeout} s:\n{open(self.log).read()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        """Stops and starts again on the same port and data dir (a daemon restart as operators do it)."""
        self.stop()
        return self.start()


def template():
    """A data dir holding the bootstrapped fixture (model, catalog, baseline); made once per run."""
    global _template
    if _template is None:
        d = Daemon("template")
        d.stop()
        _template = d.dir
    return _template


def shared():
    """The daemon most tests share. Tests keep to their own tenants so their policies do not meet."""
    global _shared
    if _shared is None:
        _shared = Daemon("shared", copy_from=template())
    return _shared


def fresh(name, **kwargs):
    """A daemon of its own, starting from the bootstrapped template."""
    return Daemon(name, copy_from=template(), **kwargs)


def fixture_dir():
    return os.path.join(template(), "fixture")


def fixture_truth():
    with open(os.path.join(fixture_dir(), "fixture.json")) as f:
        return json.load(f)


@atexit.register
def _cleanup():
    for d in _live:
        d.stop()
    shutil.rmtree(ROOT, ignore_errors=True)
