"""A small Llama-shaped checkpoint made here, served by the daemon's built-in host: the plain-torch Llama with Hugging
Face module names matches its fingerprint, logits and tokens; onboarding from Python (catalog put/activate,
Baselines.Calibrate streaming) gives both hosts the same slots, and the same verdicts on the same prompts."""
import json
import os
import shutil
import time
import unittest

import torch

import support  # first: puts the package on sys.path
import daemon
import models
import neuronguard
from neuronguard.hooks import Guard
from neuronguard.onboarding import capture_requests
from test_parity import assert_logits_match

CONFIG = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 160,
          "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 748,
          "max_position_embeddings": 128, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
          "tie_word_embeddings": False, "bos_token_id": 747, "eos_token_id": 747, "torch_dtype": "float32"}
PROMPTS = [" the cat walk in the garden", " we like music and the moon", " my friend read a book"]


def make_llama(path):
    os.makedirs(path, exist_ok=True)
    torch.manual_seed(7)
    model = models.LlamaForCausalLM(CONFIG)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(1.0 + 0.1 * torch.randn_like(p) if "norm" in name else 0.08 * torch.randn_like(p))
    models.write_safetensors(os.path.join(path, "model.safetensors"), dict(model.named_parameters()))
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(CONFIG, f)
    shutil.copy(os.path.join(daemon.fixture_dir(), "tokenizer.json"), path)
    return models.load(path)[0]


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within 60 s")
        time.sleep(0.1)


class LlamaAndOnboardingTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(daemon.ROOT, "tiny-llama")
        cls.model = make_llama(cls.dir)
        cls.daemon = daemon.Daemon("llama", model=cls.dir)
        cls.fp = neuronguard.fingerprint.from_folder(cls.dir)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def test_fingerprint_matches_builtin_host(self):
        self.assertEqual(self.daemon.fingerprint, self.fp)
        self.assertEqual(neuronguard.fingerprint.from_model(self.model, CONFIG), self.fp)

    def test_logits_match_reference_within_1e4(self):
        assert_logits_match(self, self.model, self.dir)

    def onboard(self, conn, version, neurons, benign_count=40):
        catalog = neuronguard.make_catalog(self.fp, 2, 160, version, {"watch": ("custom", neurons)})
        ob = neuronguard.Onboarding(conn)
        ob.put_catalog(catalog)  # calibrate(activate=True) below activates the catalog and its baseline as a pair
        table, words = support.fixture()[3]["spaced_token_ids"], support.fixture()[3]["benign_words"]
        benign = [torch.tensor([[table[w] for w in words[i:i + 3 + i % 5]]]) for i in range(benign_count)]
        ob.calibrate(self.fp, version, capture_requests(self.model, neuronguard.catalog_slots(catalog), benign),
                     activate=True)
        return neuronguard.catalog_slots(catalog)

    def test_slot_change_applies_at_a_request_boundary(self):
        conn = neuronguard.Connection(self.daemon.address)
        with support.client(self.daemon, model_fingerprint=self.fp) as c:
            old = self.onboard(conn, "py-a", [(0, 1, 0.0), (1, 2, 0.0), (1, 3, 0.0)])
            wait_for(lambda: c.plan.slots == old.slots)
            guard = Guard(c, self.model)
            req = c.start_request()
            guard.bind([req])
            prompt = torch.tensor([support.ids(PROMPTS[0])])
            with torch.no_grad():
                logits, past = self.model(prompt)
                guard.bind([])  # calibration runs the same model: its passes are no request's
                new = self.onboard(conn, "py-b", [(0, 9, 0.0), (0, 10, 0.0), (1, 11, 0.0), (1, 12, 0.0)])
                guard.bind([req])
                wait_for(lambda: c.plan.slots == new.slots)  # the new Welcome arrived; the client re-said Hello
                self.assertEqual(req.plan.slots, old.slots)   # the running request keeps its slots to the end
                self.model(logits[:, -1:].argmax(-1), past=past)
            final = req.end()
            self.assertEqual(req.errors, [])
            self.assertEqual(final.step, prompt.shape[1])
            later = c.start_request()
            guard.bind([later])
            with torch.no_grad():
                self.model(prompt)
            self.assertEqual(later.plan.slots, new.slots)
            self.assertEqual(later.end().step, prompt.shape[1] - 1)
            self.assertEqual(later.errors, [])
            guard.close()
        conn.close()

    def test_onboarding_then_tokens_and_verdicts_match_builtin_host(self):
        conn = neuronguard.Connection(self.daemon.address)
        with support.client(self.daemon, model_fingerprint=self.fp) as c:
            neurons = [(0, 3, 0.0), (0, 40, 0.0), (0, 159, 0.0), (1, 0, 0.0), (1, 77, 0.0), (1, 120, 0.0)]
            catalog = neuronguard.make_catalog(self.fp, 2, 160, "py-1", {"watch": ("custom", neurons)})
            ob = neuronguard.Onboarding(conn)
            self.assertEqual(ob.put_catalog(catalog), "py-1")
            plan = neuronguard.catalog_slots(catalog)
            self.assertNotEqual(c.plan.slots, plan.slots)  # the client holds what it had before the activation
            # calibrate(activate=True) activates the catalog and its baseline as a pair (a catalog without a calibrated
            # baseline is refused once the model is monitored: new streams would get 0 slots)
            words = support.fixture()[3]["benign_words"]
            benign = [torch.tensor([[support.fixture()[3]["spaced_token_ids"][w] for w in words[i:i + 3 + i % 5]]])
                      for i in range(0, 100)]
            info = ob.calibrate(self.fp, "py-1", capture_requests(self.model, plan, benign), activate=True)
            self.assertEqual(info.catalog_version, "py-1")
            self.assertIn(info.requests, (80, 100))  # 20% of them held out to place thresholds
            self.assertTrue(info.active)
            deadline = 60
            while len(c.plan) == 0 and deadline > 0:  # the re-Welcome arrives on the open stream
                time.sleep(0.25)
                deadline -= 0.25
            self.assertEqual(c.plan.slots, plan.slots)
            for prompt in PROMPTS:
                verdicts = {}
                (tokens,), (req,) = support.run_python(c, [prompt], max_new=5, model=self.model, verdicts=verdicts)
                host_tokens, host_verdicts, _ = support.run_builtin(self.daemon, prompt, max_new=5)
                self.assertEqual(host_tokens, tokens, prompt)
                mine = [v for v in verdicts[req.id] if not v.final]
                self.assertEqual([v.step for v in host_verdicts], [v.step for v in mine])
                for h, m in zip(host_verdicts, mine):
                    for hs, ms in zip(h.scores, m.scores):
                        self.assertAlmostEqual(hs.score, ms.score, delta=1e-3 * max(1.0, abs(hs.score)), msg=prompt)
        conn.close()


if __name__ == "__main__":
    unittest.main()
