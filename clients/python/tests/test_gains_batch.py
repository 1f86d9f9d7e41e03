"""Gains in a batch (issue 25 "What to deliver" item 7): rows bound to requests get their gains written back into the
whole batch when other rows are unbound (finished at other lengths), unbound rows stay bit-identical, and a
request's gains multiply the global gains instead of replacing them. Logits are compared with a hand ablation."""
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import neuronguard
from neuronguard.hooks import Guard
from neuronguard.v1 import common_pb2, telemetry_pb2

PROMPTS = [support.BENIGN, support.TRIGGER, " we like music"]


class GainsInABatchTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = daemon.shared()
        cls.conn = neuronguard.Connection(cls.daemon.address)
        cls.model = support.fixture()[0]

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()

    def always_requests(self, c, n):
        t = support.tenant()
        support.set_policy(c, self.conn, "always", t)
        reqs = [c.start_request(tenant=t) for _ in range(n)]
        for r in reqs:
            self.assertTrue(r.wait_gains(30), "the always policy's gains never came")
        return reqs

    def guarded_logits(self, c, rows, input_ids, mask):
        with Guard(c, self.model) as guard, guard.bind(rows, mask), torch.no_grad():
            return self.model(input_ids, attention_mask=mask)[0]

    def test_gains_reach_bound_rows_when_a_row_between_them_is_unbound(self):
        input_ids, mask = support.left_pad([support.ids(p) for p in PROMPTS])
        with support.client(self.daemon, lockstep=False) as c:
            r0, r2 = self.always_requests(c, 2)
            logits = self.guarded_logits(c, [r0, None, r2], input_ids, mask)
            want = support.hand_ablation(self.model, c.plan, [r0.gains()[1], None, r2.gains()[1]], input_ids, mask)
            plain = support.hand_ablation(self.model, c.plan, [None, None, None], input_ids, mask)
            for r in (r0, r2):
                r.end(wait=False)
        self.assertTrue(torch.equal(logits[1], plain[1]), "the unbound row changed")
        for b in (0, 2):
            self.assertFalse(torch.equal(want[b], plain[b]))
            self.assertTrue(torch.allclose(logits[b], want[b], rtol=0, atol=1e-5), f"row {b} lost its gains")

    def test_request_gains_multiply_the_global_gains(self):
        input_ids, mask = support.left_pad([support.ids(support.TRIGGER)])
        with support.client(self.daemon, lockstep=False) as c:
            (req,) = self.always_requests(c, 1)
            request_gains = dict(req.gains()[1])
            # The daemon sends no global Attenuate today; the message is put on the client's receive path as the
            # stream would deliver it: gain 0.5 on every slot.
            msg = telemetry_pb2.DaemonMessage(attenuate=telemetry_pb2.Attenuate(
                gains=[common_pb2.SlotGain(slot=s, gain=0.5) for s in range(len(c.plan))], **{"global": True}))
            c._dispatch(c._stream, msg)
            merged = req.gains()[1]
            for slot in range(len(c.plan)):
                self.assertAlmostEqual(merged[slot], 0.5 * request_gains.get(slot, 1.0), places=6)
            logits = self.guarded_logits(c, [req], input_ids, mask)
            want = support.hand_ablation(self.model, c.plan, [merged], input_ids, mask)
            only_request = support.hand_ablation(self.model, c.plan, [request_gains], input_ids, mask)
            req.end(wait=False)
        self.assertFalse(torch.equal(want, only_request))
        self.assertTrue(torch.allclose(logits, want, rtol=0, atol=1e-5))


if __name__ == "__main__":
    unittest.main()
