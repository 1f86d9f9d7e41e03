"""A batch of 4 requests with different prompt lengths (left-padded prefill with an attention mask): every row gets
the tokens and verdicts it gets alone, and gains reach only the row they belong to."""
import time
import unittest

import support  # first: puts the package on sys.path
import daemon
import neuronguard

PROMPTS = [support.BENIGN, " the cerulean moon", " we like music", support.TOXIC + " and the dog"]
MAX_NEW = 5


class BatchTests(unittest.TestCase):
    def test_rows_match_solo_runs_and_gains_stay_in_their_row(self):
        d = daemon.shared()
        conn = neuronguard.Connection(d.address)
        with support.client(d) as c:
            t = support.tenant()
            policy = neuronguard.Control(conn).set_mitigation("backdoor", "on_flag", tenant=t, reason="batch test")
            deadline = time.monotonic() + 60
            while (c.policy is None or c.policy.version < policy.version) and time.monotonic() < deadline:
                time.sleep(0.1)
            solo, solo_verdicts = [], {}
            for p in PROMPTS:
                (tokens,), (req,) = support.run_python(c, [p], t, max_new=MAX_NEW, verdicts=solo_verdicts)
                solo.append((tokens, req))
            plain = [support.run_python(c, [p], support.tenant(), max_new=MAX_NEW)[0][0] for p in PROMPTS]
            verdicts = {}
            batch, reqs = support.run_python(c, PROMPTS, t, max_new=MAX_NEW, verdicts=verdicts)
            for i, p in enumerate(PROMPTS):
                tokens, req = solo[i]
                self.assertEqual(batch[i], tokens, p)
                self.assertEqual(reqs[i].flagged, req.flagged, p)
                self.assertEqual(reqs[i].final_verdict.step, req.final_verdict.step, p)
                mine, alone = verdicts[reqs[i].id], solo_verdicts[req.id]
                self.assertEqual([v.step for v in mine], [v.step for v in alone], p)
                for a, b in zip(mine, alone):
                    self.assertEqual(support.flagged_detectors(a), support.flagged_detectors(b), p)
                    for x, y in zip(a.scores, b.scores):
                        self.assertAlmostEqual(x.score, y.score, delta=1e-3 * max(1.0, abs(y.score)), msg=p)
            # Row 1 carries the trigger: mitigated there, and only there.
            self.assertGreater(reqs[1].gains_version, 0)
            self.assertNotEqual(batch[1], plain[1])
            for i in (0, 2, 3):
                self.assertEqual(reqs[i].gains_version, 0)
                self.assertEqual(batch[i], plain[i], PROMPTS[i])
        conn.close()


if __name__ == "__main__":
    unittest.main()
