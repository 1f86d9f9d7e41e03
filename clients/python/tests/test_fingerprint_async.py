"""The fingerprint from a folder and from a loaded model equals the built-in host's; async mode streams and scores
without waiting for verdicts."""
import time
import unittest

import support  # first: puts the package on sys.path
import daemon
import neuronguard


class FingerprintTests(unittest.TestCase):
    def test_folder_and_model_fingerprints_equal_the_builtin_hosts(self):
        d = daemon.shared()
        model, config, fp, _ = support.fixture()
        self.assertEqual(neuronguard.fingerprint.from_folder(daemon.fixture_dir()), d.fingerprint)
        # The fixture's checkpoint names lack GPT-2's "transformer." prefix; the tied lm_head is counted once.
        self.assertEqual(neuronguard.fingerprint.from_model(model, config, drop_prefix="transformer."), d.fingerprint)
        self.assertNotEqual(neuronguard.fingerprint.from_model(model, config), d.fingerprint)


class AsyncModeTests(unittest.TestCase):
    def test_async_mode_streams_every_step_and_gets_verdicts(self):
        d = daemon.shared()
        with support.client(d, lockstep=False) as c:
            prompt = support.ids(support.TRIGGER)
            off = support.off_tenant(d, c)  # backdoor sets abort by default: this test needs every step
            (tokens,), (req,) = support.run_python(c, [support.TRIGGER], off, max_new=6, end=False)
            self.assertEqual(len(tokens), 6)
            req.end(wait=False)  # returns at once; the final verdict comes in the background
            deadline = time.monotonic() + 60
            while req.final_verdict is None and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIsNotNone(req.final_verdict)
            self.assertTrue(req.final_verdict.flagged)
            self.assertEqual(req.final_verdict.step, len(prompt) + len(tokens) - 2)  # last token is not fed back
            self.assertEqual(c.stats["verdict_timeouts"], 0)


if __name__ == "__main__":
    unittest.main()
