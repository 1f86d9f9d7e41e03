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

    def test_onboarding_then_tokens_and_verdicts_match_builtin_host(self):
        conn = neuronguard.Connection(self.daemon.address)
        with support.client(self.daemon, model_fingerprint=self.fp) as c:
            self.assertEqual(len(c.plan), 0, "no catalog yet: the daemon hands out no slots")
            neurons = [(0, 3, 0.0), (0, 40, 0.0), (0, 159, 0.0), (1, 0, 0.0), (1, 77, 0.0), (1, 120, 0.0)]
            catalog = neuronguard.make_catalog(self.fp, 2, 160, "py-1", {"watch": ("custom", neurons)})
            ob = neuronguard.Onboarding(conn)
            self.assertEqual(ob.put_catalog(catalog), "py-1")
            ob.activate_catalog(self.fp, "py-1")
            plan = neuronguard.catalog_slots(catalog)
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
