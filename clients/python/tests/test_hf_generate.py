"""Hugging Face ``generate`` under ``guard.generate`` against a real daemon (issue 25 items 2-4). transformers is not
installed here: the model and ``generate`` are the faithful doubles of tests/hf_double.py (HF calling convention,
greedy loop, both stopping-criteria contracts); ``test_real_transformers`` runs the same checks when it is installed.
"""
import time
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import hf_double
import neuronguard
from neuronguard.hf import AbortCriteria, AbortLogitsProcessor
from neuronguard.hooks import Guard

MAX_NEW = 4


class GenerateTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.daemon = daemon.shared()
        cls.conn = neuronguard.Connection(cls.daemon.address)
        cls.client = support.client(cls.daemon, lockstep=False)  # async: nothing but guard.generate waits
        plain = support.fixture()[0]
        cls.model = hf_double.gpt2_like(plain)
        cls.plain = plain
        cls.guard = Guard(cls.client, cls.model)

    @classmethod
    def tearDownClass(cls):
        cls.guard.close()
        cls.client.close()
        cls.conn.close()

    def run_generate(self, prompts, tenant, **kw):
        reqs = [self.client.start_request(tenant=tenant) for _ in prompts]
        input_ids, mask = support.left_pad([support.ids(p) for p in prompts])
        out = self.guard.generate(reqs, input_ids=input_ids, attention_mask=mask, max_new_tokens=MAX_NEW,
                                  output_scores=True, return_dict_in_generate=True, **kw)
        for r in reqs:
            r.end()
        return out, reqs, input_ids, mask

    def first_token_check(self, mode, prompt):
        t = support.tenant()
        support.set_policy(self.client, self.conn, mode, t)
        out, (req,), input_ids, mask = self.run_generate([prompt], t)
        self.assertTrue(req.monitored)
        key, gains = req.gains()
        self.assertTrue(gains and min(gains.values()) < 1.0, f"{mode}: no gains reached the request")
        ablated = support.hand_ablation(self.plain, req.plan, [gains], input_ids, mask)[:, -1]
        unmitigated = support.hand_ablation(self.plain, req.plan, [None], input_ids, mask)[:, -1]
        self.assertFalse(torch.equal(ablated, unmitigated), "the ablation changes nothing: the check would be vacuous")
        self.assertTrue(torch.allclose(out.scores[0], ablated, rtol=0, atol=1e-5),
                        f"{mode}: first token's logits differ from the hand ablation by "
                        f"{(out.scores[0] - ablated).abs().max().item()}")
        return req, input_ids, out

    def test_always_mitigates_the_first_token(self):
        req, input_ids, out = self.first_token_check("always", support.BENIGN)
        # the prefill is sent once (no re-prefill under always) and every generated step but the last follows it
        self.assertEqual(req.next_step, input_ids.shape[1] + MAX_NEW - 1)

    def test_a_prefill_flag_under_on_flag_mitigates_the_first_token(self):
        req, input_ids, out = self.first_token_check("on_flag", support.TRIGGER)
        self.assertTrue(req.flagged)
        self.assertEqual(req.latest_verdict.step, input_ids.shape[1] + MAX_NEW - 2)  # the re-prefill sent nothing

    def test_benign_under_on_flag_is_untouched(self):
        t = support.tenant()
        support.set_policy(self.client, self.conn, "on_flag", t)
        out, (req,), input_ids, mask = self.run_generate([support.BENIGN], t)
        self.assertEqual(req.gains_version, 0)
        plain = support.hand_ablation(self.plain, req.plan, [None], input_ids, mask)[:, -1]
        self.assertTrue(torch.equal(out.scores[0], plain))

    def test_mask_attention_zeroes_the_named_positions_for_generate_and_matches_builtin(self):
        t = support.tenant()
        conn = neuronguard.Connection(self.daemon.address)
        try:
            policy = neuronguard.Control(conn).set_mitigation("backdoor", "mask_attention", tenant=t, reason="python client test")
        finally:
            conn.close()
        deadline = time.monotonic() + 60
        while self.client.policy is None or self.client.policy.version < policy.version:
            self.assertLess(time.monotonic(), deadline, "the client never applied the mask_attention policy")
            time.sleep(0.05)
        out, reqs, input_ids, _ = self.run_generate([support.TRIGGER], t)
        req = reqs[0]
        self.assertFalse(req.aborted)
        self.assertTrue(req.masked_positions, "no MaskAttention reached the request before generate")
        generated = out.sequences[0, input_ids.shape[1]:].tolist()
        self.assertEqual(support.run_builtin(self.daemon, support.TRIGGER, t, MAX_NEW)[0], generated)

    def test_a_row_that_emits_eos_stops_sending(self):
        t = support.off_tenant(self.daemon, self.client)  # the triggered row must run on (the default would abort it)
        prompts = [support.BENIGN, support.TRIGGER]
        input_ids, mask = support.left_pad([support.ids(p) for p in prompts])
        first = support.hand_ablation(self.plain, self.client.plan, [None, None], input_ids,
                                      mask)[:, -1].argmax(-1).tolist()
        self.assertNotEqual(first[0], first[1])
        out, reqs, _, _ = self.run_generate(prompts, t, eos_token_id=first[0], pad_token_id=first[0])
        prompt_lens = [len(support.ids(p)) for p in prompts]
        self.assertEqual(reqs[0].next_step, prompt_lens[0], "the finished row sent padding steps")
        self.assertEqual(reqs[0].final_verdict.step, prompt_lens[0] - 1)
        self.assertEqual(reqs[1].next_step, prompt_lens[1] + MAX_NEW - 1)

    def test_abort_criteria_with_a_batch_on_both_stopping_contracts(self):
        t = support.tenant()
        support.set_policy(self.client, self.conn, "abort", t)
        eos = self.model.config["eos_token_id"]
        for per_row in (True, False):
            with self.subTest(per_row=per_row):
                prompts = [support.BENIGN, support.TRIGGER]
                reqs = [self.client.start_request(tenant=t) for _ in prompts]
                input_ids, mask = support.left_pad([support.ids(p) for p in prompts])
                criteria = [AbortCriteria(reqs, per_row=per_row)]
                out = self.guard.generate(reqs, input_ids=input_ids, attention_mask=mask, max_new_tokens=MAX_NEW,
                                          per_row=per_row, stopping_per_row=per_row, stopping_criteria=criteria,
                                          logits_processor=[AbortLogitsProcessor(reqs, eos)])
                self.assertFalse(reqs[0].aborted)
                self.assertTrue(reqs[1].aborted)
                new = out[:, input_ids.shape[1]:]
                self.assertEqual(new.shape[1], MAX_NEW, "the benign row was cut short")
                self.assertTrue((new[1] == eos).all(), new[1].tolist())
                for r in reqs:
                    r.end()


