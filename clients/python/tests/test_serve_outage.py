"""The guarded OpenAI-compatible server when its daemon is killed mid-stream: fail_open finishes the stream
unmonitored and says so; fail_closed ends it with an error event, and later requests get HTTP 503. The daemon is
frozen (SIGSTOP) as the first token arrives, then SIGKILLed, so the kill lands mid-stream on any machine load
(--lockstep: each step waits for the daemon's verdict)."""
import os
import signal
import unittest

import support  # first: puts the package on sys.path
import daemon
import trained
from test_serve import MISSING

MAX = 60


@unittest.skipIf(MISSING, MISSING)
class KilledMidStreamTests(unittest.TestCase):
    def run_mode(self, mode):
        import serve_support
        d = daemon.Daemon(f"serve-kill-{mode}", model=trained.DIR)
        server = None
        try:
            trained.onboard(d.address)
            server = serve_support.Server(d.address, "--lockstep", "--fail-mode", mode)
            support.wait_until(lambda: server.health()["slots"] == 10, "the server never got the catalog's slots")
            eos = 2047

            def kill_on_first_token(chunk):
                if d.proc is not None and chunk.get("choices") and chunk["choices"][0].get("text"):
                    os.kill(d.proc.pid, signal.SIGSTOP)
                    d.proc.kill()
                    d.proc.wait()
                    d.proc = None
            events = server.stream("/v1/completions", {"prompt": trained.BENIGN, "max_tokens": MAX, "temperature": 0,
                                                       "logit_bias": {str(eos): -100}}, on_chunk=kill_on_first_token)
            self.assertIsNone(d.proc, "the stream ended before its first token")
            return server, events
        except BaseException:
            if server is not None:
                server.stop()
            raise
        finally:
            d.stop()

    def test_fail_open_finishes_unmonitored(self):
        server, events = self.run_mode("fail_open")
        try:
            self.assertEqual(events[-1], "[DONE]")
            last = events[-2]["choices"][0]
            self.assertEqual(last["finish_reason"], "length")
            self.assertFalse(last["neuronguard"]["monitored"])
            self.assertTrue(any("broke" in e for e in last["neuronguard"]["errors"]), last["neuronguard"])
        finally:
            server.stop()

    def test_fail_closed_ends_the_stream_with_an_error_then_refuses(self):
        server, events = self.run_mode("fail_closed")
        try:
            self.assertEqual(events[-1], "[DONE]")
            self.assertIn("error", events[-2])
            self.assertEqual(events[-2]["error"]["type"], "neuronguard_unavailable")
            texts = [e for e in events[:-2] if e["choices"][0].get("text")]
            self.assertLess(len(texts), MAX)
            r = server.post("/v1/completions", {"prompt": trained.BENIGN, "max_tokens": 2})
            self.assertEqual(r.status_code, 503, r.text)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
