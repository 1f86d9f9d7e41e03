"""Mitigation modes through the Python hooks, each in a tenant of its own on the shared daemon: on_flag, shadow,
always, abort, tenant scope and TTL. Outputs are compared with the unmitigated ones and with the built-in host's."""
import time
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import neuronguard
from neuronguard.errors import RequestAborted
from neuronguard.hooks import AbortCriteria, raise_if_aborted

MAX_NEW = 6


class MitigationTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = daemon.shared()
        cls.conn = neuronguard.Connection(cls.daemon.address)
        cls.control = neuronguard.Control(cls.conn)
        cls.client = support.client(cls.daemon)
        cls.target = support.fixture()[3]["spaced_token_ids"]["unlocked"]
        cls.off = support.off_tenant(cls.daemon, cls.client)  # backdoor sets abort by default
        cls.plain = {p: cls.generate(p, cls.off)[0] for p in (support.BENIGN, support.TRIGGER)}

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.conn.close()

    @classmethod
    def generate(cls, prompt, tenant):
        (tokens,), (req,) = support.run_python(cls.client, [prompt], tenant, max_new=MAX_NEW)
        return tokens, req

    def policy(self, mode, tenant, set_name="backdoor", **kw):
        before = self.client.policy.version if self.client.policy else 0
        policy = self.control.set_mitigation(set_name, mode, tenant=tenant, reason="python client test", **kw)
        self.wait(lambda: self.client.policy is not None and self.client.policy.version >= policy.version,
                  f"the client never applied policy v{policy.version} (had v{before})")
        return policy

    def wait(self, condition, message, seconds=60):
        deadline = time.monotonic() + seconds
        while not condition():
            self.assertLess(time.monotonic(), deadline, message)
            time.sleep(0.1)

    def test_unmitigated_trigger_emits_the_backdoor_target(self):
        self.assertIn(self.target, self.plain[support.TRIGGER])
        self.assertNotIn(self.target, self.plain[support.BENIGN])

    def test_on_flag_changes_triggered_output_leaves_benign_identical_and_matches_builtin(self):
        t = support.tenant()
        self.policy("on_flag", t)
        tokens, req = self.generate(support.TRIGGER, t)
        self.assertTrue(req.flagged)
        self.assertGreater(req.gains_version, 0)
        self.assertNotEqual(tokens, self.plain[support.TRIGGER])
        self.assertNotIn(self.target, tokens)
        self.assertEqual(support.run_builtin(self.daemon, support.TRIGGER, t, MAX_NEW)[0], tokens)
        benign, breq = self.generate(support.BENIGN, t)
        self.assertEqual(benign, self.plain[support.BENIGN])
        self.assertEqual(breq.gains_version, 0)

    def test_other_tenant_is_untouched_by_a_tenant_policy(self):
        t = support.tenant()
        self.policy("on_flag", t)
        tokens, req = self.generate(support.TRIGGER, self.off)
        self.assertTrue(req.flagged)
        self.assertEqual(req.gains_version, 0)
        self.assertEqual(tokens, self.plain[support.TRIGGER])

    def test_shadow_reports_gains_and_changes_nothing(self):
        t = support.tenant()
        self.policy("shadow", t)
        tokens, req = self.generate(support.TRIGGER, t)
        self.assertEqual(tokens, self.plain[support.TRIGGER])
        self.assertEqual(req.gains_version, 0)
        self.assertTrue(req.shadow_gains and min(req.shadow_gains.values()) < 1.0, req.shadow_gains)

    def test_always_attenuates_from_the_first_step(self):
        t = support.tenant()
        self.policy("always", t)
        tokens, req = self.generate(support.TRIGGER, t)
        self.assertNotIn(self.target, tokens)
        self.assertEqual(support.run_builtin(self.daemon, support.TRIGGER, t, MAX_NEW)[0], tokens)
        benign, breq = self.generate(support.BENIGN, t)
        self.assertGreater(breq.gains_version, 0)  # every request of the tenant gets the gains

    def test_no_entry_default_abort_without_lockstep_emits_no_token(self):
        # A fresh tenant has no entry: the backdoor set's default (abort) applies. The client is not in lockstep, yet the
        # decode loop waits for the prefill verdict because abort is in force, so the first token is never sampled.
        client = support.client(self.daemon, lockstep=False)
        try:
            self.assertTrue(client.acts_at_prefill(support.tenant()))
            (tokens,), (req,) = support.run_python(client, [support.TRIGGER], support.tenant(), max_new=MAX_NEW)
            self.assertTrue(req.aborted, req.errors)
            self.assertEqual(tokens, [])
            (benign,), (breq,) = support.run_python(client, [support.BENIGN], support.tenant(), max_new=MAX_NEW)
            self.assertFalse(breq.aborted)
            self.assertEqual(benign, self.plain[support.BENIGN])
        finally:
            client.close()

    def test_mask_attention_masks_the_named_positions_and_matches_builtin(self):
        t = support.tenant()
        self.policy("mask_attention", t)
        tokens, req = self.generate(support.TRIGGER, t)
        self.assertTrue(req.flagged)
        self.assertFalse(req.aborted)
        self.assertTrue(req.masked_positions, "no MaskAttention reached the request")
        self.assertTrue(all(0 <= p < len(support.ids(support.TRIGGER)) for p in req.masked_positions), req.masked_positions)
        self.assertEqual(support.run_builtin(self.daemon, support.TRIGGER, t, MAX_NEW)[0], tokens)
        benign, breq = self.generate(support.BENIGN, t)
        self.assertEqual(benign, self.plain[support.BENIGN])
        self.assertEqual(breq.masked_positions, [])

    def test_mask_attention_for_an_unknown_request_is_counted_and_others_go_on(self):
        from neuronguard.v1 import telemetry_pb2 as tp
        t = support.off_tenant(self.daemon, self.client)
        req = self.client.start_request(tenant=t)
        before = self.client.stats.get("unknown_request_messages", 0)
        stream = self.client._stream
        with self.assertLogs("neuronguard", "WARNING") as logs:
            self.client._dispatch(stream, tp.DaemonMessage(mask_attention=tp.MaskAttention(request_id="gone", positions=[1])))
        self.assertEqual(self.client.stats["unknown_request_messages"], before + 1)
        self.assertIn("'gone', which is not running on this stream", "\n".join(logs.output))
        self.assertEqual(req.masked_positions, [])
        req.end()
        tokens, later = self.generate(support.TRIGGER, t)  # the stream and other requests go on
        self.assertEqual(tokens, self.plain[support.TRIGGER])
        self.assertIsNotNone(later.final_verdict)

    def test_abort_ends_the_flagged_request(self):
        t = support.tenant()
        self.policy("abort", t)
        tokens, req = self.generate(support.TRIGGER, t)
        self.assertTrue(req.aborted)
        self.assertTrue(req.abort_reason)
        self.assertEqual(tokens, [])  # the prefill flagged it: no token was generated
        with self.assertRaises(RequestAborted):
            raise_if_aborted([req])
        benign, breq = self.generate(support.BENIGN, t)
        self.assertFalse(breq.aborted)
        # The Hugging Face stopping criterion stops exactly the aborted row.
        self.assertEqual(AbortCriteria([breq, req, None])(torch.zeros(3, 1, dtype=torch.long)).tolist(), [False, True, False])
        self.assertEqual(benign, self.plain[support.BENIGN])

    def test_ttl_expiry_reverts_to_the_default_abort(self):
        t = support.tenant()
        policy = self.policy("on_flag", t, ttl_seconds=2)
        self.assertNotEqual(self.generate(support.TRIGGER, t)[0], self.plain[support.TRIGGER])

        def expired():
            p = self.client.policy
            return p is not None and p.version > policy.version and not any(
                m.tenant == t and m.mode != neuronguard.control.MODES["off"] for m in p.mitigations)
        self.wait(expired, "the TTL never removed the tenant's mitigation")
        tokens, req = self.generate(support.TRIGGER, t)
        self.assertTrue(req.flagged)
        self.assertTrue(req.aborted, "with its entry expired the tenant gets the backdoor default, abort")
        self.assertEqual(tokens, [])


if __name__ == "__main__":
    unittest.main()
