"""The scoped, typed API (issue 25 item 8): ``with client.request()``, ``with guard.bind()``, a per-thread binding,
verdict callbacks off the gRPC reader thread, the asyncio API, and client metrics through prometheus_client."""
import asyncio
import threading
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import neuronguard
import neuronguard.aio
from neuronguard.hooks import Guard


class ScopedApiTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = daemon.shared()
        cls.model = support.fixture()[0]

    def test_request_and_bind_blocks(self):
        seen = []
        with support.client(self.daemon) as c, Guard(c, self.model) as guard:
            prompt = torch.tensor([support.ids(support.TRIGGER)])
            with c.request(on_verdict=lambda r, v: seen.append(threading.current_thread().name)) as req:
                with guard.bind([req]), torch.no_grad():
                    self.model(prompt)
                self.assertEqual(guard.rows, [])  # the block's exit unbinds
                with torch.no_grad():
                    self.model(prompt)           # belongs to no request: sends nothing
            self.assertTrue(req.ended)
            self.assertIsNotNone(req.final_verdict)
            self.assertEqual(req.final_verdict.step, prompt.shape[1] - 1)
            self.assertTrue(req.flagged)
        self.assertTrue(seen)
        self.assertTrue(all(n.startswith("neuronguard-callbacks") for n in seen), seen)

    def test_bindings_are_per_thread(self):
        prompts = [support.BENIGN, support.TRIGGER + " and the dog"]
        with support.client(self.daemon) as c, Guard(c, self.model) as guard:
            reqs = [c.start_request() for _ in prompts]
            barrier = threading.Barrier(2)
            errors = []

            def run(req, prompt):
                try:
                    with guard.bind([req]), torch.no_grad():
                        barrier.wait()
                        for _ in range(3):
                            self.model(torch.tensor([support.ids(prompt)]))
                except Exception as e:  # reported below
                    errors.append(e)
            threads = [threading.Thread(target=run, args=(r, p)) for r, p in zip(reqs, prompts)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            self.assertEqual(errors, [])
            for r, p in zip(reqs, prompts):
                self.assertEqual(r.next_step, 3 * len(support.ids(p)))
                r.end()
            self.assertEqual([r.flagged for r in reqs], [False, True])

    def test_asyncio_api(self):
        async def main():
            inner = neuronguard.Client(self.daemon.address, support.fixture()[2], lockstep=True)
            async with neuronguard.aio.AsyncClient(inner) as c:
                async with c.request(tenant=support.tenant()) as req:
                    loop = asyncio.get_running_loop()
                    guard = Guard(inner, self.model)

                    def forward():
                        with guard.bind([req]), torch.no_grad():
                            self.model(torch.tensor([support.ids(support.TRIGGER)]))
                    await loop.run_in_executor(None, forward)
                    guard.close()
                return req
        req = asyncio.run(main())
        self.assertIsNotNone(req.final_verdict)
        self.assertTrue(req.final_verdict.flagged)

    def test_prometheus_metrics(self):
        try:
            import prometheus_client
        except ImportError:
            self.skipTest("prometheus_client is not installed (Debian python3-prometheus-client)")
        server_id = f"py-metrics-{support.tenant()}"  # a label of its own: the families are per process
        with support.client(self.daemon, server_id=server_id) as c:
            (_,), (req,) = support.run_python(c, [support.BENIGN], max_new=2)
            labels = {"server_id": server_id}
            sent = prometheus_client.REGISTRY.get_sample_value("neuronguard_client_frames_sent_total", labels)
            self.assertEqual(sent, c.stats["frames_sent"])
            self.assertGreater(sent, 0)
            count = prometheus_client.REGISTRY.get_sample_value("neuronguard_client_verdict_latency_seconds_count",
                                                               labels)
            self.assertGreater(count, 0)
            self.assertEqual(prometheus_client.REGISTRY.get_sample_value(
                "neuronguard_client_unmonitored_requests_total", labels), 0)


class VersionTests(unittest.TestCase):
    def test_version_in_one_place_and_py_typed(self):
        import os
        pkg = os.path.dirname(neuronguard.__file__)
        self.assertTrue(os.path.exists(os.path.join(pkg, "py.typed")))
        with open(os.path.join(pkg, "..", "pyproject.toml")) as f:
            text = f.read()
        self.assertIn('dynamic = ["version"]', text)
        self.assertNotRegex(text, r'(?m)^version\s*=\s*"')


if __name__ == "__main__":
    unittest.main()
