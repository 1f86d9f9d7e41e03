"""Daemon down at start (fail_open serves unmonitored and connects when it comes up; fail_closed raises), a daemon
restart in the middle of a generation (no crash, reconnect), and bearer-token auth."""
import hashlib
import os
import socket
import subprocess
import time
import unittest

import support  # first: puts the package on sys.path
import daemon
import grpc
import neuronguard
from neuronguard import DaemonUnavailable

MAX_NEW = 6


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plain(prompt):
    model = support.fixture()[0]
    from neuronguard.loop import greedy_generate

    class _Off:
        lockstep = False
    guard = neuronguard.hooks.Guard(_Off(), model)
    try:
        input_ids, mask = support.left_pad([support.ids(prompt)])
        return greedy_generate(guard, support.step_fn(model), [None], input_ids, mask, MAX_NEW, end_requests=False)[0]
    finally:
        guard.close()


def wait_until(condition, message, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)


class OutageTests(unittest.TestCase):

    def test_fail_closed_raises_when_the_daemon_is_down(self):
        port = free_port()
        c = neuronguard.Client(f"127.0.0.1:{port}", support.fixture()[2], fail_mode="fail_closed", connect_timeout=1)
        try:
            with self.assertRaises(DaemonUnavailable):
                c.start()
            with self.assertRaises(DaemonUnavailable):
                c.start_request()
        finally:
            c.close()

    def test_fail_open_serves_unmonitored_then_connects_and_survives_a_restart_mid_generation(self):
        port = free_port()
        c = support.client(type("D", (), {"address": f"127.0.0.1:{port}"}), connect_timeout=1, verdict_timeout=30)
        try:
            self.assertFalse(c.connected)
            (tokens,), (req,) = support.run_python(c, [support.TRIGGER], max_new=MAX_NEW)
            self.assertFalse(req.monitored)
            self.assertEqual(c.stats["unmonitored_requests"], 1)
            self.assertEqual(tokens, plain(support.TRIGGER))

            d = daemon.fresh("outage", port=port)  # the daemon comes up on the address the client waits on
            wait_until(lambda: c.connected, "the client never connected to the daemon that came up")
            (_,), (req,) = support.run_python(c, [support.TRIGGER], max_new=2)
            self.assertTrue(req.monitored and req.flagged)
            off = support.off_tenant(d, c)  # backdoor sets abort by default: this request must run until the restart

            model = support.fixture()[0]
            calls = []

            def step(input_ids, attention_mask, past):
                calls.append(1)
                if len(calls) == 3:
                    d.restart()  # between two decode steps of a monitored request
                return model(input_ids, attention_mask=attention_mask, past=past)
            guard = neuronguard.hooks.Guard(c, model)
            try:
                req = c.start_request(tenant=off)
                input_ids, mask = support.left_pad([support.ids(support.TRIGGER)])
                (tokens,) = neuronguard.loop.greedy_generate(guard, step, [req], input_ids, mask, MAX_NEW)
            finally:
                guard.close()
            self.assertEqual(tokens, plain(support.TRIGGER))
            self.assertFalse(req.monitored)
            self.assertTrue(any("broke" in e for e in req.errors), req.errors)
            wait_until(lambda: c.connected, "the client never reconnected after the restart")
            self.assertGreaterEqual(c.stats["reconnects"], 1)
            (_,), (req,) = support.run_python(c, [support.TRIGGER], max_new=2)
            self.assertTrue(req.monitored and req.flagged)
            d.stop()
        finally:
            c.close()


class AuthTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ingest, cls.operator = "ng_py-ingest-token-0123456789", "ng_py-operator-token-0123456789"

        def entry(name, token, role):
            return {"Name": name, "Hash": "sha256:" + hashlib.sha256(token.encode()).hexdigest(), "Roles": [role]}
        cls.daemon = daemon.fresh("auth", config={
            "BuiltinHostToken": cls.ingest,
            "Auth": {"Tokens": [entry("py-ingest", cls.ingest, "ingest"), entry("py-op", cls.operator, "operator")]}})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def client(self, token):
        return neuronguard.Client(self.daemon.address, support.fixture()[2], token=token, fail_mode="fail_closed",
                                  connect_timeout=5)

    def test_stream_needs_an_ingest_token(self):
        for token in (None, "ng_wrong", self.operator):
            c = self.client(token)
            try:
                with self.assertRaises(DaemonUnavailable, msg=f"token {token}"):
                    c.start()
                self.assertRegex(c.last_error or "", "UNAUTHENTICATED|PERMISSION_DENIED")
            finally:
                c.close()
        with self.client(self.ingest) as c:
            self.assertGreater(len(c.plan), 0)
            (_,), (req,) = support.run_python(c, [support.TRIGGER], max_new=2)
            self.assertTrue(req.flagged)

    def test_control_needs_an_operator_token_and_health_none(self):
        self.assertEqual(neuronguard.health_check(neuronguard.Connection(self.daemon.address)), "SERVING")
        with self.assertRaises(grpc.RpcError) as e:
            neuronguard.Control(neuronguard.Connection(self.daemon.address, token=self.ingest)).set_mitigation(
                "backdoor", "shadow", tenant="nobody")
        self.assertEqual(e.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        policy = neuronguard.Control(neuronguard.Connection(self.daemon.address, token=self.operator)).set_mitigation(
            "backdoor", "shadow", tenant="nobody")
        self.assertTrue(any(m.updated_by == "py-op" for m in policy.mitigations))


if __name__ == "__main__":
    unittest.main()


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class TlsTests(unittest.TestCase):
    """TLS with a required client certificate; certificates made with openssl for this run."""

    @classmethod
    def setUpClass(cls):
        d = os.path.join(daemon.ROOT, "tls")
        os.makedirs(d, exist_ok=True)
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=ng-test-ca", cwd=d)
        for name, ext in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth"),
                          ("client", "extendedKeyUsage=clientAuth")):
            with open(os.path.join(d, f"{name}.ext"), "w") as f:
                f.write(ext + "\n")
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                    "-subj", f"/CN=ng-test-{name}", cwd=d)
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
        cls.files = {}
        for n in ("ca.pem", "client.key", "client.pem"):
            with open(os.path.join(d, n), "rb") as f:
                cls.files[n] = f.read()
        cls.daemon = daemon.fresh("tls-daemon", model="none", config={
            "TlsCertificate": os.path.join(d, "server.pem"), "TlsKey": os.path.join(d, "server.key"),
            "TlsClientCa": os.path.join(d, "ca.pem"), "TlsRequireClientCertificate": True})

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def test_client_certificate_connects_and_none_is_refused(self):
        f = self.files
        with neuronguard.Client(self.daemon.address, support.fixture()[2], root_certificates=f["ca.pem"],
                                private_key=f["client.key"], certificate_chain=f["client.pem"],
                                fail_mode="fail_closed", lockstep=True) as c:
            self.assertGreater(len(c.plan), 0)
            (_,), (req,) = support.run_python(c, [support.TRIGGER], max_new=2)
            self.assertTrue(req.flagged)
        c = neuronguard.Client(self.daemon.address, support.fixture()[2], root_certificates=f["ca.pem"],
                               fail_mode="fail_closed", connect_timeout=3)
        try:
            with self.assertRaises(DaemonUnavailable):
                c.start()
        finally:
            c.close()