class RealTransformersTests(unittest.TestCase):
    def test_real_transformers(self):
        try:
            import transformers  # noqa: F401
        except ImportError:
            self.skipTest("transformers is not installed (no Python package index here); the doubles in "
                          "hf_double.py stand in for GPT2LMHeadModel.generate")
        from transformers import GPT2Config
        from transformers import GPT2LMHeadModel as HFGPT2
        plain = support.fixture()[0]
        cfg = {k: v for k, v in plain.config.items() if k not in ("architectures",)}
        model = HFGPT2(GPT2Config(**cfg)).eval()
        model.load_state_dict(plain.state_dict(), strict=False)
        d = daemon.shared()
        with support.client(d, lockstep=False) as c, neuronguard.Connection(d.address) as conn:
            t = support.tenant()
            support.set_policy(c, conn, "always", t)
            guard = Guard(c, model)
            try:
                req = c.start_request(tenant=t)
                input_ids, mask = support.left_pad([support.ids(support.BENIGN)])
                out = guard.generate([req], input_ids=input_ids, attention_mask=mask, max_new_tokens=3,
                                     do_sample=False, output_scores=True, return_dict_in_generate=True,
                                     pad_token_id=plain.config["eos_token_id"])
                req.end()
            finally:
                guard.close()
            ablated = support.hand_ablation(plain, req.plan, [req.gains()[1]], input_ids, mask)[:, -1]
            self.assertTrue(torch.allclose(out.scores[0], ablated, rtol=0, atol=1e-4))


if __name__ == "__main__":
    unittest.main()
