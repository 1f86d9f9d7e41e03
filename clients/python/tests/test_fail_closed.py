"""fail_closed closes (issue 25 item 1): a daemon SIGKILLed mid-generation makes the next decode step raise
DaemonUnavailable, in the library's own loop and under ``guard.generate``; fail_open finishes unmonitored."""
import unittest

import support  # first: puts the package on sys.path
import daemon
import hf_double
import neuronguard
from neuronguard import DaemonUnavailable
from neuronguard.hooks import Guard
from neuronguard.loop import greedy_generate

MAX_NEW = 12
KILL_AT = 3


class KillMidGeneration(unittest.TestCase):
    def setUp(self):
        self.daemon = daemon.fresh(f"kill-{self._testMethodName[-24:]}")

    def tearDown(self):
        self.daemon.stop()

    def killer(self, calls):
        """A forward pre-hook that SIGKILLs the daemon at pass KILL_AT and counts the passes."""
        def hook(module, inputs):
            calls.append(1)
            if len(calls) == KILL_AT:
                self.daemon.proc.kill()
                self.daemon.proc.wait()
        return hook

    def test_own_loop_raises_at_the_next_step(self):
        model = support.fixture()[0]
        calls = []
        with support.client(self.daemon, fail_mode="fail_closed", verdict_timeout=30) as c:
            handle = model.register_forward_pre_hook(self.killer(calls))
            guard = Guard(c, model)
            try:
                req = c.start_request()
                input_ids, mask = support.left_pad([support.ids(support.BENIGN)])
                with self.assertRaises(DaemonUnavailable):
                    greedy_generate(guard, support.step_fn(model), [req], input_ids, mask, MAX_NEW)
            finally:
                guard.close()
                handle.remove()
            self.assertLessEqual(len(calls), KILL_AT + 1, "passes ran unmonitored after the kill")
            self.assertTrue(req.lost)

    def test_guard_generate_raises_at_the_next_step(self):
        model = hf_double.gpt2_like(support.fixture()[0])
        calls = []
        with support.client(self.daemon, fail_mode="fail_closed", verdict_timeout=30) as c:
            handle = model.register_forward_pre_hook(self.killer(calls))
            guard = Guard(c, model)
            try:
                req = c.start_request()
                input_ids, mask = support.left_pad([support.ids(support.BENIGN)])
                with self.assertRaises(DaemonUnavailable):
                    guard.generate([req], input_ids=input_ids, attention_mask=mask, max_new_tokens=MAX_NEW)
            finally:
                guard.close()
                handle.remove()
            self.assertLessEqual(len(calls), KILL_AT + 1, "generate went on unmonitored after the kill")

    def test_fail_open_finishes_unmonitored(self):
        model = support.fixture()[0]
        calls = []
        with support.client(self.daemon, verdict_timeout=30) as c:
            handle = model.register_forward_pre_hook(self.killer(calls))
            guard = Guard(c, model)
            try:
                req = c.start_request()
                input_ids, mask = support.left_pad([support.ids(support.BENIGN)])
                (tokens,) = greedy_generate(guard, support.step_fn(model), [req], input_ids, mask, MAX_NEW)
            finally:
                guard.close()
                handle.remove()
            self.assertEqual(len(tokens), MAX_NEW)
            self.assertFalse(req.monitored)
            self.assertTrue(any("broke" in e for e in req.errors), req.errors)


if __name__ == "__main__":
    unittest.main()
